/** Media types of the manifests, configs and layers the builder reads and writes. */
export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList:
    'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed:
    'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** Everything a manifest GET may answer with, best first. */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.dockerManifestList,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
].join(', ');

export function isIndexMediaType(mediaType: string): boolean {
  return (
    mediaType === MediaTypes.ociIndex ||
    mediaType === MediaTypes.dockerManifestList
  );
}

export function isImageManifestMediaType(mediaType: string): boolean {
  return (
    mediaType === MediaTypes.ociManifest ||
    mediaType === MediaTypes.dockerManifest
  );
}

/**
 * Layers that registries may refuse to serve or accept (Windows foreign
 * layers): they are referenced by URL and are not copied between repositories.
 */
export function isNonDistributableLayer(mediaType: string): boolean {
  return (
    mediaType.includes('.foreign.') || mediaType.includes('nondistributable')
  );
}
