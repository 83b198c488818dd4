import { makeStyles } from '@material-ui/core';
import { HubMark } from './HubMark';

const useStyles = makeStyles({
  svg: {
    width: 'auto',
    height: 30,
  },
  mark: {
    fill: '#7df3e1',
  },
  text: {
    fill: '#ffffff',
    fontFamily: 'Helvetica, Arial, sans-serif',
    fontWeight: 700,
    fontSize: 30,
  },
});

/** The HubbOps wordmark: the hub icon and the name. */
export const LogoFull = () => {
  const classes = useStyles();

  return (
    <svg
      className={classes.svg}
      xmlns="http://www.w3.org/2000/svg"
      viewBox="0 0 196 36"
      role="img"
      aria-label="HubbOps"
    >
      <HubMark className={classes.mark} />
      <text x="42" y="28" className={classes.text}>
        HubbOps
      </text>
    </svg>
  );
};
