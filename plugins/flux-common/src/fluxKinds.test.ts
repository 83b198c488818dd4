import { FLUX_KINDS, findFluxKind } from './fluxKinds';

describe('FLUX_KINDS', () => {
  it('lists each kind once, with at least one version', () => {
    const names = FLUX_KINDS.map(k => k.kind);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(15);
    for (const k of FLUX_KINDS) {
      expect(k.versions.length).toBeGreaterThan(0);
    }
  });

  it('puts the current version before the betas', () => {
    expect(findFluxKind('Kustomization')?.versions[0]).toBe('v1');
    expect(findFluxKind('HelmRelease')?.versions).toEqual([
      'v2',
      'v2beta2',
      'v2beta1',
    ]);
  });

  it('finds a kind by name or plural, ignoring case', () => {
    expect(findFluxKind('helmrelease')?.kind).toBe('HelmRelease');
    expect(findFluxKind('gitrepositories')?.kind).toBe('GitRepository');
    expect(findFluxKind('Deployment')).toBeUndefined();
  });
});
