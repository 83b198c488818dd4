import { mockServices } from '@backstage/backend-test-utils';
import { FluxRawObject } from '@hubbops/plugin-flux-common';
import {
  registerFluxResources,
  startTestKubernetesApiServer,
} from '@hubbops/test-kit';
import { KubeConfig } from '@kubernetes/client-node';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import { KindReflector } from './KindReflector';
import { KubernetesClient } from './KubernetesClient';

describe('KindReflector', () => {
  it("lists in pages, then watches from the list's resourceVersion", async () => {
    const server = await startTestKubernetesApiServer();
    registerFluxResources(server, { kinds: ['Kustomization'] });
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      server.store.create(kustomization(name));
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfig());
    const lists: string[][] = [];
    const upserts: string[] = [];
    const reflector = new KindReflector({
      client: new KubernetesClient(kubeConfig, { requestTimeoutMs: 2000 }),
      kind: {
        group: 'kustomize.toolkit.fluxcd.io',
        version: 'v1',
        kind: 'Kustomization',
        plural: 'kustomizations',
      },
      listener: {
        replace: (_kind, objects: FluxRawObject[]) =>
          lists.push(objects.map(o => o.metadata?.name ?? '')),
        upsert: (_kind, object) => upserts.push(object.metadata?.name ?? ''),
        remove: () => {},
        state: () => {},
      },
      logger: mockServices.logger.mock(),
      minRetryDelayMs: 50,
      maxRetryDelayMs: 100,
      pageSize: 2,
    });
    const listedAt = server.store.resourceVersion;
    try {
      reflector.start();
      await eventually(() => expect(server.activeWatchCount).toBe(1));
      expect(lists).toEqual([['a', 'b', 'c', 'd', 'e']]);
      const requests = server.requests.filter(r =>
        r.path.endsWith('/kustomizations'),
      );
      expect(requests.map(r => r.query.get('limit'))).toEqual([
        '2',
        '2',
        '2',
        null,
      ]);
      expect(requests[1].query.get('continue')).toBeTruthy();
      expect(requests[3].query.get('resourceVersion')).toBe(listedAt);

      server.store.create(kustomization('f'));
      await eventually(() => expect(upserts).toEqual(['f']));
    } finally {
      await reflector.stop();
      await server.stop();
    }
  });
});
