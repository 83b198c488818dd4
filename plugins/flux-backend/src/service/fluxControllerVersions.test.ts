import { fluxControllerVersions } from './fluxControllerVersions';

function deployment(
  name: string,
  image: string,
  labels: Record<string, string> = {},
) {
  return {
    metadata: {
      name,
      labels: { 'app.kubernetes.io/part-of': 'flux', ...labels },
    },
    spec: {
      selector: {},
      template: { spec: { containers: [{ name: 'manager', image }] } },
    },
  };
}

describe('fluxControllerVersions', () => {
  it('takes controller versions from image tags and the release from the label', () => {
    expect(
      fluxControllerVersions([
        deployment(
          'source-controller',
          'ghcr.io/fluxcd/source-controller:v1.8.5',
          {
            'app.kubernetes.io/version': 'v2.8.8',
          },
        ),
        deployment(
          'kustomize-controller',
          'registry:5000/fluxcd/kustomize-controller:v1.8.5@sha256:abc',
          { 'app.kubernetes.io/version': 'v2.8.8' },
        ),
      ]),
    ).toEqual({
      controllers: {
        'source-controller': 'v1.8.5',
        'kustomize-controller': 'v1.8.5',
      },
      release: 'v2.8.8',
    });
  });

  it('falls back to the label when the image has no tag', () => {
    expect(
      fluxControllerVersions([
        deployment('helm-controller', 'registry:5000/helm-controller', {
          'app.kubernetes.io/version': 'v2.7.0',
        }),
      ]).controllers,
    ).toEqual({ 'helm-controller': 'v2.7.0' });
  });

  it('ignores deployments that are not Flux controllers', () => {
    expect(
      fluxControllerVersions([
        {
          metadata: { name: 'web' },
          spec: {
            selector: {},
            template: {
              spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
            },
          },
        },
      ]),
    ).toEqual({ controllers: {} });
  });
});
