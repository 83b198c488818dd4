import { KubernetesObject } from './KubernetesObject';

/**
 * A column of the server-side `Table` rendering (what `kubectl get` prints),
 * like a CRD's `additionalPrinterColumns`.
 */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** A JSONPath such as `.status.conditions[?(@.type=="Ready")].status`. */
  jsonPath?: string;
  /** Computes the cell where a JSONPath cannot (built-in types). */
  value?: (object: KubernetesObject) => unknown;
  description?: string;
  /** Columns with priority > 0 only show with `-o wide`. */
  priority?: number;
  format?: string;
}

/** One served version of a resource, as in a CRD's `spec.versions`. */
export interface ResourceVersionDefinition {
  name: string;
  /** Whether the API serves this version (default true). */
  served?: boolean;
  /** The version objects are stored in (default: the preferred one). */
  storage?: boolean;
  /** Makes the server send a `Warning` header, as for deprecated CRD versions. */
  deprecated?: boolean;
  deprecationWarning?: string;
  /** Overrides the resource-wide columns for this version. */
  printerColumns?: PrinterColumn[];
  /** Overrides the resource-wide status subresource setting. */
  statusSubresource?: boolean;
}

/** What `registerResource` takes: a CRD, in short. */
export interface ResourceDefinition {
  /** The API group; `''` for the core group. */
  group: string;
  versions: Array<string | ResourceVersionDefinition>;
  kind: string;
  plural: string;
  singular?: string;
  listKind?: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Serve `<plural>/status` (default true, as for Flux CRDs). */
  statusSubresource?: boolean;
  /** Bump `metadata.generation` on spec changes (default true, as for CRs). */
  tracksGeneration?: boolean;
  /** Default: the `Age` column that CRDs get without printer columns. */
  printerColumns?: PrinterColumn[];
  /** Field selectors beyond `metadata.name`/`metadata.namespace`. */
  selectableFields?: string[];
  /**
   * Accept `application/strategic-merge-patch+json`. Built-in types do;
   * custom resources answer 415, so this defaults to false.
   */
  strategicMergePatch?: boolean;
  /** DELETE answers with the object (CRs) rather than a Success status. */
  deleteReturnsObject?: boolean;
  /** Built-in lists omit `apiVersion`/`kind` on their items. */
  listItemsOmitTypeMeta?: boolean;
  /**
   * Bodies may omit `apiVersion`/`kind`, which default from the URL (typed
   * built-in resources); custom resources require them.
   */
  typeMetaOptional?: boolean;
  /** Namespaces and services need DNS labels, most others DNS subdomains. */
  nameFormat?: 'dns-subdomain' | 'dns-label';
}

/** A registered resource with every default filled in. */
export interface RegisteredResource {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  versions: ResourceVersionDefinition[];
  storageVersion: string;
  statusSubresource: boolean;
  tracksGeneration: boolean;
  printerColumns: PrinterColumn[];
  selectableFields: string[];
  strategicMergePatch: boolean;
  deleteReturnsObject: boolean;
  listItemsOmitTypeMeta: boolean;
  typeMetaOptional: boolean;
  nameFormat: 'dns-subdomain' | 'dns-label';
}

/** A resource as served at one version. */
export interface ServedResource {
  resource: RegisteredResource;
  version: ResourceVersionDefinition;
}

/** The `Age` column every CRD gets when it declares no printer columns. */
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/** The key the store files a resource's objects under. */
export function resourceKey(group: string, plural: string): string {
  return `${plural}.${group}`;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function parseApiVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : {
        group: apiVersion.slice(0, slash),
        version: apiVersion.slice(slash + 1),
      };
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Orders versions the way discovery does (`version.CompareKubeAwareVersionStrings`):
 * GA before beta before alpha, higher numbers first, others alphabetically last.
 */
export function compareKubeVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return a.localeCompare(b);
  }
  const stages: Record<string, number> = { alpha: 1, beta: 2 };
  const stage = (m: RegExpExecArray) => (m[2] === undefined ? 3 : stages[m[2]]);
  return (
    stage(mb) - stage(ma) ||
    Number(mb[1]) - Number(ma[1]) ||
    Number(mb[3] ?? 0) - Number(ma[3] ?? 0)
  );
}

