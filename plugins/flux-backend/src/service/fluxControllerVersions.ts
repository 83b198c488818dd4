import { V1Deployment } from '@kubernetes/client-node';

/** The tag of an image reference, without any digest. */
function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon >= 0 ? withoutDigest.slice(colon + 1) : undefined;
}

function looksLikeFlux(deployment: V1Deployment): boolean {
  const labels = deployment.metadata?.labels ?? {};
  const images =
    deployment.spec?.template?.spec?.containers?.map(c => c.image ?? '') ?? [];
  return (
    labels['app.kubernetes.io/part-of'] === 'flux' ||
    labels['app.kubernetes.io/instance'] === 'flux-system' ||
    images.some(image => /fluxcd\//.test(image)) ||
    /-controller$|^flux-operator$/.test(deployment.metadata?.name ?? '')
  );
}

/** What the Deployments in `flux-system` tell about the installed Flux. */
export interface FluxInstallation {
  /** Controller name to its own version (its image tag). */
  controllers: Record<string, string>;
  /** The Flux release, from the install manifests' version label. */
  release?: string;
}

/**
 * Reads controller versions from the Flux Deployments: the image tag is
 * the controller's own version, while the `app.kubernetes.io/version` label
 * the install manifests set is the Flux release (used for a controller only
 * when its image has no tag).
 */
export function fluxControllerVersions(
  deployments: V1Deployment[],
): FluxInstallation {
  const controllers: Record<string, string> = {};
  const releases = new Set<string>();
  for (const deployment of deployments.filter(looksLikeFlux)) {
    const name = deployment.metadata?.name;
    if (!name) continue;
    const containers = deployment.spec?.template?.spec?.containers ?? [];
    const container =
      containers.find(c => c.name === 'manager') ?? containers[0];
    const label = deployment.metadata?.labels?.['app.kubernetes.io/version'];
    if (label) releases.add(label);
    const version =
      (container?.image ? imageTag(container.image) : undefined) ?? label;
    if (version) controllers[name] = version;
  }
  // Controllers of one install share a release; several means mid-upgrade.
  const release =
    releases.size > 0 ? [...releases].sort().join(', ') : undefined;
  return release ? { controllers, release } : { controllers };
}
