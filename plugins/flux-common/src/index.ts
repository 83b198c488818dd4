/**
 * Types, permissions and API shapes shared by the HubbOps Flux plugins.
 *
 * @packageDocumentation
 */

export * from './fluxKinds';
export * from './FluxObjectSummary';
export * from './FluxCluster';
export * from './FluxObjectsQuery';
export * from './FluxActions';
export * from './permissions';
export * from './readFluxConditions';
export * from './summarizeFluxObject';
