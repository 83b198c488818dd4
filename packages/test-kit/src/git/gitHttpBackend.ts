import { spawn } from 'node:child_process';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';

/** Where the CGI header block ends (CRLF or bare LF line endings). */
function headerEnd(head: Buffer): { at: number; length: number } | undefined {
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

/** Options of {@link serveGitHttpBackend}. */
export interface GitHttpBackendOptions {
  /** `GIT_PROJECT_ROOT`: the directory holding the bare repositories. */
  projectRoot: string;
  /** The path below the project root, e.g. `/team/gitops.git/info/refs`. */
  pathInfo: string;
  /** The query string without `?`. */
  query: string;
  /** `REMOTE_USER`; git only accepts pushes from an authenticated user. */
  remoteUser: string;
  /** The environment git runs with (PATH, HOME, ...). */
  env: Record<string, string>;
}

/**
 * Answers one smart-HTTP request through the real `git http-backend` CGI:
 * the request body is piped to it (gunzipped when the client compressed it)
 * and its CGI response (Status and headers, then the body) goes back as is.
 */
export function serveGitHttpBackend(
  req: IncomingMessage,
  res: ServerResponse,
  options: GitHttpBackendOptions,
): Promise<void> {
  return new Promise(resolve => {
    const gzipped = /gzip/i.test(String(req.headers['content-encoding'] ?? ''));
    const env: Record<string, string> = {
      ...options.env,
      GIT_PROJECT_ROOT: options.projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: options.pathInfo,
      QUERY_STRING: options.query,
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
      REMOTE_USER: options.remoteUser,
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      // Push needs receive-pack on; REMOTE_USER alone enables it too, but
      // the test server also serves anonymous pushes.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
    };
    // The length of a gunzipped body is unknown: without CONTENT_LENGTH
    // http-backend reads to the end of its input.
    if (!gzipped && req.headers['content-length']) {
      env.CONTENT_LENGTH = String(req.headers['content-length']);
    }
    if (req.headers['git-protocol']) {
      env.GIT_PROTOCOL = String(req.headers['git-protocol']);
    }
    const child = spawn('git', ['http-backend'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stderr: Buffer[] = [];
    child.stderr.on('data', chunk => stderr.push(chunk));
    child.stdin.on('error', () => {});
    const body = gzipped ? req.pipe(createGunzip()) : req;
    body.on('error', () => child.kill());
    body.pipe(child.stdin);

    let head = Buffer.alloc(0);
    let headersSent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) return;
      let status = 200;
      for (const line of head.subarray(0, end.at).toString().split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(key, value);
      }
      res.writeHead(status);
      headersSent = true;
      res.write(head.subarray(end.at + end.length));
    });
    child.on('error', error => {
      if (!res.headersSent) res.writeHead(500);
      res.end(`git http-backend failed to start: ${error.message}`);
      resolve();
    });
    child.on('close', code => {
      if (!headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(
          `git http-backend exited ${code}: ${Buffer.concat(
            stderr,
          ).toString()}`,
        );
      } else {
        res.end();
      }
      resolve();
    });
  });
}
