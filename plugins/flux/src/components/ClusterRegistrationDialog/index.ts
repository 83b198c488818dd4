export { ClusterRegistrationDialog } from './ClusterRegistrationDialog';
export type { ClusterRegistrationDialogProps } from './ClusterRegistrationDialog';
export { ClusterRemovalDialog } from './ClusterRemovalDialog';
export type { ClusterRemovalDialogProps } from './ClusterRemovalDialog';
