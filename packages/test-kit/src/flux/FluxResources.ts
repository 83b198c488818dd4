import {
  AGE_COLUMN,
  apiVersionOf,
  PrinterColumn,
  RegisteredResource,
  ResourceVersionDefinition,
  TestKubernetesApiServer,
} from '../kubernetes';

/**
 * The Flux custom resources, with the groups, versions, names and printer
 * columns of the CRDs the Flux distributions ship (read from the
 * controllers' `config/crd/bases` at the listed release tags).
 */

export type FluxKind =
  | 'Kustomization'
  | 'HelmRelease'
  | 'GitRepository'
  | 'OCIRepository'
  | 'HelmRepository'
  | 'HelmChart'
  | 'Bucket'
  | 'ExternalArtifact'
  | 'ImageRepository'
  | 'ImagePolicy'
  | 'ImageUpdateAutomation'
  | 'Alert'
  | 'Provider'
  | 'Receiver'
  | 'FluxReport';

export type FluxControllerName =
  | 'source-controller'
  | 'kustomize-controller'
  | 'helm-controller'
  | 'notification-controller'
  | 'image-reflector-controller'
  | 'image-automation-controller'
  | 'source-watcher'
  | 'flux-operator';

/**
 * Which Flux release the cluster runs. `current` means 2.8, `legacy` 0.41
 * (the last release before the GA APIs, where every kind is still beta).
 */
export type FluxDistributionVersion = '2.8' | '2.7' | '0.41';
export type FluxGeneration = 'current' | 'legacy';

export const FLUX_GENERATIONS: Record<FluxGeneration, FluxDistributionVersion> =
  {
    current: '2.8',
    legacy: '0.41',
  };

/** A Flux release: its version, controller image tags and served API versions. */
export interface FluxDistribution {
  version: FluxDistributionVersion;
  /** The Flux (flux2) release, e.g. `v2.8.8`. */
  release: string;
  controllers: Partial<Record<FluxControllerName, string>>;
  /** Served versions per kind; the first is the storage version. */
  kinds: Partial<Record<FluxKind, VersionSpec[]>>;
}

/** `name`, or `name!` for a deprecated version, or `name-` for one without status subresource. */
type VersionSpec = string;

export interface FluxKindInfo {
  kind: FluxKind;
  group: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  controller: FluxControllerName;
  printerColumns: PrinterColumn[];
}

const READY_COLUMN: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};
const STATUS_COLUMN: PrinterColumn = {
  name: 'Status',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].message',
};
const STANDARD_COLUMNS = [AGE_COLUMN, READY_COLUMN, STATUS_COLUMN];

const SOURCE = 'source.toolkit.fluxcd.io';
const IMAGE = 'image.toolkit.fluxcd.io';
const NOTIFICATION = 'notification.toolkit.fluxcd.io';

