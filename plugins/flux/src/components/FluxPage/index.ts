export { FluxPage, FluxPageContent } from './FluxPage';
export type { FluxPageProps } from './FluxPage';
