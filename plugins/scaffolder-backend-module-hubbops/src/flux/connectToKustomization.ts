import { FluxClusterService } from '@hubbops/plugin-flux-node';
import { FluxClusterClient } from './FluxClusterClient';

/** Where Flux keeps its own objects; the Flux actions' default namespace. */
export const FLUX_NAMESPACE = 'flux-system';

/** The Kustomization a Flux action works on, and a client of its cluster. */
export interface KustomizationTarget {
  namespace: string;
  name: string;
  /** `Kustomization <namespace>/<name>`, for logs and errors. */
  label: string;
  client: FluxClusterClient;
}

/**
 * Resolves the `cluster` and `kustomization` inputs every Flux action takes
 * (see `fluxActionInputs`) and connects to that cluster.
 */
export async function connectToKustomization(
  clusters: FluxClusterService,
  input: {
    cluster: string;
    kustomization: { name: string; namespace?: string };
  },
  signal?: AbortSignal,
): Promise<KustomizationTarget> {
  const namespace = input.kustomization.namespace ?? FLUX_NAMESPACE;
  const name = input.kustomization.name;
  const client = await FluxClusterClient.connect(clusters, input.cluster, {
    signal,
  });
  return {
    namespace,
    name,
    label: `Kustomization ${namespace}/${name}`,
    client,
  };
}
