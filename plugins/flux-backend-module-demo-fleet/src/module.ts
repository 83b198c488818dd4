import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { fluxClusterSourcesExtensionPoint } from '@hubbops/plugin-flux-node';
import { DemoFleet } from './DemoFleet';

const DEFAULT_ACTIVITY_INTERVAL_MS = 60_000;

function activityIntervalMs(config: Config): number | undefined {
  const activity = config.getOptionalConfig('flux.demoFleet.activity');
  if (activity?.getOptionalBoolean('enabled') === false) return undefined;
  if (!activity?.has('interval')) return DEFAULT_ACTIVITY_INTERVAL_MS;
  const d = readDurationFromConfig(activity, { key: 'interval' });
  const ms =
    (d.milliseconds ?? 0) +
    (d.seconds ?? 0) * 1000 +
    (d.minutes ?? 0) * 60_000 +
    (d.hours ?? 0) * 3_600_000 +
    (d.days ?? 0) * 86_400_000;
  if (!(ms >= 1000)) {
    throw new Error(
      'Config flux.demoFleet.activity.interval must be at least 1s, e.g. "60s"',
    );
  }
  return ms;
}

/**
 * Adds a demo fleet of three simulated Flux clusters to the Flux backend
 * when `flux.demoFleet.enabled` is true; they are flagged as demo clusters.
 *
 * @public
 */
export const fluxModuleDemoFleet = createBackendModule({
  pluginId: 'flux',
  moduleId: 'demo-fleet',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        sources: fluxClusterSourcesExtensionPoint,
      },
      async init({ config, logger, lifecycle, sources }) {
        if (!config.getOptionalBoolean('flux.demoFleet.enabled')) {
          return;
        }
        const fleet = await DemoFleet.start({
          logger,
          activityIntervalMs: activityIntervalMs(config),
        });
        lifecycle.addShutdownHook(() => fleet.stop());
        sources.addClusterSource({ getClusters: async () => fleet.clusters() });
        logger.info(
          `The Flux demo fleet is running: ${fleet
            .clusters()
            .map(c => c.name)
            .join(', ')} (simulated clusters in this process, flagged demo); ` +
            'set flux.demoFleet.enabled: false to turn it off',
        );
      },
    });
  },
});
