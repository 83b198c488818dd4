export { ObjectDrawer } from './ObjectDrawer';
export type { ObjectDrawerProps } from './ObjectDrawer';
