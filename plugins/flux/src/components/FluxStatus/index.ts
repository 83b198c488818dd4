export {
  ClusterHealth,
  FluxStatus,
  compareByStatus,
  countByStatus,
  statusLabels,
} from './FluxStatus';
