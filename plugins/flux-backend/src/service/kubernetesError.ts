import { ApiException } from '@kubernetes/client-node';

/** The HTTP status of a failed Kubernetes request, if it got that far. */
export function kubernetesErrorStatus(error: unknown): number | undefined {
  if (error instanceof ApiException) {
    return error.code;
  }
  const candidate = error as { statusCode?: unknown; code?: unknown };
  if (typeof candidate?.statusCode === 'number') return candidate.statusCode;
  if (typeof candidate?.code === 'number') return candidate.code;
  return undefined;
}

function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  const message = (parsed as { message?: unknown })?.message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * A one-line description of why a Kubernetes request failed, for health
 * reports and error responses; the client's own messages bury the reason
 * (`fetch failed`, `Unknown API Status Code!`).
 */
export function kubernetesErrorMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const detail = statusMessage(error.body);
    return `HTTP ${error.code}${detail ? `: ${detail}` : ''}`;
  }
  if (error instanceof Error || error instanceof DOMException) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      return 'the request timed out';
    }
    const cause = (error as { cause?: { code?: string; message?: string } })
      .cause;
    if (cause?.message) {
      return cause.code && !cause.message.includes(cause.code)
        ? `${cause.code}: ${cause.message}`
        : cause.message;
    }
    const status = kubernetesErrorStatus(error);
    return status ? `HTTP ${status}: ${error.message}` : error.message;
  }
  return String(error);
}
