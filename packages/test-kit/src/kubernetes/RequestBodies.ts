import { IncomingMessage } from 'node:http';
import {
  ApiStatusError,
  badRequestError,
  unsupportedMediaTypeError,
} from './ApiStatusError';
import { requestContentType } from './ContentNegotiation';
import { isJsonObject } from './KubernetesObject';

/**
 * Reading request bodies with the API server's limits and error messages
 * (3 MiB, 400 for undecodable JSON, 415 for media types it cannot decode).
 */

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new ApiStatusError({
            status: 'Failure',
            message: 'Request entity too large: limit is 3145728',
            reason: 'RequestEntityTooLarge',
            code: 413,
          }),
        );
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequestError(
      `error decoding patch: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

export async function readObjectBody(
  request: IncomingMessage,
): Promise<Record<string, unknown>> {
  const contentType = requestContentType(request);
  if (
    contentType &&
    contentType !== 'application/json' &&
    contentType !== '*/*'
  ) {
    throw unsupportedMediaTypeError(contentType, ['application/json']);
  }
  const text = await readBody(request);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badRequestError(
      `couldn't get version/kind; json parse error: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  if (!isJsonObject(body)) {
    throw badRequestError(
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${
        Array.isArray(body) ? 'array' : typeof body
      } into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }
  return body;
}

export async function readDeleteOptions(
  request: IncomingMessage,
): Promise<Record<string, unknown>> {
  const text = await readBody(request);
  if (!text.trim()) {
    return {};
  }
  const body = parseJson(text);
  return isJsonObject(body) ? body : {};
}
