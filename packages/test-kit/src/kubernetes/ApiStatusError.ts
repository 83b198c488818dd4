import { Status, StatusCause } from './KubernetesObject';

/**
 * An error the API server answers with a `Status` body. The constructors
 * below reproduce the messages of `k8s.io/apimachinery/pkg/api/errors`, since
 * clients (kubectl in particular) print them verbatim and some match on them.
 */
export class ApiStatusError extends Error {
  readonly status: Status;

  constructor(status: Omit<Status, 'kind' | 'apiVersion' | 'metadata'>) {
    super(status.message);
    this.name = 'ApiStatusError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, ...status };
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

/** A group and resource, e.g. `kustomizations.kustomize.toolkit.fluxcd.io`. */
export interface GroupResource {
  group: string;
  plural: string;
}

/** A group and kind, e.g. `Kustomization.kustomize.toolkit.fluxcd.io`. */
export interface GroupKind {
  group: string;
  kind: string;
}

export function groupResourceString({ group, plural }: GroupResource) {
  return group ? `${plural}.${group}` : plural;
}

export function groupKindString({ group, kind }: GroupKind) {
  return group ? `${kind}.${group}` : kind;
}

export function notFoundError(resource: GroupResource, name: string) {
  return new ApiStatusError({
    status: 'Failure',
    message: `${groupResourceString(resource)} "${name}" not found`,
    reason: 'NotFound',
    details: detailsFor(resource, name),
    code: 404,
  });
}

/** What the server says for a path that names no served resource. */
export function pathNotFoundError() {
  return new ApiStatusError({
    status: 'Failure',
    message: 'the server could not find the requested resource',
    reason: 'NotFound',
    details: {},
    code: 404,
  });
}

export function alreadyExistsError(resource: GroupResource, name: string) {
  return new ApiStatusError({
    status: 'Failure',
    message: `${groupResourceString(resource)} "${name}" already exists`,
    reason: 'AlreadyExists',
    details: detailsFor(resource, name),
    code: 409,
  });
}

/** The optimistic-concurrency failure message clients retry on. */
export const OBJECT_MODIFIED_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export function conflictError(
  resource: GroupResource,
  name: string,
  cause: string = OBJECT_MODIFIED_MESSAGE,
) {
  return new ApiStatusError({
    status: 'Failure',
    message: `Operation cannot be fulfilled on ${groupResourceString(
      resource,
    )} "${name}": ${cause}`,
    reason: 'Conflict',
    details: detailsFor(resource, name),
    code: 409,
  });
}

/** One field error of an `Invalid` status, like `field.Error`. */
export interface FieldError {
  /** e.g. `FieldValueInvalid`, `FieldValueRequired`, `FieldValueForbidden` */
  type: string;
  field: string;
  /** The error body, e.g. `Invalid value: "x": must be ...` */
  detail: string;
}

export function invalidError(
  kind: GroupKind,
  name: string,
  errors: FieldError[],
) {
  const causes: StatusCause[] = errors.map(error => ({
    reason: error.type,
    message: error.detail,
    field: error.field,
  }));
  const summary = errors.map(error => `${error.field}: ${error.detail}`);
  return new ApiStatusError({
    status: 'Failure',
    message: `${groupKindString(kind)} "${name}" is invalid: ${
      summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`
    }`,
    reason: 'Invalid',
    details: {
      name: name || undefined,
      group: kind.group || undefined,
      kind: kind.kind,
      causes,
    },
    code: 422,
  });
}

/** A 422 without field details, as for a JSON patch that fails to apply. */
export function unprocessableError() {
  return new ApiStatusError({
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: {},
    code: 422,
  });
}

export function badRequestError(message: string) {
  return new ApiStatusError({
    status: 'Failure',
    message,
    reason: 'BadRequest',
    code: 400,
  });
}

export function unauthorizedError() {
  return new ApiStatusError({
    status: 'Failure',
    message: 'Unauthorized',
    reason: 'Unauthorized',
    code: 401,
  });
}

export function forbiddenError(
  resource: GroupResource,
  name: string,
  cause: string,
) {
  return new ApiStatusError({
    status: 'Failure',
    message: `${groupResourceString(
      resource,
    )} "${name}" is forbidden: ${cause}`,
    reason: 'Forbidden',
    details: detailsFor(resource, name),
    code: 403,
  });
}

export function methodNotAllowedError() {
  return new ApiStatusError({
    status: 'Failure',
    message: 'the server does not allow this method on the requested resource',
    reason: 'MethodNotAllowed',
    details: {},
    code: 405,
  });
}

export function unsupportedMediaTypeError(
  contentType: string,
  accepted: string[],
) {
  return new ApiStatusError({
    status: 'Failure',
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(
      ', ',
    )}`,
    reason: 'UnsupportedMediaType',
    details: {
      causes: [{ reason: 'UnsupportedMediaType', message: contentType }],
    },
    code: 415,
  });
}

export function notAcceptableError(accepted: string[]) {
  return new ApiStatusError({
    status: 'Failure',
    message: `only the following media types are accepted: ${accepted.join(
      ', ',
    )}`,
    reason: 'NotAcceptable',
    code: 406,
  });
}

/** HTTP 410: a watch or continue token refers to compacted history. */
export function expiredError(message: string) {
  return new ApiStatusError({
    status: 'Failure',
    message,
    reason: 'Expired',
    code: 410,
  });
}

export function internalError(message: string) {
  return new ApiStatusError({
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  });
}

function detailsFor(resource: GroupResource, name: string) {
  return {
    name,
    group: resource.group || undefined,
    kind: resource.plural,
  };
}
