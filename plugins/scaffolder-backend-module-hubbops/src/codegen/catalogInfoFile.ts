import { stringify } from 'yaml';
import { GeneratedFile, ServiceGenerationContext } from './ServiceTypeHandler';

/**
 * The service's catalog entity, with the annotations through which the
 * Kubernetes and Flux plugins find its objects.
 */
export function catalogInfoFile(
  context: Pick<
    ServiceGenerationContext,
    'name' | 'owner' | 'description' | 'system'
  > & { type: string },
): GeneratedFile {
  const entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: context.name,
      ...(context.description ? { description: context.description } : {}),
      annotations: {
        'backstage.io/kubernetes-id': context.name,
        'backstage.io/kubernetes-label-selector': `app.kubernetes.io/name=${context.name}`,
      },
      tags: [context.type],
    },
    spec: {
      type: 'service',
      lifecycle: 'experimental',
      owner: context.owner,
      ...(context.system ? { system: context.system } : {}),
    },
  };
  return { path: 'catalog-info.yaml', content: stringify(entity) };
}
