import {
  registerFluxResources,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import { eventually } from '../__testUtils__/eventually';
import { readyCondition } from '../__testUtils__/fluxTestObjects';
import {
  CLUSTER_TOKEN,
  FluxTestBackend,
  startFluxTestBackend,
} from '../__testUtils__/startFluxTestBackend';
import { redactHelmValues } from './redactHelmValues';

jest.setTimeout(30_000);

const values = {
  replicaCount: 2,
  postgresql: { auth: { password: 'hunter2', username: 'shop' } },
  ingress: { enabled: true, hosts: ['shop.example.com'] },
  extraEnv: null,
};

const helmRelease = {
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: {
    name: 'shop',
    namespace: 'shop',
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
        spec: { values },
      }),
      'fluxcd.io/owner': 'team-a',
    },
  },
  spec: {
    interval: '5m',
    chart: {
      spec: {
        chart: 'shop',
        sourceRef: { kind: 'HelmRepository', name: 'charts' },
      },
    },
    values,
    valuesFrom: [{ kind: 'Secret', name: 'shop-values' }],
  },
  status: { conditions: [readyCondition('True')] },
};

describe('redactHelmValues', () => {
  it('replaces every leaf of spec.values, keeping keys and valuesFrom', () => {
    const redacted = redactHelmValues(helmRelease);
    expect(redacted.spec).toEqual({
      ...helmRelease.spec,
      values: {
        replicaCount: '***',
        postgresql: { auth: { password: '***', username: '***' } },
        ingress: { enabled: '***', hosts: ['***'] },
        extraEnv: '***',
      },
    });
    expect(redacted.metadata?.annotations).toEqual({
      'fluxcd.io/owner': 'team-a',
    });
    expect(JSON.stringify(redacted)).not.toContain('hunter2');
    // The input is left alone.
    expect(helmRelease.spec.values.postgresql.auth.password).toBe('hunter2');
  });

  it('leaves other kinds alone', () => {
    const kustomization = { ...helmRelease, kind: 'Kustomization' };
    expect(redactHelmValues(kustomization)).toBe(kustomization);
  });
});

describe('HelmRelease values through the REST API', () => {
  let server: TestKubernetesApiServer;
  let flux: FluxTestBackend | undefined;

  beforeAll(async () => {
    server = await startTestKubernetesApiServer({ token: CLUSTER_TOKEN });
    registerFluxResources(server, { kinds: ['HelmRelease'] });
    server.store.create(helmRelease);
  });

  afterEach(async () => {
    await flux?.stop();
    flux = undefined;
  });

  afterAll(async () => {
    await server.stop();
  });

  async function detail() {
    await eventually(() =>
      flux!.get('/objects/prod/HelmRelease/shop/shop').expect(200),
    );
    const { body } = await flux!
      .get('/objects/prod/HelmRelease/shop/shop')
      .expect(200);
    return body.raw;
  }

  it('serves them redacted by default', async () => {
    flux = await startFluxTestBackend({ clusters: [{ name: 'prod', server }] });
    const raw = await detail();
    expect(raw.spec.values.postgresql.auth.password).toBe('***');
    expect(raw.spec.valuesFrom).toEqual(helmRelease.spec.valuesFrom);
    expect(JSON.stringify(raw)).not.toContain('hunter2');
  });

  it('serves them as they are with flux.showHelmValues', async () => {
    flux = await startFluxTestBackend({
      clusters: [{ name: 'prod', server }],
      fluxConfig: { showHelmValues: true },
    });
    const raw = await detail();
    expect(raw.spec.values).toEqual(values);
  });
});
