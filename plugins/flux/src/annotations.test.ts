import { Entity } from '@backstage/catalog-model';
import { entityFluxQuery, isFluxAvailable } from './annotations';

function entity(annotations?: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'System',
    metadata: { name: 'shop', namespace: 'retail', annotations },
  };
}

describe('isFluxAvailable', () => {
  it('needs one of the two Kubernetes annotations', () => {
    expect(isFluxAvailable(entity())).toBe(false);
    expect(isFluxAvailable(entity({ 'backstage.io/kubernetes-id': ' ' }))).toBe(
      false,
    );
    expect(
      isFluxAvailable(entity({ 'backstage.io/kubernetes-id': 'shop' })),
    ).toBe(true);
    expect(
      isFluxAvailable(
        entity({ 'backstage.io/kubernetes-label-selector': 'app=shop' }),
      ),
    ).toBe(true);
  });
});

describe('entityFluxQuery', () => {
  it('passes the entity ref with both annotations', () => {
    expect(
      entityFluxQuery(
        entity({
          'backstage.io/kubernetes-id': 'shop',
          'backstage.io/kubernetes-label-selector': 'app=shop,tier!=test',
        }),
      ),
    ).toEqual({
      entity: 'system:retail/shop',
      kubernetesId: 'shop',
      labelSelector: 'app=shop,tier!=test',
      limit: 1000,
    });
    expect(entityFluxQuery(entity())).toBeUndefined();
  });
});
