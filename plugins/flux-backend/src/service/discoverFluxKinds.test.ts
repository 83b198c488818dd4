import { discoverFluxKinds } from './discoverFluxKinds';

/** A cluster serving these plurals at these group-versions. */
function cluster(served: Record<string, string[]>) {
  return {
    listApiGroups: async () => {
      const groups = new Map<string, string[]>();
      for (const groupVersion of Object.keys(served)) {
        const [group, version] = groupVersion.split('/');
        groups.set(group, [...(groups.get(group) ?? []), version]);
      }
      return [...groups].map(([name, versions]) => ({ name, versions }));
    },
    listApiResources: async (group: string, version: string) =>
      served[`${group}/${version}`] ?? [],
  };
}

describe('discoverFluxKinds', () => {
  it('picks the newest version of each kind that the cluster serves', async () => {
    const { served } = await discoverFluxKinds(
      cluster({
        'kustomize.toolkit.fluxcd.io/v1beta2': ['kustomizations'],
        'kustomize.toolkit.fluxcd.io/v1': ['kustomizations'],
        'helm.toolkit.fluxcd.io/v2beta1': ['helmreleases'],
        'helm.toolkit.fluxcd.io/v2beta2': ['helmreleases'],
      }),
    );
    expect(served).toEqual([
      expect.objectContaining({ kind: 'Kustomization', version: 'v1' }),
      expect.objectContaining({ kind: 'HelmRelease', version: 'v2beta2' }),
    ]);
  });

  it('skips kinds whose group, version or resource the cluster does not serve', async () => {
    const { served, skipped } = await discoverFluxKinds(
      cluster({
        'source.toolkit.fluxcd.io/v1alpha1': ['gitrepositories'],
        'source.toolkit.fluxcd.io/v1': ['helmrepositories'],
        'kustomize.toolkit.fluxcd.io/v1': ['kustomizations'],
      }),
    );
    expect(served.map(s => s.kind)).toEqual([
      'Kustomization',
      'HelmRepository',
    ]);
    expect(skipped).toEqual(
      expect.arrayContaining(['GitRepository', 'OCIRepository', 'FluxReport']),
    );
  });
});
