import type { Request, Response } from 'express';
import { spawn } from 'node:child_process';

const HEADER_END = Buffer.from('\r\n\r\n');
const HEADER_END_LF = Buffer.from('\n\n');

/**
 * Answers one smart HTTP request with the real `git http-backend` CGI
 * program: the request body streams into it, its response streams back.
 */
export function runGitHttpBackend(options: {
  req: Request;
  res: Response;
  projectRoot: string;
  /** `/<repo>.git/info/refs`, `/<repo>.git/git-receive-pack`, ... */
  pathInfo: string;
}): Promise<void> {
  const { req, res, projectRoot, pathInfo } = options;
  const query = req.originalUrl.includes('?')
    ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
    : '';
  const header = (name: string) => req.headers[name.toLowerCase()] as string;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    // http-backend only accepts pushes from an authenticated user; this
    // server is unauthenticated by design (see the README).
    REMOTE_USER: 'hubbops-git',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    REQUEST_METHOD: req.method,
    PATH_INFO: pathInfo,
    QUERY_STRING: query,
    CONTENT_TYPE: header('content-type') ?? '',
    ...(header('content-length') && {
      CONTENT_LENGTH: header('content-length'),
    }),
    ...(header('content-encoding') && {
      HTTP_CONTENT_ENCODING: header('content-encoding'),
    }),
    ...(header('git-protocol') && {
      HTTP_GIT_PROTOCOL: header('git-protocol'),
    }),
  };

  return new Promise<void>((resolve, reject) => {
    const child = spawn('git', ['http-backend'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let headerBuffer: Buffer | undefined = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };

    // A client that goes away must not leave git running.
    res.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
    });
    child.stdin.on('error', () => {});
    req.pipe(child.stdin);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', chunk => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', error =>
      finish(new Error(`could not run git http-backend: ${error.message}`)),
    );

    child.stdout.on('data', (chunk: Buffer) => {
      if (!headerBuffer) {
        res.write(chunk);
        return;
      }
      headerBuffer = Buffer.concat([headerBuffer, chunk]);
      let end = headerBuffer.indexOf(HEADER_END);
      let separator = HEADER_END.length;
      if (end < 0) {
        end = headerBuffer.indexOf(HEADER_END_LF);
        separator = HEADER_END_LF.length;
      }
      if (end < 0) return;
      const head = headerBuffer.subarray(0, end).toString('latin1');
      const body = headerBuffer.subarray(end + separator);
      headerBuffer = undefined;
      let status = 200;
      for (const line of head.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') {
          status = parseInt(value, 10) || 500;
        } else {
          res.setHeader(name, value);
        }
      }
      res.status(status);
      if (body.length) res.write(body);
    });

    child.on('close', code => {
      if (headerBuffer) {
        // git wrote no CGI headers: it failed before answering.
        if (!res.headersSent) {
          res
            .status(500)
            .type('text/plain')
            .send(
              `git http-backend failed (exit code ${code}): ${stderr.trim()}`,
            );
        }
        finish();
        return;
      }
      res.end();
      finish();
    });
  });
}