function normalize(definition: ResourceDefinition): RegisteredResource {
  const versions = definition.versions
    .map(v => (typeof v === 'string' ? { name: v } : { ...v }))
    .sort((a, b) => compareKubeVersions(a.name, b.name));
  if (versions.length === 0) {
    throw new Error(`Resource ${definition.plural} needs at least one version`);
  }
  const storageVersion =
    versions.find(v => v.storage)?.name ??
    versions.find(v => v.served !== false)?.name ??
    versions[0].name;
  return {
    group: definition.group,
    kind: definition.kind,
    plural: definition.plural,
    singular: definition.singular ?? definition.kind.toLowerCase(),
    listKind: definition.listKind ?? `${definition.kind}List`,
    namespaced: definition.namespaced,
    shortNames: definition.shortNames ?? [],
    categories: definition.categories ?? [],
    versions,
    storageVersion,
    statusSubresource: definition.statusSubresource ?? true,
    tracksGeneration: definition.tracksGeneration ?? true,
    printerColumns: definition.printerColumns ?? [AGE_COLUMN],
    selectableFields: definition.selectableFields ?? [],
    strategicMergePatch: definition.strategicMergePatch ?? false,
    deleteReturnsObject: definition.deleteReturnsObject ?? true,
    listItemsOmitTypeMeta: definition.listItemsOmitTypeMeta ?? false,
    typeMetaOptional: definition.typeMetaOptional ?? false,
    nameFormat: definition.nameFormat ?? 'dns-subdomain',
  };
}

/** Whether a version of a resource has the status subresource. */
export function hasStatusSubresource(
  resource: RegisteredResource,
  version?: ResourceVersionDefinition,
): boolean {
  return version?.statusSubresource ?? resource.statusSubresource;
}

/**
 * The resource types the server knows, i.e. the CRDs and built-in APIs of a
 * cluster. Discovery, routing and the store all consult it, so registering or
 * unregistering takes effect at once, as it does when a CRD is applied.
 */
export class ResourceRegistry {
  readonly #resources = new Map<string, RegisteredResource>();

  register(definition: ResourceDefinition): RegisteredResource {
    const resource = normalize(definition);
    this.#resources.set(resourceKey(resource.group, resource.plural), resource);
    return resource;
  }

  unregister(group: string, plural: string): RegisteredResource | undefined {
    const key = resourceKey(group, plural);
    const resource = this.#resources.get(key);
    this.#resources.delete(key);
    return resource;
  }

  /** Serves exactly the given versions of a resource; others stay registered. */
  setServedVersions(group: string, plural: string, served: string[]): void {
    const resource = this.get(group, plural);
    if (!resource) {
      throw new Error(
        `No resource ${resourceKey(group, plural)} is registered`,
      );
    }
    for (const version of resource.versions) {
      version.served = served.includes(version.name);
    }
  }

  get(group: string, plural: string): RegisteredResource | undefined {
    return this.#resources.get(resourceKey(group, plural));
  }

  all(): RegisteredResource[] {
    return [...this.#resources.values()];
  }

  /** The resource served at `group/version` under `plural`, if any. */
  findServed(
    group: string,
    version: string,
    plural: string,
  ): ServedResource | undefined {
    const resource = this.get(group, plural);
    const servedVersion = resource?.versions.find(
      v => v.name === version && v.served !== false,
    );
    return resource && servedVersion
      ? { resource, version: servedVersion }
      : undefined;
  }

  /** Looks a resource up by `apiVersion` and `kind`, served or not. */
  findByKind(apiVersion: string, kind: string): ServedResource | undefined {
    const { group, version } = parseApiVersion(apiVersion);
    for (const resource of this.#resources.values()) {
      if (resource.group === group && resource.kind === kind) {
        const found = resource.versions.find(v => v.name === version);
        if (found) {
          return { resource, version: found };
        }
      }
    }
    return undefined;
  }

  /** Served versions of a group, highest priority first. */
  servedVersions(group: string): string[] {
    const versions = new Set<string>();
    for (const resource of this.#resources.values()) {
      if (resource.group === group) {
        for (const version of resource.versions) {
          if (version.served !== false) {
            versions.add(version.name);
          }
        }
      }
    }
    return [...versions].sort(compareKubeVersions);
  }

  /** Named groups with at least one served version, in registration order. */
  servedGroups(): string[] {
    const groups: string[] = [];
    for (const resource of this.#resources.values()) {
      if (
        resource.group &&
        !groups.includes(resource.group) &&
        this.servedVersions(resource.group).length > 0
      ) {
        groups.push(resource.group);
      }
    }
    return groups;
  }

  /** Resources served at one group version, for an APIResourceList. */
  servedAt(group: string, version: string): ServedResource[] {
    const served: ServedResource[] = [];
    for (const resource of this.#resources.values()) {
      if (resource.group !== group) continue;
      const found = resource.versions.find(
        v => v.name === version && v.served !== false,
      );
      if (found) {
        served.push({ resource, version: found });
      }
    }
    return served;
  }
}
