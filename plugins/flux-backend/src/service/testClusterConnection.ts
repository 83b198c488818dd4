import { FluxClusterConnectionTestResult } from '@hubbops/plugin-flux-common';
import { KubeConfig } from '@kubernetes/client-node';
import { discoverFluxKinds } from './discoverFluxKinds';
import { fluxControllerVersions } from './fluxControllerVersions';
import { KubernetesClient } from './KubernetesClient';
import { kubernetesErrorMessage } from './kubernetesError';

const FLUX_NAMESPACE = 'flux-system';

/**
 * Tries a cluster's connection once: the API server version, the Flux
 * kinds it serves and the Flux controllers installed. Never throws; a
 * failure is reported in the result, each request bounded by `timeoutMs`.
 */
export async function testClusterConnection(
  kubeConfig: KubeConfig,
  options: { timeoutMs: number },
): Promise<FluxClusterConnectionTestResult> {
  const url = kubeConfig.getCurrentCluster()?.server ?? '';
  const result: FluxClusterConnectionTestResult = {
    ok: false,
    url,
    servedKinds: {},
    skippedKinds: [],
    fluxVersions: {},
  };
  let client: KubernetesClient;
  try {
    client = new KubernetesClient(kubeConfig, {
      requestTimeoutMs: options.timeoutMs,
    });
    result.serverVersion = await client.serverVersion();
    const { served, skipped } = await discoverFluxKinds(client);
    result.servedKinds = Object.fromEntries(
      served.map(kind => [kind.kind, `${kind.group}/${kind.version}`]),
    );
    result.skippedKinds = skipped;
  } catch (error) {
    result.error = `Cannot reach the cluster at ${url}: ${kubernetesErrorMessage(
      error,
    )}`;
    return result;
  }
  try {
    const flux = fluxControllerVersions(
      await client.listDeployments(FLUX_NAMESPACE),
    );
    result.fluxVersions = flux.controllers;
    if (flux.release) result.fluxRelease = flux.release;
  } catch {
    // Reading Deployments may be forbidden; the versions are informative.
  }
  result.ok = true;
  if (Object.keys(result.servedKinds).length === 0) {
    result.ok = false;
    result.error =
      'The cluster answers but serves no Flux kinds; install Flux in it ' +
      '(flux install), or check that the credentials may list its CRDs';
  }
  return result;
}
