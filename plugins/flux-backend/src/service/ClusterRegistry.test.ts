import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterRegistry } from './ClusterRegistry';

const KUBECONFIG = `
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: "https://a.example.com" }
- name: b
  cluster: { server: "https://b.example.com" }
users:
- name: u
  user: { token: "t" }
contexts:
- name: ctx-a
  context: { cluster: a, user: u }
- name: ctx-b
  context: { cluster: b, user: u }
current-context: ctx-a
`;

function kubeconfigFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flux-')), 'config');
  writeFileSync(path, KUBECONFIG);
  return path;
}

function registry(data: object) {
  return ClusterRegistry.fromConfig(new ConfigReader(data as any), {
    logger: mockServices.logger.mock(),
  });
}

describe('ClusterRegistry', () => {
  it('reads config clusters with a token or client certificates', () => {
    const clusters = registry({
      kubernetes: {
        clusterLocatorMethods: [
          { type: 'catalog' },
          {
            type: 'config',
            clusters: [
              {
                name: 'prod',
                title: 'Production',
                url: 'https://prod.example.com',
                authProvider: 'serviceAccount',
                serviceAccountToken: 'secret',
                caData: 'Q0E=',
              },
              {
                name: 'edge',
                url: 'https://edge.example.com',
                authProvider: 'x509ClientCert',
                authMetadata: {
                  'kubernetes.io/x509-client-cert': 'Y2VydA==',
                  'kubernetes.io/x509-client-key': 'a2V5',
                },
              },
            ],
          },
        ],
      },
      flux: { clusters: { demo: ['edge'] } },
    }).list();
    expect(
      clusters.map(c => [c.name, c.title, c.source, c.url, c.demo]),
    ).toEqual([
      ['prod', 'Production', 'config', 'https://prod.example.com', false],
      ['edge', undefined, 'config', 'https://edge.example.com', true],
    ]);
    expect(clusters[0].kubeConfig.getCurrentUser()?.token).toBe('secret');
    expect(clusters[0].kubeConfig.getCurrentCluster()?.caData).toBe('Q0E=');
    expect(clusters[1].kubeConfig.getCurrentUser()).toEqual(
      expect.objectContaining({ certData: 'Y2VydA==', keyData: 'a2V5' }),
    );
  });

  it('skips a cluster it cannot authenticate to, keeping the others', () => {
    const logger = mockServices.logger.mock();
    const clusters = ClusterRegistry.fromConfig(
      new ConfigReader({
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                { name: 'gke', url: 'https://gke', authProvider: 'google' },
                {
                  name: 'bare',
                  url: 'https://bare',
                  authProvider: 'serviceAccount',
                },
                { name: 'ok', url: 'https://ok', serviceAccountToken: 't' },
              ],
            },
          ],
        },
      }),
      { logger },
    ).list();
    expect(clusters.map(c => c.name)).toEqual(['ok']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/authProvider "google"/),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/"bare" has no credentials/),
    );
  });

  it('adds one cluster per kubeconfig context, or only the listed ones', () => {
    const path = kubeconfigFile();
    const all = registry({ flux: { kubeconfig: { path } } }).list();
    expect(all.map(c => [c.name, c.source, c.url])).toEqual([
      ['ctx-a', 'kubeconfig', 'https://a.example.com'],
      ['ctx-b', 'kubeconfig', 'https://b.example.com'],
    ]);
    const some = registry({
      flux: { kubeconfig: { path, contexts: ['ctx-b'] } },
    }).list();
    expect(some.map(c => c.name)).toEqual(['ctx-b']);
    expect(() =>
      registry({ flux: { kubeconfig: { path, contexts: ['ctx-c'] } } }),
    ).toThrow(/names "ctx-c", which .* does not define; it has ctx-a, ctx-b/);
  });

  it('refuses two clusters with the same name', () => {
    expect(() =>
      registry({
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                { name: 'ctx-a', url: 'https://x', serviceAccountToken: 't' },
              ],
            },
          ],
        },
        flux: { kubeconfig: { path: kubeconfigFile() } },
      }),
    ).toThrow(/Two clusters are named "ctx-a"/);
  });
});
