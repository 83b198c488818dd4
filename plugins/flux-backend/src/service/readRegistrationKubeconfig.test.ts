import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegistrationKubeconfig } from './readRegistrationKubeconfig';

function kubeconfig(
  options: {
    server?: string;
    user?: Record<string, unknown>;
    cluster?: Record<string, unknown>;
  } = {},
) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'c1',
        cluster: {
          server: options.server ?? 'https://k8s.example.com:6443',
          ...options.cluster,
        },
      },
      { name: 'c2', cluster: { server: 'https://other.example.com' } },
    ],
    users: [
      { name: 'u1', user: options.user ?? { token: 'secret-token' } },
      { name: 'u2', user: { token: 'other-token' } },
    ],
    contexts: [
      { name: 'one', context: { cluster: 'c1', user: 'u1' } },
      { name: 'two', context: { cluster: 'c2', user: 'u2' } },
      { name: 'broken', context: { cluster: 'c9', user: 'u1' } },
    ],
    'current-context': 'one',
  });
}

describe('readRegistrationKubeconfig', () => {
  it('keeps only the chosen context, its cluster and its user', () => {
    const read = readRegistrationKubeconfig(kubeconfig(), 'two');
    expect(read.context).toBe('two');
    expect(read.url).toBe('https://other.example.com');
    expect(read.text).toContain('other-token');
    expect(read.text).not.toContain('secret-token');
    expect(read.kubeConfig.getCurrentUser()?.token).toBe('other-token');
    expect(read.kubeConfig.contexts.map(c => c.name)).toEqual(['two']);

    const current = readRegistrationKubeconfig(
      [
        'apiVersion: v1',
        'clusters:',
        '- name: c',
        '  cluster: { server: "http://127.0.0.1:1", insecure-skip-tls-verify: true }',
        'users:',
        '- name: u',
        '  user: { token: yaml-token }',
        'contexts:',
        '- name: dev',
        '  context: { cluster: c, user: u, namespace: apps }',
        'current-context: dev',
      ].join('\n'),
    );
    expect(current.context).toBe('dev');
    expect(current.kubeConfig.getCurrentCluster()?.skipTLSVerify).toBe(true);
  });

  it('says what to fix in a kubeconfig it cannot use', () => {
    const fails = (text: string, message: string | RegExp, context?: string) =>
      expect(() => readRegistrationKubeconfig(text, context)).toThrow(message);
    fails('clusters: [unclosed', /not valid YAML/);
    fails('just a string', /does not have the shape of a kubeconfig/);
    fails('{}', 'The kubeconfig defines no contexts; add one');
    fails(
      kubeconfig(),
      'The kubeconfig has no context "three"; it has one, two, broken',
      'three',
    );
    fails(
      kubeconfig(),
      /names cluster "c9", which the kubeconfig does not define/,
      'broken',
    );
    fails(kubeconfig({ server: 'k8s.example.com' }), /is not an http\(s\) URL/);
    fails(
      kubeconfig({ user: {} }),
      /User "u1" of the kubeconfig has no credentials/,
    );
    fails(
      kubeconfig({ user: { exec: { command: 'touch', args: ['/tmp/x'] } } }),
      'User "u1" of the kubeconfig sets exec, which runs a command on the backend host',
    );
    fails(
      kubeconfig({ user: { 'auth-provider': { name: 'oidc' } } }),
      /sets auth-provider/,
    );
    fails(
      kubeconfig({ cluster: { 'certificate-authority': '/etc/ssl/ca.pem' } }),
      /sets certificate-authority, which reads a file on the backend host/,
    );
  });

  it('never reads a token file named by the kubeconfig', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flux-kubeconfig-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'token-from-the-backend-host');
    let message = '';
    try {
      readRegistrationKubeconfig(kubeconfig({ user: { 'token-file': file } }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /sets token-file, which reads a file on the backend host/,
    );
    expect(message).not.toContain('token-from-the-backend-host');
  });
});
