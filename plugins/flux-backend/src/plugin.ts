import {
  coreServices,
  createBackendPlugin,
  HttpRouterService,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { fluxPermissions } from '@hubbops/plugin-flux-common';
import {
  FluxClusterDirectory,
  FluxClusterSource,
  fluxClusterServiceRef,
  fluxClusterSourcesExtensionPoint,
} from '@hubbops/plugin-flux-node';
import { ClusterRegistry } from './service/ClusterRegistry';
import { ClusterRegistrations } from './service/ClusterRegistrations';
import { KubeconfigCipher } from './service/KubeconfigCipher';
import { FluxActionService } from './service/FluxActionService';
import { readFluxConfig } from './service/FluxConfig';
import { FluxDatabase } from './service/FluxDatabase';
import { FluxMetrics } from './service/FluxMetrics';
import { FluxSyncEngine } from './service/FluxSyncEngine';
import { createRouter } from './service/router';

/**
 * The Flux backend plugin: syncs Flux objects from every configured cluster
 * and serves them, with reconcile, suspend and resume, under `/api/flux`.
 * Modules add clusters through `fluxClusterSourcesExtensionPoint`; other
 * plugins reach the clusters through `fluxClusterServiceRef`.
 *
 * @public
 */
export const fluxPlugin = createBackendPlugin({
  pluginId: 'flux',
  register(env) {
    const sources: FluxClusterSource[] = [];
    env.registerExtensionPoint(fluxClusterSourcesExtensionPoint, {
      addClusterSource(source) {
        sources.push(source);
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        clusterService: fluxClusterServiceRef,
        catalog: catalogServiceRef,
        metricsService: metricsServiceRef,
      },
      async init({
        config,
        logger,
        database,
        scheduler,
        lifecycle,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        permissionsRegistry,
        auditor,
        clusterService,
        catalog,
        metricsService,
      }) {
        const fluxConfig = readFluxConfig(config);
        const registry = await ClusterRegistry.create(config, {
          logger,
          sources,
        });
        if (clusterService instanceof FluxClusterDirectory) {
          clusterService.provide(registry);
        }
        const fluxDatabase = await FluxDatabase.create(database);
        const metrics = new FluxMetrics(metricsService);
        const engine = new FluxSyncEngine({
          registry,
          config: fluxConfig,
          logger,
          database: fluxDatabase,
          metrics,
        });
        const stopObservingObjects = metrics.observeObjects(() =>
          engine.clusters(),
        );
        const registrations = new ClusterRegistrations({
          registry,
          engine,
          database: fluxDatabase,
          cipher: KubeconfigCipher.fromConfig(config),
          logger,
          testTimeoutMs: Math.min(fluxConfig.requestTimeoutMs, 5000),
        });
        // Clusters registered through the API join the configured ones.
        await registrations.reload();
        // Loads the stored state before we serve, then syncs in the background.
        await engine.start({ sync: !fluxConfig.leaderElection });
        lifecycle.addShutdownHook(async () => {
          stopObservingObjects();
          await engine.stop();
        });
        const mode = fluxConfig.leaderElection
          ? ' (one replica syncs at a time)'
          : '';
        logger.info(
          `Serving Flux objects from ${
            registry.list().length
          } cluster(s)${mode}`,
        );

        if (fluxConfig.leaderElection) {
          // The scheduler runs a global task on one replica at a time: that
          // replica watches the clusters for a term; the others follow the
          // database. A new term starts on whichever replica claims it next.
          await scheduler.scheduleTask({
            id: 'flux-sync-leader',
            scope: 'global',
            frequency: { milliseconds: fluxConfig.followIntervalMs },
            timeout: { milliseconds: fluxConfig.leaderTermMs + 60_000 },
            fn: signal => engine.lead(fluxConfig.leaderTermMs, signal),
          });
          await scheduler.scheduleTask({
            id: 'flux-follow-database',
            scope: 'local',
            frequency: { milliseconds: fluxConfig.followIntervalMs },
            timeout: { milliseconds: 60_000 },
            fn: () => engine.followDatabase(),
          });
        }

        // Registrations made through another replica reach this one here.
        await scheduler.scheduleTask({
          id: 'flux-reload-registered-clusters',
          scope: 'local',
          frequency: { milliseconds: fluxConfig.followIntervalMs },
          initialDelay: { milliseconds: fluxConfig.followIntervalMs },
          timeout: { milliseconds: 60_000 },
          fn: () => registrations.reload(),
        });

        // Watches can miss nothing in theory; a periodic relist makes sure.
        await scheduler.scheduleTask({
          id: 'flux-full-resync',
          scope: 'local',
          frequency: { milliseconds: fluxConfig.resyncIntervalMs },
          initialDelay: { milliseconds: fluxConfig.resyncIntervalMs },
          timeout: {
            milliseconds: Math.max(fluxConfig.resyncIntervalMs, 60_000),
          },
          fn: () => engine.resyncAll(),
        });

        permissionsRegistry.addPermissions(fluxPermissions);
        const router = await createRouter({
          engine,
          actions: new FluxActionService({
            engine,
            reconcileTimeoutMs: fluxConfig.reconcileTimeoutMs,
          }),
          httpAuth,
          auth,
          permissions,
          auditor,
          registrations,
          catalog,
          metrics,
        });
        // backend-plugin-api types handlers with Express 4, we build with 5.
        httpRouter.use(
          router as unknown as Parameters<HttpRouterService['use']>[0],
        );
      },
    });
  },
});
