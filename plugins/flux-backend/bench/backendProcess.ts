/**
 * The backend under measurement, in a process of its own (forked with
 * `--expose-gc`) so that its memory is its own and the load generator does
 * not share its event loop: `createBackend` from backend-defaults with the
 * Flux plugin and the Kubernetes plugin, configured by the orchestrator.
 */
import { createBackend } from '@backstage/backend-defaults';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import { fluxPlugin } from '../src/plugin';
import {
  BackendCommand,
  BackendReport,
  BenchMemory,
  isMessageOfType,
  wallClock,
} from './benchMessages';

type Backend = ReturnType<typeof createBackend>;

function report(message: BackendReport) {
  process.send?.(message);
}

async function start(config: JsonObject, entityName: string) {
  const backend = createBackend();
  backend.add(
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () => new ConfigReader(config),
    }),
  );
  // The Kubernetes plugin resolves the posted entity through the catalog;
  // the catalog itself is not what this benchmark measures.
  backend.add(
    catalogServiceMock.factory({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: entityName,
            namespace: 'default',
            annotations: { 'backstage.io/kubernetes-id': entityName },
          },
          spec: { type: 'service', lifecycle: 'production', owner: 'bench' },
        },
      ],
    }),
  );
  backend.add(fluxPlugin);
  backend.add(kubernetesPlugin);
  // Loaded and idle: what the process holds before any plugin starts.
  report({ type: 'starting', at: wallClock(), memory: memoryUsage() });
  await backend.start();
  const baseUrl = (config.backend as JsonObject).baseUrl as string;
  report({ type: 'started', at: wallClock(), baseUrl });
  return backend;
}

function memoryUsage(): BenchMemory {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first pass may only queue finalizers.
  gc?.();
  gc?.();
  return { ...process.memoryUsage(), collected: Boolean(gc) };
}

let backend: Backend | undefined;

process.on('message', async (message: unknown) => {
  if (!isMessageOfType<BackendCommand>(message, ['start', 'memory', 'stop'])) {
    return;
  }
  try {
    if (message.type === 'start') {
      backend = await start(message.config as JsonObject, message.entityName);
    } else if (message.type === 'memory') {
      report({ type: 'memory', memory: memoryUsage() });
    } else {
      await backend?.stop();
      process.disconnect?.();
      process.exit(0);
    }
  } catch (error) {
    report({
      type: 'error',
      message: String((error as Error)?.stack ?? error),
    });
  }
});

process.on('disconnect', () => {
  void (backend?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
