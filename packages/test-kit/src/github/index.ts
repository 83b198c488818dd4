/**
 * A GitHub REST API test server backed by real git repositories, and signed
 * webhook deliveries.
 */
export {
  startTestGitHubApi,
  closeAllTestGitHubApis,
} from './startTestGitHubApi';
export type {
  TestGitHubApi,
  TestGitHubApiOptions,
  TestGitHubRequest,
  TestGitHubUser,
} from './startTestGitHubApi';
export type { TestGitHubPullRequest } from './pullRequestEndpoints';
export {
  deliverWebhook,
  signWebhookPayload,
  verifyWebhookSignature,
} from './webhookDeliveries';
export type { TestWebhookDelivery } from './webhookDeliveries';
