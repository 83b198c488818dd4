import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  registerFluxResources,
  startTestKubernetesApiServer,
} from '@hubbops/test-kit';
import { KubeConfig } from '@kubernetes/client-node';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import { ClusterRegistry } from './ClusterRegistry';
import { readFluxConfig } from './FluxConfig';
import { FluxSyncEngine } from './FluxSyncEngine';

describe('the periodic full resync', () => {
  it('discovers kinds installed since the start and lists every kind again', async () => {
    const server = await startTestKubernetesApiServer();
    registerFluxResources(server, { kinds: ['Kustomization'] });
    server.store.create(kustomization('apps'));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfig());
    const engine = new FluxSyncEngine({
      registry: new ClusterRegistry([
        {
          name: 'prod',
          source: 'kubeconfig',
          url: server.url,
          demo: false,
          kubeConfig,
        },
      ]),
      config: readFluxConfig(
        new ConfigReader({ flux: { sync: { minRetryDelay: '50ms' } } }),
      ),
      logger: mockServices.logger.mock(),
    });
    try {
      await engine.start();
      await eventually(() =>
        expect(engine.cluster('prod')?.health.status).toBe('healthy'),
      );
      expect(engine.cluster('prod')?.health.skippedKinds).toContain(
        'GitRepository',
      );

      // Flux's source CRDs get installed later.
      registerFluxResources(server, { kinds: ['GitRepository'] });
      server.store.create({
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'fleet', namespace: 'flux-system' },
        spec: { interval: '1m', url: 'https://example.com/fleet.git' },
      });
      server.clearRequests();
      await engine.resyncAll();

      await eventually(() =>
        expect(
          engine.index
            .query({ sort: 'kind' })
            .items.map(o => `${o.kind}/${o.name}`),
        ).toEqual(['GitRepository/fleet', 'Kustomization/apps']),
      );
      expect(engine.cluster('prod')?.health.servedKinds).toEqual(
        expect.objectContaining({
          GitRepository: 'source.toolkit.fluxcd.io/v1',
        }),
      );
      await eventually(() => {
        const lists = server.requests.filter(
          r =>
            r.path.endsWith('/kustomizations') &&
            r.query.get('watch') !== 'true',
        );
        expect(lists).toHaveLength(1);
      });
    } finally {
      await engine.stop();
      await server.stop();
    }
  });
});
