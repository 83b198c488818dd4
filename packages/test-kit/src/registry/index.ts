export {
  startTestRegistry,
  stopAllTestRegistries,
  DEFAULT_DOCKER_REGISTRY_BIN,
} from './startTestRegistry';
export type {
  TestRegistry,
  TestRegistryOptions,
  TestRegistryAuthOptions,
  TestRegistryRequest,
} from './startTestRegistry';
export type { TestRegistryTokenRequest } from './tokenServer';
export {
  pushTestImage,
  pushTestBlob,
  pushTestManifest,
  fetchTestManifest,
  fetchTestBlob,
  sha256Digest,
  TEST_MEDIA_TYPES,
  DEFAULT_TEST_IMAGE_CONFIG,
} from './testImages';
export type {
  PushTestImageOptions,
  PushedTestImage,
  FetchedTestManifest,
  TestDescriptor,
  TestImageLayer,
  TestImageRuntimeConfig,
} from './testImages';
export { createFixtureTar } from './tar';
export { pushNodeBaseImage } from './nodeBaseImage';
export type {
  NodeBaseImageOptions,
  PushedNodeBaseImage,
} from './nodeBaseImage';
export type { TarFixtureEntry } from './tar';
