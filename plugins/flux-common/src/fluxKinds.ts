/**
 * A Flux custom resource kind, with the API versions it has been served at,
 * newest first, so a client can pick the newest one a cluster serves.
 *
 * @public
 */
export interface FluxKind {
  group: string;
  kind: string;
  plural: string;
  /** Served API versions in preference order: current first, betas after. */
  versions: string[];
  namespaced: boolean;
  /** Whether Flux reconciles it on `reconcile.fluxcd.io/requestedAt`. */
  reconcilable: boolean;
  /** Whether it has `spec.suspend`. */
  suspendable: boolean;
}

const KUSTOMIZE = 'kustomize.toolkit.fluxcd.io';
const HELM = 'helm.toolkit.fluxcd.io';
const SOURCE = 'source.toolkit.fluxcd.io';
const IMAGE = 'image.toolkit.fluxcd.io';
const NOTIFICATION = 'notification.toolkit.fluxcd.io';
const CONTROL_PLANE = 'fluxcd.controlplane.io';

function kind(
  group: string,
  name: string,
  plural: string,
  versions: string[],
  options: { reconcilable?: boolean; suspendable?: boolean } = {},
): FluxKind {
  return {
    group,
    kind: name,
    plural,
    versions,
    namespaced: true,
    reconcilable: options.reconcilable ?? true,
    suspendable: options.suspendable ?? true,
  };
}

/**
 * Every Flux kind the plugin knows.
 *
 * @public
 */
export const FLUX_KINDS: readonly FluxKind[] = Object.freeze([
  kind(KUSTOMIZE, 'Kustomization', 'kustomizations', [
    'v1',
    'v1beta2',
    'v1beta1',
  ]),
  kind(HELM, 'HelmRelease', 'helmreleases', ['v2', 'v2beta2', 'v2beta1']),
  kind(SOURCE, 'GitRepository', 'gitrepositories', [
    'v1',
    'v1beta2',
    'v1beta1',
  ]),
  kind(SOURCE, 'OCIRepository', 'ocirepositories', ['v1', 'v1beta2']),
  kind(SOURCE, 'HelmRepository', 'helmrepositories', [
    'v1',
    'v1beta2',
    'v1beta1',
  ]),
  kind(SOURCE, 'HelmChart', 'helmcharts', ['v1', 'v1beta2', 'v1beta1']),
  kind(SOURCE, 'Bucket', 'buckets', ['v1', 'v1beta2', 'v1beta1']),
  // Produced by other controllers, so neither reconciled nor suspended by Flux.
  kind(SOURCE, 'ExternalArtifact', 'externalartifacts', ['v1'], {
    reconcilable: false,
    suspendable: false,
  }),
  kind(IMAGE, 'ImageRepository', 'imagerepositories', [
    'v1',
    'v1beta2',
    'v1beta1',
  ]),
  kind(IMAGE, 'ImagePolicy', 'imagepolicies', ['v1', 'v1beta2', 'v1beta1']),
  kind(IMAGE, 'ImageUpdateAutomation', 'imageupdateautomations', [
    'v1',
    'v1beta2',
    'v1beta1',
  ]),
  // Alerts and Providers are static configuration: no reconcile loop to nudge.
  kind(NOTIFICATION, 'Alert', 'alerts', ['v1beta3', 'v1beta2', 'v1beta1'], {
    reconcilable: false,
  }),
  kind(
    NOTIFICATION,
    'Provider',
    'providers',
    ['v1beta3', 'v1beta2', 'v1beta1'],
    {
      reconcilable: false,
    },
  ),
  kind(NOTIFICATION, 'Receiver', 'receivers', ['v1', 'v1beta2', 'v1beta1']),
  kind(CONTROL_PLANE, 'FluxReport', 'fluxreports', ['v1'], {
    suspendable: false,
  }),
]);

/**
 * The Flux kind with this name (case-insensitive), or undefined.
 *
 * @public
 */
export function findFluxKind(name: string): FluxKind | undefined {
  const wanted = name.toLowerCase();
  return FLUX_KINDS.find(
    k => k.kind.toLowerCase() === wanted || k.plural === wanted,
  );
}
