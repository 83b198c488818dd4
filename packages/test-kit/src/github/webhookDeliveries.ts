import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

type WebhookMethods = {
  sign(secret: string, payload: string): Promise<string>;
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
};

let methods: WebhookMethods | undefined;

/**
 * Loads `@octokit/webhooks-methods`. Its package exports only an `import`
 * condition, which jest's CommonJS resolver cannot match, so the module file
 * is required by path (jest transpiles it; Node 22 requires ESM natively).
 */
function webhookMethods(): WebhookMethods {
  if (methods) return methods;
  // The node_modules folders Node would search from this module.
  for (const dir of module.paths) {
    const file = join(dir, '@octokit/webhooks-methods/dist-node/index.js');
    if (existsSync(file)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      methods = require(file) as WebhookMethods;
      return methods;
    }
  }
  throw new Error(
    '@octokit/webhooks-methods is not installed; it is a dependency of @hubbops/test-kit',
  );
}

/** `X-Hub-Signature-256` of a payload, as GitHub computes it. */
export function signWebhookPayload(
  secret: string,
  payload: string,
): Promise<string> {
  return webhookMethods().sign(secret, payload);
}

/** Checks an `X-Hub-Signature-256` header against a payload. */
export function verifyWebhookSignature(
  secret: string,
  payload: string,
  signature: string,
): Promise<boolean> {
  return webhookMethods().verify(secret, payload, signature);
}

/** What a webhook receiver answered to a delivery. */
export interface TestWebhookDelivery {
  /** `X-GitHub-Delivery`. */
  id: string;
  status: number;
  body: string;
  /** The headers that were sent. */
  headers: Record<string, string>;
}

/**
 * POSTs a webhook the way GitHub delivers it: JSON body, `X-GitHub-Event`,
 * a fresh `X-GitHub-Delivery` GUID and, with a secret, `X-Hub-Signature-256`.
 */
export async function deliverWebhook(
  url: string,
  event: string,
  payload: unknown,
  secret?: string,
  options: { deliveryId?: string; hookId?: number } = {},
): Promise<TestWebhookDelivery> {
  const body = JSON.stringify(payload);
  const id = options.deliveryId ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/hubbops-test',
    'x-github-event': event,
    'x-github-delivery': id,
    'x-github-hook-id': String(options.hookId ?? 1),
  };
  if (secret !== undefined) {
    headers['x-hub-signature-256'] = await signWebhookPayload(secret, body);
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  return { id, status: response.status, body: await response.text(), headers };
}
