/**
 * The HubbOps embedded git server: bare repositories over smart HTTP for the
 * credential-free development default.
 *
 * @packageDocumentation
 */

export { hubbopsGitPlugin as default } from './plugin';
export { hubbopsGitPlugin } from './plugin';
