export { ClusterHeader } from './ClusterHeader';
export type { ClusterHeaderProps } from './ClusterHeader';
