#!/usr/bin/env node
// Pushes the HubbOps Node base image (assembled FROM scratch out of this Node
// binary and its shared libraries) to a registry, unless the tag exists.
//   node scripts/push-node-base-image.mjs http://localhost:5000 [repository] [tag]
// Run by `./scripts/hubbops start`; needs Node 22.18+ (type stripping).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { pushNodeBaseImage } = await import(
  join(root, 'packages/test-kit/src/registry/nodeBaseImage.ts')
);
const [registryUrl, repository, tag] = process.argv.slice(2);
if (!registryUrl) {
  console.error(
    'usage: push-node-base-image.mjs REGISTRY_URL [REPOSITORY] [TAG]',
  );
  process.exit(2);
}
const image = await pushNodeBaseImage({
  registryUrl,
  repository,
  tag,
  cacheDir: join(root, '.data/cache'),
});
console.log(
  image.skipped
    ? `${image.reference} is already in the registry (${image.digest})`
    : `pushed ${image.reference} (Node ${image.nodeVersion}, ${image.digest})`,
);
