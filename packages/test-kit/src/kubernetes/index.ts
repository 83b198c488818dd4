/**
 * A faithful in-memory Kubernetes API server for tests, spoken to over HTTP
 * by real clients (`@kubernetes/client-node`, kubectl).
 */
export {
  TestKubernetesApiServer,
  startTestKubernetesApiServer,
} from './TestKubernetesApiServer';
export type {
  RecordedRequest,
  TestKubernetesApiServerOptions,
  TestKubernetesApiServerTls,
} from './TestKubernetesApiServer';
export { ResourceStore } from './ResourceStore';
export type { ResourceQuery } from './ResourceStore';
export type { ChangeType, StoreChange } from './ObjectStore';
export {
  ResourceRegistry,
  AGE_COLUMN,
  apiVersionOf,
  parseApiVersion,
  compareKubeVersions,
} from './ResourceRegistry';
export type {
  PrinterColumn,
  RegisteredResource,
  ResourceDefinition,
  ResourceVersionDefinition,
  ServedResource,
} from './ResourceRegistry';
export { ApiStatusError } from './ApiStatusError';
export type { KubeconfigOptions } from './Kubeconfig';
export {
  cloneJson,
  isJsonObject,
  jsonEqual,
  kubernetesTimestamp,
} from './KubernetesObject';
export type {
  KubernetesList,
  KubernetesObject,
  ObjectMeta,
  ObjectReference,
  Status,
  StatusCause,
  StatusDetails,
} from './KubernetesObject';
export type { VersionInfo } from './ApiRequestHandler';
export { TEST_CERTIFICATES } from './TestCertificates';
