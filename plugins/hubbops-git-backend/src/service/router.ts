import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { GitRepositories } from './GitRepositories';
import { runGitHttpBackend } from './runGitHttpBackend';

// `<repo>.git` then what follows it; the repository part is validated by
// GitRepositories.isValidName.
const REQUEST_PATH = /^\/(.+?\.git)(\/.*)?$/;

/**
 * The request type of the auditor: backend-plugin-api types it with Express
 * 4, this package uses Express 5; at runtime they are the same object.
 */
type AuditedRequest = Parameters<AuditorService['createEvent']>[0]['request'];

function audited(req: Request): AuditedRequest {
  return req as unknown as AuditedRequest;
}

function isPush(rest: string, query: Record<string, unknown>): boolean {
  return (
    rest === '/git-receive-pack' ||
    (rest === '/info/refs' && query.service === 'git-receive-pack')
  );
}

/**
 * Routes of the embedded git server:
 * - `/<repo>.git/info/refs`, `/<repo>.git/git-upload-pack`,
 *   `/<repo>.git/git-receive-pack`: git's smart HTTP protocol;
 * - `GET /<repo>.git/raw/<ref>/<path>`: one file's content (for the catalog).
 */
export function createRouter(options: {
  repositories: GitRepositories;
  autoCreate: boolean;
  logger: LoggerService;
  auditor: AuditorService;
}): express.Router {
  const { repositories, autoCreate, logger, auditor } = options;
  const router = Router();

  router.use(async (req, res) => {
    const match = REQUEST_PATH.exec(req.path);
    if (!match) {
      throw new NotFoundError(
        `No repository in "${req.path}": use /api/hubbops-git/<repo>.git`,
      );
    }
    const [, name, rest = ''] = match;
    if (!GitRepositories.isValidName(name)) {
      throw new InputError(
        `"${name}" is not a repository name this server accepts: use up to three segments of letters, digits, ".", "_" and "-", ending in ".git"`,
      );
    }

    if (rest.startsWith('/raw/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        res.status(405).end();
        return;
      }
      let refAndPath: string;
      try {
        refAndPath = decodeURIComponent(rest.slice('/raw/'.length));
      } catch {
        throw new InputError(
          `"${rest}" is not a valid URL path: check its percent-encoding`,
        );
      }
      const file = await repositories.readFile(name, refAndPath);
      if (!file) {
        throw new NotFoundError(
          `${name} has no file ${rest.slice(
            '/raw/'.length,
          )}: check the branch (or commit) and the path`,
        );
      }
      const etag = `"${file.blobId}"`;
      res.setHeader('ETag', etag);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (req.headers['if-none-match'] === etag) {
        res.status(304).end();
        return;
      }
      res.type('application/octet-stream').send(file.content);
      return;
    }

    if (!(await repositories.exists(name))) {
      if (autoCreate && isPush(rest, req.query)) {
        const event = await auditor.createEvent({
          eventId: 'repository-create',
          severityLevel: 'medium',
          request: audited(req),
          meta: { repository: name },
        });
        try {
          await repositories.create(name);
        } catch (error) {
          await event.fail({ error: error as Error });
          throw error;
        }
        await event.success();
        logger.info(`Created repository ${name} for its first push`);
      } else {
        throw new NotFoundError(
          autoCreate
            ? `Repository ${name} does not exist yet: push to it to create it`
            : `Repository ${name} does not exist: create it under hubbopsGit.root with "git init --bare", or set hubbopsGit.autoCreate`,
        );
      }
    }

    // The receive-pack POST is the one request of a push that changes refs.
    const event =
      rest === '/git-receive-pack'
        ? await auditor.createEvent({
            eventId: 'repository-push',
            severityLevel: 'medium',
            request: audited(req),
            meta: { repository: name },
          })
        : undefined;
    try {
      await runGitHttpBackend({
        req,
        res,
        projectRoot: repositories.root,
        pathInfo: `/${name}${rest}`,
      });
    } catch (error) {
      await event?.fail({ error: error as Error });
      throw error;
    }
    await event?.success({ meta: { status: res.statusCode } });
  });

  return router;
}
