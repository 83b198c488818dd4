export { fluxApiRef } from './FluxApi';
export type { FluxApi, FluxObjectKey } from './FluxApi';
export { FluxClient } from './FluxClient';
