import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { FluxObjectsQuery } from '@hubbops/plugin-flux-common';
import { EntityMatch } from './FluxObjectIndex';
import { LabelSelector } from './LabelSelector';

export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';
export const KUBERNETES_NAMESPACE_ANNOTATION =
  'backstage.io/kubernetes-namespace';

/** How an `/objects` query ties objects to an entity, if it does. */
export interface EntityResolution {
  entity?: EntityMatch;
  /** Shown to the user when the entity cannot match anything. */
  hint?: string;
}

function parseSelector(selector: string, what: string): LabelSelector {
  try {
    return LabelSelector.parse(selector);
  } catch (error) {
    throw new InputError(`${what}: ${(error as Error).message}`);
  }
}

/**
 * Turns the `entity`, `labelSelector` and `kubernetesId` of a query into an
 * {@link EntityMatch}. An entity ref alone is looked up in the catalog with
 * the caller's credentials (so the catalog's permissions decide who may see
 * it) and its Kubernetes annotations are used. Explicit `labelSelector` or
 * `kubernetesId` take the place of the annotations without a catalog lookup,
 * as clients that read the annotations themselves expect.
 */
export class EntityResolver {
  readonly #catalog: CatalogService;

  constructor(catalog: CatalogService) {
    this.#catalog = catalog;
  }

  async resolve(
    query: FluxObjectsQuery,
    credentials: BackstageCredentials,
  ): Promise<EntityResolution> {
    if (query.labelSelector || query.kubernetesId) {
      return {
        entity: {
          kubernetesId: query.kubernetesId,
          labelSelector: query.labelSelector
            ? parseSelector(query.labelSelector, 'Invalid labelSelector')
            : undefined,
        },
      };
    }
    if (!query.entity) return {};

    const entity = await this.#catalog.getEntityByRef(query.entity, {
      credentials,
    });
    if (!entity) {
      throw new NotFoundError(
        `Entity ${query.entity} is not in the catalog, or you may not see ` +
          'it; check the entity ref (kind:namespace/name)',
      );
    }
    const ref = stringifyEntityRef(entity);
    const annotations = entity.metadata.annotations ?? {};
    const kubernetesId = annotations[KUBERNETES_ID_ANNOTATION]?.trim();
    const selector = annotations[KUBERNETES_LABEL_SELECTOR_ANNOTATION]?.trim();
    const namespace = annotations[KUBERNETES_NAMESPACE_ANNOTATION]?.trim();
    if (!kubernetesId && !selector) {
      return {
        // Matches nothing: without annotations nothing belongs to it.
        entity: {},
        hint:
          `${ref} has no ${KUBERNETES_ID_ANNOTATION} or ` +
          `${KUBERNETES_LABEL_SELECTOR_ANNOTATION} annotation; add one to ` +
          'its catalog-info.yaml so its Flux objects can be found',
      };
    }
    return {
      entity: {
        kubernetesId: kubernetesId || undefined,
        labelSelector: selector
          ? parseSelector(
              selector,
              `The ${KUBERNETES_LABEL_SELECTOR_ANNOTATION} annotation of ${ref} is invalid`,
            )
          : undefined,
        namespace: namespace || undefined,
      },
    };
  }
}
