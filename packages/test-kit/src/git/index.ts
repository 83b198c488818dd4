/**
 * A git server over smart HTTP (the real `git http-backend`) and the bare
 * repository store behind it.
 */
export {
  startTestGitServer,
  closeAllTestGitServers,
} from './startTestGitServer';
export type {
  TestGitServer,
  TestGitServerOptions,
  TestGitRequest,
} from './startTestGitServer';
export {
  GitRepositoryStore,
  DEFAULT_TEST_GIT_IDENTITY,
} from './GitRepositoryStore';
export type {
  TestGitCommit,
  TestGitFileChange,
  TestGitIdentity,
  TestGitTreeChange,
  TestGitTreeEntry,
} from './GitRepositoryStore';
