import { KubeConfig } from '@kubernetes/client-node';
import { FluxClusterDirectory } from './FluxClusterService';

function kubeConfig(server: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: false }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

describe('FluxClusterDirectory', () => {
  it('waits for the Flux backend, then answers with copies', async () => {
    const directory = new FluxClusterDirectory();
    const listed = directory.listClusters();
    const original = kubeConfig('https://prod');
    directory.provide({
      list: () => [
        {
          name: 'prod',
          url: 'https://prod',
          demo: false,
          kubeConfig: original,
        },
      ],
    });
    expect(await listed).toEqual([
      { name: 'prod', url: 'https://prod', demo: false },
    ]);
    const copy = await directory.getKubeConfig('prod');
    expect(copy).not.toBe(original);
    expect(copy.getCurrentCluster()?.server).toBe('https://prod');
    expect(copy.getCurrentUser()?.token).toBe('t');
    await expect(directory.getKubeConfig('dev')).rejects.toThrow(
      'The Flux backend knows no cluster "dev"; it has prod',
    );
  });

  it('fails clearly when no Flux backend provides clusters', async () => {
    const directory = new FluxClusterDirectory({ waitMs: 10 });
    await expect(directory.listClusters()).rejects.toThrow(
      /is @hubbops\/plugin-flux-backend installed/,
    );
  });
});
