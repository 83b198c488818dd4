import { mockServices } from '@backstage/backend-test-utils';
import { metricsServiceMock } from '@backstage/backend-test-utils/alpha';
import { ConfigReader } from '@backstage/config';
import {
  registerFluxResources,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import { KubeConfig } from '@kubernetes/client-node';
import { eventually } from '../__testUtils__/eventually';
import {
  kustomization,
  readyCondition,
} from '../__testUtils__/fluxTestObjects';
import { ClusterRegistry } from './ClusterRegistry';
import { readFluxConfig } from './FluxConfig';
import { FluxMetrics } from './FluxMetrics';
import { FluxSyncEngine } from './FluxSyncEngine';

jest.setTimeout(30_000);

type Mock = ReturnType<typeof metricsServiceMock.mock>;

/** The instrument `create` returned for `name`. */
function instrument(
  metrics: Mock,
  create: 'createCounter' | 'createHistogram' | 'createObservableGauge',
  name: string,
) {
  const calls = metrics[create].mock.calls as unknown as Array<[string]>;
  const index = calls.findIndex(([n]) => n === name);
  if (index < 0) throw new Error(`no instrument ${name}`);
  return metrics[create].mock.results[index].value;
}

describe('the Flux metrics', () => {
  let server: TestKubernetesApiServer;
  let engine: FluxSyncEngine;
  let metrics: Mock;

  beforeEach(async () => {
    server = await startTestKubernetesApiServer();
    registerFluxResources(server, { kinds: ['Kustomization'] });
    server.store.create(kustomization('apps'));
    server.store.create(kustomization('infra', { ready: 'False' }));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfig());
    metrics = metricsServiceMock.mock();
    engine = new FluxSyncEngine({
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
      metrics: new FluxMetrics(metrics),
    });
    await engine.start();
    await eventually(() => {
      if (engine.cluster('prod')?.health.status !== 'healthy') {
        throw new Error('prod is not synced yet');
      }
      if (server.activeWatchCount !== 1) throw new Error('not watching yet');
    });
  });

  afterEach(async () => {
    await engine.stop();
    await server.stop();
  });

  it('counts a watch restarted after 410 Expired, by cluster, kind and reason', async () => {
    const restarts = instrument(
      metrics,
      'createCounter',
      'flux.watch.restarts',
    );
    expect(restarts.add).not.toHaveBeenCalled();
    const lists = () =>
      server.requests.filter(
        r => r.path.endsWith('/kustomizations') && !r.query.get('watch'),
      ).length;
    const listed = lists();

    // Hold the reconnect back, change something unseen, and expire the
    // history the watch would resume from.
    server.setLatency(300);
    server.closeWatches();
    server.store.create(kustomization('new'));
    server.expireHistory();
    server.setLatency(0);

    await eventually(() =>
      expect(restarts.add).toHaveBeenCalledWith(1, {
        cluster: 'prod',
        kind: 'Kustomization',
        reason: '410',
      }),
    );
    // The 410 made it list again.
    await eventually(() => expect(lists()).toBeGreaterThan(listed));
  });

  it('records the latency of Kubernetes API requests by operation and status', async () => {
    const latency = instrument(
      metrics,
      'createHistogram',
      'flux.kubernetes.api.latency',
    );
    expect(latency.record).toHaveBeenCalledWith(expect.any(Number), {
      cluster: 'prod',
      operation: 'list',
      status: 'ok',
    });
    expect(latency.record).toHaveBeenCalledWith(expect.any(Number), {
      cluster: 'prod',
      operation: 'discovery',
      status: 'ok',
    });
    const seconds = (latency.record.mock.calls as Array<[number]>).map(
      ([s]) => s,
    );
    expect(seconds.every(s => s >= 0 && s < 10)).toBe(true);

    server.setLatency(150);
    await engine.cluster('prod')!.client.getObject(
      {
        group: 'kustomize.toolkit.fluxcd.io',
        version: 'v1',
        kind: 'Kustomization',
        plural: 'kustomizations',
      },
      'flux-system',
      'apps',
    );
    await expect(
      engine.cluster('prod')!.client.getObject(
        {
          group: 'kustomize.toolkit.fluxcd.io',
          version: 'v1',
          kind: 'Kustomization',
          plural: 'kustomizations',
        },
        'flux-system',
        'missing',
      ),
    ).rejects.toThrow();
    const gets = (
      latency.record.mock.calls as Array<[number, { operation: string }]>
    ).filter(([, attributes]) => attributes.operation === 'get');
    expect(gets.map(([, a]) => a)).toEqual([
      { cluster: 'prod', operation: 'get', status: 'ok' },
      { cluster: 'prod', operation: 'get', status: '404' },
    ]);
    expect(gets[0][0]).toBeGreaterThanOrEqual(0.14);
  });

  it('records the sync lag of a condition transition seen through the watch', async () => {
    const lag = instrument(metrics, 'createHistogram', 'flux.sync.lag');
    const apps = {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      namespace: 'flux-system',
      name: 'apps',
    };
    const secondsAgo = (seconds: number) =>
      new Date(Date.now() - seconds * 1000)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
    // An update whose transition is older than what we hold is no lag.
    server.store.patchStatus(apps, {
      conditions: [
        { ...readyCondition('True'), lastTransitionTime: secondsAgo(3600) },
      ],
      lastAttemptedRevision: 'main@sha1:0',
    });
    await eventually(() =>
      expect(
        engine.index.get('prod', 'Kustomization', 'flux-system', 'apps')
          ?.summary.lastAttemptedRevision,
      ).toBe('main@sha1:0'),
    );
    expect(lag.record).not.toHaveBeenCalled();

    // The controller marked it failing 3 seconds ago; we see it now.
    server.store.patchStatus(apps, {
      conditions: [
        { ...readyCondition('False'), lastTransitionTime: secondsAgo(3) },
      ],
    });
    await eventually(() => expect(lag.record).toHaveBeenCalledTimes(1));
    const [[seconds, attributes]] = lag.record.mock.calls;
    expect(attributes).toEqual({ cluster: 'prod', kind: 'Kustomization' });
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThan(6);
  });

  it('observes the objects per cluster and status', () => {
    const gauge = instrument(metrics, 'createObservableGauge', 'flux.objects');
    const stop = new FluxMetrics(metrics).observeObjects(() =>
      engine.clusters(),
    );
    const newest = metrics.createObservableGauge.mock.results.at(-1)!.value;
    expect(newest).not.toBe(gauge);
    const [callback] = newest.addCallback.mock.calls[0];
    const observed: Array<[number, Record<string, string>]> = [];
    callback({
      observe: (v: number, a: Record<string, string>) => observed.push([v, a]),
    });
    expect(observed).toEqual(
      expect.arrayContaining([
        [1, { cluster: 'prod', status: 'ready' }],
        [1, { cluster: 'prod', status: 'notReady' }],
        [0, { cluster: 'prod', status: 'suspended' }],
      ]),
    );
    stop();
    expect(newest.removeCallback).toHaveBeenCalledWith(callback);
  });
});
