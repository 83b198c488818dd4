/**
 * What the tests of several HubbOps packages share.
 *
 * @packageDocumentation
 */

export * from './database';
