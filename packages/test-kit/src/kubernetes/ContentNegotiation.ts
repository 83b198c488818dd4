import { IncomingMessage } from 'node:http';
import { notAcceptableError } from './ApiStatusError';

/**
 * Response formats the server can produce, chosen from the `Accept` header
 * like the API server's negotiation does: JSON, a `meta.k8s.io` Table
 * (`kubectl get`), or `PartialObjectMetadata` (metadata-only clients).
 */
export type ResponseFormat =
  | { kind: 'json' }
  | { kind: 'table'; apiVersion: string }
  | { kind: 'metadata'; apiVersion: string };

const META_GROUP = 'meta.k8s.io';

interface MediaRange {
  type: string;
  parameters: Record<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map(part => part.trim())
    .filter(Boolean)
    .map(part => {
      const [type, ...parameterParts] = part.split(';').map(p => p.trim());
      const parameters: Record<string, string> = {};
      for (const parameter of parameterParts) {
        const [key, value = ''] = parameter.split('=');
        parameters[key.trim()] = value.trim();
      }
      return { type: type.toLowerCase(), parameters };
    })
    .filter(range => range.parameters.q !== '0');
}

function isJsonRange(type: string): boolean {
  return (
    type === 'application/json' || type === '*/*' || type === 'application/*'
  );
}

/**
 * Picks the first acceptable media range. `allowTransforms` is false for
 * writes, where Tables are not offered. Throws 406 if nothing fits (e.g. a
 * client accepting only protobuf or YAML, which this server does not speak).
 */
export function negotiateResponseFormat(
  request: IncomingMessage,
  allowTransforms: boolean,
): ResponseFormat {
  const header = request.headers.accept;
  if (!header) {
    return { kind: 'json' };
  }
  for (const { type, parameters } of parseAccept(header)) {
    if (!isJsonRange(type)) continue;
    const as = parameters.as;
    if (!as) {
      return { kind: 'json' };
    }
    const version = parameters.v;
    const validMeta =
      parameters.g === META_GROUP &&
      (version === 'v1' || version === 'v1beta1');
    if (!allowTransforms || !validMeta) continue;
    if (as === 'Table') {
      return { kind: 'table', apiVersion: `${META_GROUP}/${version}` };
    }
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { kind: 'metadata', apiVersion: `${META_GROUP}/${version}` };
    }
  }
  throw notAcceptableError([
    'application/json',
    'application/json;as=Table;v=v1;g=meta.k8s.io',
    'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io',
  ]);
}

/** The media type of a request body without parameters such as charset. */
export function requestContentType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}