export const FLUX_KINDS: Record<FluxKind, FluxKindInfo> = {
  Kustomization: {
    kind: 'Kustomization',
    group: 'kustomize.toolkit.fluxcd.io',
    plural: 'kustomizations',
    singular: 'kustomization',
    shortNames: ['ks'],
    controller: 'kustomize-controller',
    printerColumns: STANDARD_COLUMNS,
  },
  HelmRelease: {
    kind: 'HelmRelease',
    group: 'helm.toolkit.fluxcd.io',
    plural: 'helmreleases',
    singular: 'helmrelease',
    shortNames: ['hr'],
    controller: 'helm-controller',
    printerColumns: STANDARD_COLUMNS,
  },
  GitRepository: {
    kind: 'GitRepository',
    group: SOURCE,
    plural: 'gitrepositories',
    singular: 'gitrepository',
    shortNames: ['gitrepo'],
    controller: 'source-controller',
    printerColumns: [
      { name: 'URL', type: 'string', jsonPath: '.spec.url' },
      ...STANDARD_COLUMNS,
    ],
  },
  OCIRepository: {
    kind: 'OCIRepository',
    group: SOURCE,
    plural: 'ocirepositories',
    singular: 'ocirepository',
    shortNames: ['ocirepo'],
    controller: 'source-controller',
    printerColumns: [
      { name: 'URL', type: 'string', jsonPath: '.spec.url' },
      READY_COLUMN,
      STATUS_COLUMN,
      AGE_COLUMN,
    ],
  },
  HelmRepository: {
    kind: 'HelmRepository',
    group: SOURCE,
    plural: 'helmrepositories',
    singular: 'helmrepository',
    shortNames: ['helmrepo'],
    controller: 'source-controller',
    printerColumns: [
      { name: 'URL', type: 'string', jsonPath: '.spec.url' },
      ...STANDARD_COLUMNS,
    ],
  },
  HelmChart: {
    kind: 'HelmChart',
    group: SOURCE,
    plural: 'helmcharts',
    singular: 'helmchart',
    shortNames: ['hc'],
    controller: 'source-controller',
    printerColumns: [
      { name: 'Chart', type: 'string', jsonPath: '.spec.chart' },
      { name: 'Version', type: 'string', jsonPath: '.spec.version' },
      { name: 'Source Kind', type: 'string', jsonPath: '.spec.sourceRef.kind' },
      { name: 'Source Name', type: 'string', jsonPath: '.spec.sourceRef.name' },
      ...STANDARD_COLUMNS,
    ],
  },
  Bucket: {
    kind: 'Bucket',
    group: SOURCE,
    plural: 'buckets',
    singular: 'bucket',
    controller: 'source-controller',
    printerColumns: [
      { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint' },
      ...STANDARD_COLUMNS,
    ],
  },
  ExternalArtifact: {
    kind: 'ExternalArtifact',
    group: SOURCE,
    plural: 'externalartifacts',
    singular: 'externalartifact',
    controller: 'source-watcher',
    printerColumns: [
      ...STANDARD_COLUMNS,
      { name: 'Source', type: 'string', jsonPath: '.spec.sourceRef.name' },
    ],
  },
  ImageRepository: {
    kind: 'ImageRepository',
    group: IMAGE,
    plural: 'imagerepositories',
    singular: 'imagerepository',
    shortNames: ['imgrepo', 'imagerepo'],
    controller: 'image-reflector-controller',
    printerColumns: [
      { name: 'Image', type: 'string', jsonPath: '.spec.image' },
      {
        name: 'Tags',
        type: 'string',
        jsonPath: '.status.lastScanResult.tagCount',
      },
      READY_COLUMN,
      STATUS_COLUMN,
      {
        name: 'Last scan',
        type: 'string',
        jsonPath: '.status.lastScanResult.scanTime',
        priority: 1,
      },
      AGE_COLUMN,
    ],
  },
  ImagePolicy: {
    kind: 'ImagePolicy',
    group: IMAGE,
    plural: 'imagepolicies',
    singular: 'imagepolicy',
    shortNames: ['imgpol', 'imagepol'],
    controller: 'image-reflector-controller',
    printerColumns: [
      { name: 'Image', type: 'string', jsonPath: '.status.latestRef.name' },
      { name: 'Tag', type: 'string', jsonPath: '.status.latestRef.tag' },
      READY_COLUMN,
      STATUS_COLUMN,
      AGE_COLUMN,
    ],
  },
  ImageUpdateAutomation: {
    kind: 'ImageUpdateAutomation',
    group: IMAGE,
    plural: 'imageupdateautomations',
    singular: 'imageupdateautomation',
    shortNames: ['iua', 'imgupd', 'imgauto'],
    controller: 'image-automation-controller',
    printerColumns: [
      READY_COLUMN,
      STATUS_COLUMN,
      {
        name: 'Last run',
        type: 'string',
        jsonPath: '.status.lastAutomationRunTime',
        priority: 1,
      },
      AGE_COLUMN,
    ],
  },
  Alert: {
    kind: 'Alert',
    group: NOTIFICATION,
    plural: 'alerts',
    singular: 'alert',
    controller: 'notification-controller',
    printerColumns: STANDARD_COLUMNS,
  },
  Provider: {
    kind: 'Provider',
    group: NOTIFICATION,
    plural: 'providers',
    singular: 'provider',
    controller: 'notification-controller',
    printerColumns: STANDARD_COLUMNS,
  },
  Receiver: {
    kind: 'Receiver',
    group: NOTIFICATION,
    plural: 'receivers',
    singular: 'receiver',
    controller: 'notification-controller',
    printerColumns: STANDARD_COLUMNS,
  },
  FluxReport: {
    kind: 'FluxReport',
    group: 'fluxcd.controlplane.io',
    plural: 'fluxreports',
    singular: 'fluxreport',
    categories: ['fluxcd'],
    controller: 'flux-operator',
    printerColumns: [
      {
        name: 'Entitlement',
        type: 'string',
        jsonPath: '.spec.distribution.entitlement',
        priority: 10,
      },
      AGE_COLUMN,
      READY_COLUMN,
      STATUS_COLUMN,
      {
        name: 'LastUpdated',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].lastTransitionTime',
      },
    ],
  },
};

