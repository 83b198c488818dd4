import { InputError } from '@backstage/errors';
import { KubeConfig, loadYaml } from '@kubernetes/client-node';
import { z } from 'zod';

/** A kubeconfig given through the API, reduced to the one context used. */
export interface RegistrationKubeconfig {
  kubeConfig: KubeConfig;
  context: string;
  url: string;
  /** The reduced kubeconfig (JSON, which kubeconfig readers accept). */
  text: string;
}

const clusterSchema = z.looseObject({
  server: z.string().min(1),
  'certificate-authority-data': z.string().optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'tls-server-name': z.string().optional(),
});

const userSchema = z.looseObject({
  token: z.string().optional(),
  'client-certificate-data': z.string().optional(),
  'client-key-data': z.string().optional(),
});

const kubeconfigSchema = z.looseObject({
  clusters: z
    .array(z.object({ name: z.string().min(1), cluster: clusterSchema }))
    .optional(),
  users: z
    .array(z.object({ name: z.string().min(1), user: userSchema.nullish() }))
    .optional(),
  contexts: z
    .array(
      z.object({
        name: z.string().min(1),
        context: z.looseObject({
          cluster: z.string().min(1),
          user: z.string().min(1),
          namespace: z.string().optional(),
        }),
      }),
    )
    .optional(),
  'current-context': z.string().optional(),
});

/**
 * Fields that make a client run commands or read files on the backend
 * host: never acceptable from an API caller.
 */
const FORBIDDEN_USER_FIELDS: Record<string, string> = {
  exec: 'runs a command on the backend host',
  'auth-provider': 'needs an auth provider plugin',
  'token-file': 'reads a file on the backend host; put the token in "token"',
  'client-certificate':
    'reads a file on the backend host; use client-certificate-data',
  'client-key': 'reads a file on the backend host; use client-key-data',
  username: 'uses basic authentication; use a token or client certificate',
};

const FORBIDDEN_CLUSTER_FIELDS: Record<string, string> = {
  'certificate-authority':
    'reads a file on the backend host; use certificate-authority-data',
  'proxy-url': 'sends requests through a proxy, which is not supported here',
};

function problems(error: z.ZodError): string {
  return error.issues
    .map(issue =>
      issue.path.length > 0
        ? `${issue.path.join('.')}: ${issue.message}`
        : issue.message,
    )
    .join('; ');
}

/**
 * Reads a kubeconfig given to register a cluster, checks that the chosen
 * context (or the current one) has a cluster with an http(s) server and a
 * user with a token or client certificate, and refuses anything that
 * would run commands or read files on the backend host. Messages say what
 * to fix; they never quote credentials.
 */
export function readRegistrationKubeconfig(
  text: string,
  requestedContext?: string,
): RegistrationKubeconfig {
  let raw: unknown;
  try {
    raw = loadYaml(text);
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? 'invalid YAML';
    throw new InputError(
      `The kubeconfig is not valid YAML (${reason}); paste the whole file ` +
        'as kubectl writes it',
    );
  }
  const parsed = kubeconfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(
      `The kubeconfig does not have the shape of a kubeconfig: ${problems(
        parsed.error,
      )}`,
    );
  }
  const config = parsed.data;
  const contexts = config.contexts ?? [];
  if (contexts.length === 0) {
    throw new InputError('The kubeconfig defines no contexts; add one');
  }
  const contextName = requestedContext ?? config['current-context'];
  if (!contextName) {
    throw new InputError(
      'The kubeconfig has no current-context; choose one of its contexts: ' +
        `${contexts.map(c => c.name).join(', ')}`,
    );
  }
  const context = contexts.find(c => c.name === contextName);
  if (!context) {
    throw new InputError(
      `The kubeconfig has no context "${contextName}"; it has ` +
        `${contexts.map(c => c.name).join(', ')}`,
    );
  }
  const { cluster: clusterName, user: userName } = context.context;
  const cluster = config.clusters?.find(c => c.name === clusterName)?.cluster;
  if (!cluster) {
    throw new InputError(
      `Context "${contextName}" names cluster "${clusterName}", which the ` +
        'kubeconfig does not define; add it under clusters',
    );
  }
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(
      `Cluster "${clusterName}" of the kubeconfig has server ` +
        `"${cluster.server}", which is not an http(s) URL; set it to the ` +
        'API server URL, such as https://k8s.example.com:6443',
    );
  }
  for (const [field, why] of Object.entries(FORBIDDEN_CLUSTER_FIELDS)) {
    if (field in cluster) {
      throw new InputError(
        `Cluster "${clusterName}" of the kubeconfig sets ${field}, which ` +
          `${why}`,
      );
    }
  }
  const userEntry = config.users?.find(u => u.name === userName);
  if (!userEntry) {
    throw new InputError(
      `Context "${contextName}" names user "${userName}", which the ` +
        'kubeconfig does not define; add it under users',
    );
  }
  const user = userEntry.user ?? {};
  for (const [field, why] of Object.entries(FORBIDDEN_USER_FIELDS)) {
    if (field in user) {
      throw new InputError(
        `User "${userName}" of the kubeconfig sets ${field}, which ${why}`,
      );
    }
  }
  const certificate =
    user['client-certificate-data'] && user['client-key-data'];
  if (!user.token && !certificate) {
    throw new InputError(
      `User "${userName}" of the kubeconfig has no credentials; set token ` +
        '(a service account token), or client-certificate-data and ' +
        'client-key-data',
    );
  }

  const reduced = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: clusterName,
        cluster: {
          server: cluster.server,
          ...(cluster['certificate-authority-data'] && {
            'certificate-authority-data': cluster['certificate-authority-data'],
          }),
          ...(cluster['insecure-skip-tls-verify'] && {
            'insecure-skip-tls-verify': true,
          }),
          ...(cluster['tls-server-name'] && {
            'tls-server-name': cluster['tls-server-name'],
          }),
        },
      },
    ],
    users: [
      {
        name: userName,
        user: certificate
          ? {
              'client-certificate-data': user['client-certificate-data'],
              'client-key-data': user['client-key-data'],
            }
          : { token: user.token },
      },
    ],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: clusterName,
          user: userName,
          ...(context.context.namespace && {
            namespace: context.context.namespace,
          }),
        },
      },
    ],
    'current-context': contextName,
  };
  const reducedText = JSON.stringify(reduced);
  const kubeConfig = new KubeConfig();
  // Only fields checked above remain, so this reads no files.
  kubeConfig.loadFromString(reducedText);
  return {
    kubeConfig,
    context: contextName,
    url: cluster.server,
    text: reducedText,
  };
}
