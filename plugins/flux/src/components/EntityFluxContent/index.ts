export { EntityFluxContent } from './EntityFluxContent';
export type { EntityFluxContentProps } from './EntityFluxContent';