const SOURCE_KINDS: FluxKind[] = [
  'GitRepository',
  'OCIRepository',
  'HelmRepository',
  'HelmChart',
  'Bucket',
];
const IMAGE_KINDS: FluxKind[] = [
  'ImageRepository',
  'ImagePolicy',
  'ImageUpdateAutomation',
];

function each(kinds: FluxKind[], versions: VersionSpec[]) {
  return Object.fromEntries(kinds.map(kind => [kind, versions]));
}

/** Alert and Provider v1beta3 have no status subresource (they are static). */
const NOTIFICATION_BETA3 = {
  Alert: ['v1beta3-', 'v1beta2!'],
  Provider: ['v1beta3-', 'v1beta2!'],
  Receiver: ['v1', 'v1beta2!'],
};

export const FLUX_DISTRIBUTIONS: Record<
  FluxDistributionVersion,
  FluxDistribution
> = {
  '2.8': {
    version: '2.8',
    release: 'v2.8.8',
    controllers: {
      'source-controller': 'v1.8.5',
      'kustomize-controller': 'v1.8.5',
      'helm-controller': 'v1.5.5',
      'notification-controller': 'v1.8.4',
      'image-reflector-controller': 'v1.1.2',
      'image-automation-controller': 'v1.1.4',
      'source-watcher': 'v2.1.1',
      'flux-operator': 'v0.33.0',
    },
    kinds: {
      Kustomization: ['v1'],
      HelmRelease: ['v2'],
      ...each(SOURCE_KINDS, ['v1']),
      ExternalArtifact: ['v1'],
      ...each(IMAGE_KINDS, ['v1', 'v1beta2!']),
      ...NOTIFICATION_BETA3,
      FluxReport: ['v1'],
    },
  },
  '2.7': {
    version: '2.7',
    release: 'v2.7.5',
    controllers: {
      'source-controller': 'v1.7.4',
      'kustomize-controller': 'v1.7.3',
      'helm-controller': 'v1.4.5',
      'notification-controller': 'v1.7.5',
      'image-reflector-controller': 'v1.0.4',
      'image-automation-controller': 'v1.0.4',
      'source-watcher': 'v2.0.3',
      'flux-operator': 'v0.30.0',
    },
    kinds: {
      Kustomization: ['v1', 'v1beta2!'],
      HelmRelease: ['v2', 'v2beta2!'],
      ...each(SOURCE_KINDS, ['v1', 'v1beta2!']),
      ExternalArtifact: ['v1'],
      ...each(IMAGE_KINDS, ['v1', 'v1beta2!']),
      ...NOTIFICATION_BETA3,
      FluxReport: ['v1'],
    },
  },
  '0.41': {
    version: '0.41',
    release: 'v0.41.2',
    controllers: {
      'source-controller': 'v0.36.1',
      'kustomize-controller': 'v0.35.1',
      'helm-controller': 'v0.31.2',
      'notification-controller': 'v0.33.0',
      'image-reflector-controller': 'v0.26.1',
      'image-automation-controller': 'v0.31.0',
    },
    kinds: {
      Kustomization: ['v1beta2', 'v1beta1'],
      HelmRelease: ['v2beta1'],
      ...each(
        ['GitRepository', 'HelmRepository', 'HelmChart', 'Bucket'],
        ['v1beta2', 'v1beta1'],
      ),
      OCIRepository: ['v1beta2'],
      ImageRepository: ['v1beta2', 'v1beta1'],
      ImagePolicy: ['v1beta2', 'v1beta1'],
      ImageUpdateAutomation: ['v1beta1'],
      Alert: ['v1beta2', 'v1beta1'],
      Provider: ['v1beta2', 'v1beta1'],
      Receiver: ['v1beta2', 'v1beta1'],
    },
  },
};

