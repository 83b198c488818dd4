export { EntityFluxStatusCard } from './EntityFluxStatusCard';
export type { EntityFluxStatusCardProps } from './EntityFluxStatusCard';
