/**
 * Renders a kubeconfig (YAML) for the test server, in the form kubectl and
 * `KubeConfig.loadFromString` both read. Strings are written as YAML
 * double-quoted scalars via JSON escaping, which YAML 1.2 accepts.
 */

export interface KubeconfigOptions {
  /** Name of the cluster, user and context entries (default `test`). */
  contextName?: string;
  /** Default namespace of the context. */
  namespace?: string;
  /** Bearer token; defaults to the server's token, `null` for none. */
  token?: string | null;
  /** Client certificate and key (PEM) for TLS client authentication. */
  clientCertificate?: { cert: string | Buffer; key: string | Buffer };
}

export interface KubeconfigParameters extends KubeconfigOptions {
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  certificateAuthority?: string | Buffer;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

function base64(value: string | Buffer): string {
  return Buffer.from(value).toString('base64');
}

export function renderKubeconfig(parameters: KubeconfigParameters): string {
  const name = parameters.contextName ?? 'test';
  const cluster = [`    server: ${quote(parameters.server)}`];
  if (parameters.server.startsWith('http:')) {
    // client-node refuses plain-HTTP clusters unless TLS verification is
    // explicitly skipped; kubectl accepts the flag for HTTP as well.
    cluster.push('    insecure-skip-tls-verify: true');
  }
  if (parameters.certificateAuthority) {
    cluster.push(
      `    certificate-authority-data: ${quote(
        base64(parameters.certificateAuthority),
      )}`,
    );
  }
  const user: string[] = [];
  if (parameters.token) {
    user.push(`    token: ${quote(parameters.token)}`);
  }
  if (parameters.clientCertificate) {
    user.push(
      `    client-certificate-data: ${quote(
        base64(parameters.clientCertificate.cert),
      )}`,
      `    client-key-data: ${quote(base64(parameters.clientCertificate.key))}`,
    );
  }
  const context = [`    cluster: ${quote(name)}`, `    user: ${quote(name)}`];
  if (parameters.namespace) {
    context.push(`    namespace: ${quote(parameters.namespace)}`);
  }
  return [
    'apiVersion: v1',
    'kind: Config',
    'preferences: {}',
    'clusters:',
    `- name: ${quote(name)}`,
    '  cluster:',
    ...cluster,
    'users:',
    `- name: ${quote(name)}`,
    user.length > 0 ? '  user:' : '  user: {}',
    ...user,
    'contexts:',
    `- name: ${quote(name)}`,
    '  context:',
    ...context,
    `current-context: ${quote(name)}`,
    '',
  ].join('\n');
}
