/**
 * What the tests of several HubbOps packages share.
 *
 * @packageDocumentation
 */

export * from './database';
export * from './registry';
export * from './kubernetes';
export * from './flux';
export * from './git';
export * from './github';
