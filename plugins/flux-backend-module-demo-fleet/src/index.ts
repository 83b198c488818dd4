/**
 * A demo fleet of simulated Flux clusters for the HubbOps Flux backend.
 *
 * @packageDocumentation
 */

export { fluxModuleDemoFleet as default } from './module';
