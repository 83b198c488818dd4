/**
 * The HubbOps Flux backend plugin.
 *
 * @packageDocumentation
 */

export { fluxPlugin as default } from './plugin';
