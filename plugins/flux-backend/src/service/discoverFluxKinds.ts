import { FLUX_KINDS, FluxKind } from '@hubbops/plugin-flux-common';
import { KubernetesClient, ServedKind } from './KubernetesClient';

/** Which Flux kinds a cluster serves, and at which version. */
export interface FluxKindDiscovery {
  served: ServedKind[];
  /** Kinds the cluster does not serve at any version we know. */
  skipped: string[];
}

/**
 * Asks a cluster which Flux kinds it serves. A group being served says
 * little (one CRD of a group may be installed without the others), so the
 * resources of every Flux group-version the cluster lists are read too, and
 * each kind gets the first of its preferred versions that serves it.
 */
export async function discoverFluxKinds(
  client: Pick<KubernetesClient, 'listApiGroups' | 'listApiResources'>,
  kinds: readonly FluxKind[] = FLUX_KINDS,
): Promise<FluxKindDiscovery> {
  const groups = new Map(
    (await client.listApiGroups()).map(g => [g.name, new Set(g.versions)]),
  );
  const groupVersions = new Set<string>();
  for (const kind of kinds) {
    for (const version of kind.versions) {
      if (groups.get(kind.group)?.has(version)) {
        groupVersions.add(`${kind.group}/${version}`);
      }
    }
  }
  const resources = new Map(
    await Promise.all(
      [...groupVersions].map(async groupVersion => {
        const [group, version] = groupVersion.split('/');
        const plurals = await client.listApiResources(group, version);
        return [groupVersion, new Set(plurals)] as const;
      }),
    ),
  );
  const served: ServedKind[] = [];
  const skipped: string[] = [];
  for (const kind of kinds) {
    const version = kind.versions.find(v =>
      resources.get(`${kind.group}/${v}`)?.has(kind.plural),
    );
    if (version) {
      served.push({
        group: kind.group,
        version,
        kind: kind.kind,
        plural: kind.plural,
      });
    } else {
      skipped.push(kind.kind);
    }
  }
  return { served, skipped };
}
