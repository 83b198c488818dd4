import { makeStyles } from '@material-ui/core';
import { HubMark } from './HubMark';

const useStyles = makeStyles({
  svg: {
    width: 'auto',
    height: 28,
  },
  mark: {
    fill: '#7df3e1',
  },
});

export const LogoIcon = () => {
  const classes = useStyles();

  return (
    <svg
      className={classes.svg}
      xmlns="http://www.w3.org/2000/svg"
      viewBox="0 0 36 36"
      role="img"
      aria-label="HubbOps"
    >
      <HubMark className={classes.mark} />
    </svg>
  );
};
