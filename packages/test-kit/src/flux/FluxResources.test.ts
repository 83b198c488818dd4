import { ApisApi, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import {
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '../kubernetes';
import { registerFluxResources } from './FluxResources';

describe('registerFluxResources', () => {
  let server: TestKubernetesApiServer;
  let kubeConfig: KubeConfig;

  beforeEach(async () => {
    server = await startTestKubernetesApiServer();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfig());
  });

  afterEach(() => server.stop());

  async function preferredVersions() {
    const { groups } = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    return Object.fromEntries(
      groups
        .filter(group => group.name.includes('fluxcd'))
        .map(group => [
          group.name,
          group.versions.map(v => v.version).join(','),
        ]),
    );
  }

  async function resources(group: string, version: string) {
    const list = await kubeConfig
      .makeApiClient(CustomObjectsApi)
      .getAPIResources({ group, version });
    return list.resources.map(resource => resource.name);
  }

  it('serves the APIs of current Flux (2.8) through discovery', async () => {
    const registered = registerFluxResources(server);
    expect(registered.Kustomization?.apiVersion).toBe(
      'kustomize.toolkit.fluxcd.io/v1',
    );
    expect(registered.HelmRelease?.apiVersion).toBe(
      'helm.toolkit.fluxcd.io/v2',
    );
    expect(await preferredVersions()).toEqual({
      'kustomize.toolkit.fluxcd.io': 'v1',
      'helm.toolkit.fluxcd.io': 'v2',
      'source.toolkit.fluxcd.io': 'v1',
      'image.toolkit.fluxcd.io': 'v1,v1beta2',
      // Receiver is v1 while Alert and Provider are still v1beta3.
      'notification.toolkit.fluxcd.io': 'v1,v1beta3,v1beta2',
      'fluxcd.controlplane.io': 'v1',
    });
    expect(await resources('source.toolkit.fluxcd.io', 'v1')).toEqual([
      'gitrepositories',
      'gitrepositories/status',
      'ocirepositories',
      'ocirepositories/status',
      'helmrepositories',
      'helmrepositories/status',
      'helmcharts',
      'helmcharts/status',
      'buckets',
      'buckets/status',
      'externalartifacts',
      'externalartifacts/status',
    ]);
    // Alert and Provider v1beta3 have no status subresource.
    expect(
      await resources('notification.toolkit.fluxcd.io', 'v1beta3'),
    ).toEqual(['alerts', 'providers']);
    expect(await resources('image.toolkit.fluxcd.io', 'v1')).toContain(
      'imageupdateautomations',
    );
  });

  it('serves the all-beta APIs of legacy Flux (0.41)', async () => {
    const registered = registerFluxResources(server, { generation: 'legacy' });
    expect(registered.Kustomization?.apiVersion).toBe(
      'kustomize.toolkit.fluxcd.io/v1beta2',
    );
    expect(registered.ExternalArtifact).toBeUndefined();
    expect(await preferredVersions()).toEqual({
      'kustomize.toolkit.fluxcd.io': 'v1beta2,v1beta1',
      'helm.toolkit.fluxcd.io': 'v2beta1',
      'source.toolkit.fluxcd.io': 'v1beta2,v1beta1',
      'image.toolkit.fluxcd.io': 'v1beta2,v1beta1',
      'notification.toolkit.fluxcd.io': 'v1beta2,v1beta1',
    });
    expect(await resources('image.toolkit.fluxcd.io', 'v1beta1')).toContain(
      'imageupdateautomations',
    );
  });

  it('registers only the kinds asked for', async () => {
    registerFluxResources(server, {
      kinds: ['Kustomization', 'GitRepository'],
    });
    expect(await preferredVersions()).toEqual({
      'kustomize.toolkit.fluxcd.io': 'v1',
      'source.toolkit.fluxcd.io': 'v1',
    });
    expect(await resources('source.toolkit.fluxcd.io', 'v1')).toEqual([
      'gitrepositories',
      'gitrepositories/status',
    ]);
  });

  it('warns about deprecated versions like the API server does for CRDs', async () => {
    registerFluxResources(server, { distribution: '2.7' });
    const deprecated = await fetch(
      `${server.url}/apis/kustomize.toolkit.fluxcd.io/v1beta2/kustomizations`,
    );
    expect(deprecated.status).toBe(200);
    expect(deprecated.headers.get('warning')).toBe(
      '299 - "v1beta2 Kustomization is deprecated, upgrade to v1"',
    );
    const current = await fetch(
      `${server.url}/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations`,
    );
    expect(current.headers.get('warning')).toBeNull();
  });
});
