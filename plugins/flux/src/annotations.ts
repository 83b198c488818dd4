import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { FluxObjectsQuery } from '@hubbops/plugin-flux-common';

/**
 * The annotation naming the `backstage.io/kubernetes-id` label value of an
 * entity's workloads.
 *
 * @public
 */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';

/**
 * The annotation holding a label selector for an entity's workloads.
 *
 * @public
 */
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';

/**
 * Whether the entity says how to find its Flux objects: it has the
 * `backstage.io/kubernetes-id` or the
 * `backstage.io/kubernetes-label-selector` annotation.
 *
 * @public
 */
export function isFluxAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[KUBERNETES_ID_ANNOTATION]?.trim() ||
      annotations[KUBERNETES_LABEL_SELECTOR_ANNOTATION]?.trim(),
  );
}

/**
 * The `GET /objects` filter for an entity's Flux objects, or undefined when
 * the entity has neither annotation. The backend cannot resolve the entity
 * ref itself, so the annotations travel with it.
 */
export function entityFluxQuery(entity: Entity): FluxObjectsQuery | undefined {
  if (!isFluxAvailable(entity)) {
    return undefined;
  }
  const annotations = entity.metadata.annotations ?? {};
  const labelSelector =
    annotations[KUBERNETES_LABEL_SELECTOR_ANNOTATION]?.trim();
  const kubernetesId = annotations[KUBERNETES_ID_ANNOTATION]?.trim();
  return {
    entity: stringifyEntityRef(entity),
    ...(labelSelector ? { labelSelector } : {}),
    ...(kubernetesId ? { kubernetesId } : {}),
    limit: 1000,
  };
}