function parseVersionSpec(
  kind: FluxKind,
  spec: VersionSpec,
  storage: boolean,
  preferred: string,
): ResourceVersionDefinition {
  const deprecated = spec.endsWith('!');
  const withoutStatus = spec.endsWith('-');
  const name = spec.replace(/[!-]$/, '');
  return {
    name,
    storage,
    ...(deprecated && {
      deprecated: true,
      deprecationWarning: `${name} ${kind} is deprecated, upgrade to ${preferred}`,
    }),
    ...(withoutStatus && { statusSubresource: false }),
  };
}

export interface RegisterFluxResourcesOptions {
  /** `current` (Flux 2.8, default) or `legacy` (Flux 0.41, all-beta APIs). */
  generation?: FluxGeneration;
  /** A specific release instead of a generation. */
  distribution?: FluxDistributionVersion;
  /** Register only these kinds (default: all the distribution has). */
  kinds?: FluxKind[];
}

/** What was registered: per kind, the resource and its preferred apiVersion. */
export type RegisteredFluxResources = Partial<
  Record<FluxKind, { apiVersion: string; resource: RegisteredResource }>
>;

export function resolveDistribution(
  options: Pick<
    RegisterFluxResourcesOptions,
    'generation' | 'distribution'
  > = {},
): FluxDistribution {
  return FLUX_DISTRIBUTIONS[
    options.distribution ?? FLUX_GENERATIONS[options.generation ?? 'current']
  ];
}

/** Registers the Flux CRDs of a distribution with the test API server. */
export function registerFluxResources(
  server: Pick<TestKubernetesApiServer, 'registerResource'>,
  options: RegisterFluxResourcesOptions = {},
): RegisteredFluxResources {
  const distribution = resolveDistribution(options);
  const registered: RegisteredFluxResources = {};
  for (const [kind, versions] of Object.entries(distribution.kinds) as Array<
    [FluxKind, VersionSpec[]]
  >) {
    if (options.kinds && !options.kinds.includes(kind)) continue;
    const info = FLUX_KINDS[kind];
    const preferred = versions[0].replace(/[!-]$/, '');
    const resource = server.registerResource({
      group: info.group,
      kind: info.kind,
      plural: info.plural,
      singular: info.singular,
      shortNames: info.shortNames,
      categories: info.categories,
      namespaced: true,
      printerColumns: info.printerColumns,
      versions: versions.map((spec, index) =>
        parseVersionSpec(kind, spec, index === 0, preferred),
      ),
    });
    registered[kind] = {
      apiVersion: apiVersionOf(info.group, preferred),
      resource,
    };
  }
  return registered;
}
