import {
  AuditorService,
  AuthService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  FluxCluster,
  fluxClusterAdminPermission,
} from '@hubbops/plugin-flux-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { ClusterRegistrations } from './ClusterRegistrations';
import { FluxSyncEngine } from './FluxSyncEngine';
import { parseRequestInput } from './parseRequestInput';
import { serviceRequest } from './serviceRequest';
import { actorOf } from './actorOf';

export interface ClusterRoutesOptions {
  engine: FluxSyncEngine;
  registrations: ClusterRegistrations;
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
}

/** Kubeconfigs with inline certificates stay well under this. */
const MAX_KUBECONFIG_LENGTH = 256 * 1024;

const clusterName = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a DNS label: lower-case letters, digits and "-", starting and ' +
      'ending with a letter or digit',
  );
const title = z.string().trim().min(1).max(255);
const kubeconfig = z
  .string()
  .min(1, 'is empty; paste the kubeconfig')
  .max(MAX_KUBECONFIG_LENGTH, 'is too long for a kubeconfig');
const context = z.string().trim().min(1).max(255);

const registerBodySchema = z
  .object({
    name: clusterName,
    title: title.optional(),
    kubeconfig,
    context: context.optional(),
  })
  .strict();

const updateBodySchema = z
  .object({
    title: title.nullable().optional(),
    kubeconfig: kubeconfig.optional(),
    context: context.optional(),
  })
  .strict()
  .refine(
    body =>
      body.title !== undefined ||
      body.kubeconfig !== undefined ||
      body.context !== undefined,
    { message: 'give at least one of title, kubeconfig and context' },
  );

const testBodySchema = z
  .object({ kubeconfig, context: context.optional() })
  .strict();

const nameParamsSchema = z.object({ name: z.string().min(1) });

/**
 * Cluster registration: `POST /clusters`, `PUT` and `DELETE
 * /clusters/:name`, and connection tests (`POST /clusters/test` for a
 * kubeconfig before saving it, `POST /clusters/:name/test` for a known
 * cluster). Each needs `flux.cluster.admin` and is audited; kubeconfigs
 * are never returned, audited or logged.
 */
export function createClusterRoutes(
  options: ClusterRoutesOptions,
): express.Router {
  const { engine, registrations, httpAuth, auth, permissions, auditor } =
    options;
  const router = Router();

  /** Runs one audited cluster administration step; returns its result. */
  async function administer<T>(
    req: Request,
    eventId: string,
    severityLevel: 'low' | 'medium' | 'high',
    run: (actor: string | undefined) => Promise<T>,
  ): Promise<T> {
    const named = req.params.name ?? req.body?.name;
    const auditorEvent = await auditor.createEvent({
      eventId,
      severityLevel,
      request: serviceRequest(req),
      // Names only: the request body holds credentials.
      meta: typeof named === 'string' ? { cluster: named.slice(0, 63) } : {},
    });
    try {
      const credentials = await httpAuth.credentials(serviceRequest(req));
      const [decision] = await permissions.authorize(
        [{ permission: fluxClusterAdminPermission }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          'You are not allowed to administer Flux clusters ' +
            '(flux.cluster.admin); ask an administrator for that permission',
        );
      }
      const result = await run(actorOf(auth, credentials));
      await auditorEvent.success();
      return result;
    } catch (error) {
      await auditorEvent.fail({ error: error as Error });
      throw error;
    }
  }

  function clusterResponse(name: string): FluxCluster | undefined {
    return engine.clusters().find(cluster => cluster.name === name);
  }

  router.post('/clusters/test', async (req, res) => {
    const result = await administer(req, 'flux-cluster-test', 'low', () => {
      const body = parseRequestInput(
        testBodySchema,
        req.body,
        'connection test',
      );
      return registrations.test(body.kubeconfig, body.context);
    });
    res.json(result);
  });

  router.post('/clusters', async (req, res) => {
    const cluster = await administer(
      req,
      'flux-cluster-register',
      'high',
      async actor => {
        const body = parseRequestInput(
          registerBodySchema,
          req.body,
          'cluster registration',
        );
        const registered = await registrations.register(body, actor);
        return clusterResponse(registered.name);
      },
    );
    res.status(201).json(cluster);
  });

  router.put('/clusters/:name', async (req, res) => {
    const cluster = await administer(
      req,
      'flux-cluster-update',
      'high',
      async actor => {
        const { name } = parseRequestInput(
          nameParamsSchema,
          req.params,
          'cluster path',
        );
        const body = parseRequestInput(
          updateBodySchema,
          req.body,
          'cluster update',
        );
        await registrations.update(name, body, actor);
        return clusterResponse(name);
      },
    );
    res.json(cluster);
  });

  router.delete('/clusters/:name', async (req, res) => {
    await administer(req, 'flux-cluster-remove', 'high', async () => {
      const { name } = parseRequestInput(
        nameParamsSchema,
        req.params,
        'cluster path',
      );
      await registrations.remove(name);
    });
    res.status(204).end();
  });

  router.post('/clusters/:name/test', async (req, res) => {
    const result = await administer(req, 'flux-cluster-test', 'low', () => {
      const { name } = parseRequestInput(
        nameParamsSchema,
        req.params,
        'cluster path',
      );
      return registrations.testCluster(name);
    });
    res.json(result);
  });

  return router;
}
