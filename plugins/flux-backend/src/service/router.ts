import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  FluxClustersResponse,
  FluxEventsResponse,
  FluxObjectDetail,
  FluxObjectsResponse,
  fluxResourceReadPermission,
  fluxResourceReconcilePermission,
  fluxResourceSuspendPermission,
  findFluxKind,
  readFluxConditions,
} from '@hubbops/plugin-flux-common';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { FluxActionService, FluxObjectRef } from './FluxActionService';
import { FluxSyncEngine } from './FluxSyncEngine';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { EntityResolver } from './EntityResolver';
import { FluxMetrics } from './FluxMetrics';
import { ClusterRegistrations } from './ClusterRegistrations';
import { createClusterRoutes } from './clusterRoutes';
import { ObjectsResponseCache } from './ObjectsResponseCache';
import { parseRequestInput } from './parseRequestInput';
import { serviceRequest } from './serviceRequest';
import { actorOf } from './actorOf';

/** Whether an If-None-Match header names `etag` (weak comparison). */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map(tag => tag.trim().replace(/^W\//, ''))
    .some(tag => tag === etag || tag === '*');
}

export interface RouterOptions {
  engine: FluxSyncEngine;
  /** Resolves `GET /objects?entity=` to the entity's annotations. */
  catalog?: CatalogService;
  /** Records the latency of every route. */
  metrics?: FluxMetrics;
  actions: FluxActionService;
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  /** Cluster registration; its routes are served only when given. */
  registrations?: ClusterRegistrations;
}

/** `a,b` or repeated `?x=a&x=b`, as a list of non-empty strings. */
const list = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess(value => {
    if (value === undefined) return undefined;
    const values = Array.isArray(value) ? value : [value];
    return values
      .flatMap(v => String(v).split(','))
      .map(v => v.trim())
      .filter(Boolean);
  }, z.array(item).min(1).optional());

const objectsQuerySchema = z
  .object({
    cluster: list(z.string()),
    kind: list(z.string()),
    namespace: list(z.string()),
    status: list(
      z.enum(['ready', 'notReady', 'unknown', 'suspended', 'reconciling']),
    ),
    text: z.string().trim().min(1).optional(),
    entity: z
      .string()
      .refine(
        ref => {
          try {
            parseEntityRef(ref);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be an entity ref such as component:default/shop' },
      )
      .optional(),
    labelSelector: z.string().trim().min(1).optional(),
    kubernetesId: z.string().trim().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    offset: z.coerce.number().int().min(0).optional(),
    sort: z
      .enum(['name', 'kind', 'cluster', 'status', 'lastReconcileTime'])
      .optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .strict();

const objectParamsSchema = z.object({
  cluster: z.string().min(1),
  kind: z.string().min(1),
  namespace: z.string().min(1),
  name: z.string().min(1),
});

const reconcileBodySchema = z
  .object({
    withSource: z.boolean().optional(),
    force: z.boolean().optional(),
    reset: z.boolean().optional(),
  })
  .strict();

const emptyBodySchema = z.object({}).strict();

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { engine, actions, httpAuth, auth, permissions, auditor } = options;
  const router = Router();
  const { metrics } = options;
  if (metrics) {
    router.use((req, res, next) => {
      const startedAt = performance.now();
      res.on('finish', () => {
        // The route pattern, not the path, so objects do not explode labels.
        const route = req.route?.path ?? 'unmatched';
        metrics.recordHttpRequest(
          String(route),
          req.method,
          res.statusCode,
          (performance.now() - startedAt) / 1000,
        );
      });
      next();
    });
  }
  router.use(express.json());
  const entities = options.catalog
    ? new EntityResolver(options.catalog)
    : undefined;

  async function authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ) {
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You are not allowed to ${permission.name}; ask an administrator ` +
          'for that permission',
      );
    }
  }

  async function readAccess(req: Request) {
    await authorize(
      await httpAuth.credentials(serviceRequest(req)),
      fluxResourceReadPermission,
    );
  }

  router.get('/clusters', async (req, res) => {
    await readAccess(req);
    const body: FluxClustersResponse = { items: engine.clusters() };
    res.json(body);
  });

  if (options.registrations) {
    router.use(
      createClusterRoutes({
        engine,
        registrations: options.registrations,
        httpAuth,
        auth,
        permissions,
        auditor,
      }),
    );
  }

  const objectsResponses = new ObjectsResponseCache();
  router.get('/objects', async (req, res) => {
    const query = parseRequestInput(objectsQuerySchema, req.query, 'query');
    const credentials = await httpAuth.credentials(serviceRequest(req));
    await authorize(credentials, fluxResourceReadPermission);
    if (
      query.entity &&
      !query.labelSelector &&
      !query.kubernetesId &&
      !entities
    ) {
      throw new InputError(
        'entity needs labelSelector or kubernetesId here: this backend has ' +
          'no catalog to read the entity annotations from',
      );
    }
    const { entity, hint } = entities
      ? await entities.resolve(query, credentials)
      : { entity: undefined, hint: undefined };
    const key = JSON.stringify([
      query,
      entity && {
        kubernetesId: entity.kubernetesId,
        labelSelector: entity.labelSelector?.source,
        namespace: entity.namespace,
      },
      hint,
    ]);
    const answer = objectsResponses.get(key, engine.index.revision, () => {
      const body: FluxObjectsResponse = {
        ...engine.index.query(query, entity),
        ...(hint && { hint }),
      };
      return body;
    });
    res.setHeader('ETag', answer.etag);
    // Browsers revalidate every poll; unchanged answers cost a 304.
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    // Compared here rather than with req.fresh, which treats a request's
    // `Cache-Control: no-cache` (sent by fetch() with If-None-Match) as a
    // demand for the full body; the origin may answer 304 all the same.
    if (etagMatches(req.get('if-none-match'), answer.etag)) {
      res.status(304).end();
      return;
    }
    res.type('application/json');
    if (req.acceptsEncodings('gzip') === 'gzip') {
      // Already compressed once for every caller of this answer; the
      // compression middleware leaves encoded bodies alone.
      res.setHeader('Content-Encoding', 'gzip');
      res.end(answer.gzip());
    } else {
      res.send(answer.json);
    }
  });

  router.get('/objects/:cluster/:kind/:namespace/:name', async (req, res) => {
    const ref = parseRequestInput(
      objectParamsSchema,
      req.params,
      'object path',
    );
    await readAccess(req);
    // The path may spell the kind as the API does (helmreleases, helmrelease).
    const kind = findFluxKind(ref.kind)?.kind ?? ref.kind;
    const object = engine.index.get(ref.cluster, kind, ref.namespace, ref.name);
    if (!object) {
      throw new NotFoundError(
        `No ${ref.kind} ${ref.namespace}/${ref.name} is known in cluster ` +
          `${ref.cluster}; GET /objects lists what is synced`,
      );
    }
    const body: FluxObjectDetail = {
      ...object.summary,
      conditions: readFluxConditions(object.raw),
      raw: object.raw,
    };
    res.json(body);
  });

  router.get(
    '/objects/:cluster/:kind/:namespace/:name/events',
    async (req, res) => {
      const ref = parseRequestInput(
        objectParamsSchema,
        req.params,
        'object path',
      );
      await readAccess(req);
      const body: FluxEventsResponse = { items: await actions.events(ref) };
      res.json(body);
    },
  );

  /** Runs one audited, permission-checked action on an object. */
  async function act<T>(
    req: Request,
    eventId: string,
    permission: BasicPermission,
    meta: Record<string, string | boolean | undefined>,
    run: (ref: FluxObjectRef, actor: string) => Promise<T>,
  ): Promise<T> {
    const ref = parseRequestInput(
      objectParamsSchema,
      req.params,
      'object path',
    );
    const auditorEvent = await auditor.createEvent({
      eventId,
      severityLevel: 'medium',
      request: serviceRequest(req),
      meta: {
        ...ref,
        ...Object.fromEntries(
          Object.entries(meta).filter(([, v]) => v !== undefined),
        ),
      } as Record<string, string | boolean>,
    });
    try {
      const credentials = await httpAuth.credentials(serviceRequest(req));
      await authorize(credentials, permission);
      const result = await run(ref, actorOf(auth, credentials) ?? 'unknown');
      const outcome = (result as { outcome?: string }).outcome;
      await auditorEvent.success(outcome ? { meta: { outcome } } : undefined);
      return result;
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      throw error;
    }
  }

  router.post(
    '/objects/:cluster/:kind/:namespace/:name/reconcile',
    async (req, res) => {
      const body = parseRequestInput(
        reconcileBodySchema,
        req.body,
        'reconcile request',
      );
      res.json(
        await act(
          req,
          'flux-resource-reconcile',
          fluxResourceReconcilePermission,
          { ...body },
          ref => actions.reconcile(ref, body),
        ),
      );
    },
  );

  router.post(
    '/objects/:cluster/:kind/:namespace/:name/suspend',
    async (req, res) => {
      parseRequestInput(emptyBodySchema, req.body, 'suspend request');
      res.json(
        await act(
          req,
          'flux-resource-suspend',
          fluxResourceSuspendPermission,
          {},
          (ref, actor) => actions.suspend(ref, actor),
        ),
      );
    },
  );

  router.post(
    '/objects/:cluster/:kind/:namespace/:name/resume',
    async (req, res) => {
      parseRequestInput(emptyBodySchema, req.body, 'resume request');
      res.json(
        await act(
          req,
          'flux-resource-resume',
          fluxResourceSuspendPermission,
          {},
          ref => actions.resume(ref),
        ),
      );
    },
  );

  return router;
}
