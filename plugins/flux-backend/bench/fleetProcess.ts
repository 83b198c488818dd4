/**
 * The benchmark's clusters, in a process of their own so that the backend's
 * memory is measured alone: one test-kit Kubernetes API server per cluster
 * with the Flux 2.8 CRDs and `--objects` Flux objects each. The
 * orchestrator forks it and changes statuses through IPC commands.
 *
 * Arguments: `<clusters> <objects per cluster>`.
 */
import { randomBytes } from 'node:crypto';
import {
  registerFluxResources,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import {
  benchAppCount,
  benchFleetObjects,
  changedStatus,
  hasStatus,
  KUBERNETES_ID_LABEL,
} from './benchFleetObjects';
import {
  BenchCluster,
  BenchObjectRef,
  FleetCommand,
  FleetReport,
  isMessageOfType,
  wallClock,
} from './benchMessages';

function report(message: FleetReport) {
  process.send?.(message);
}

async function main() {
  const clusterCount = Number(process.argv[2]);
  const objectCount = Number(process.argv[3]);
  const apps = benchAppCount(objectCount);
  const servers = new Map<string, TestKubernetesApiServer>();
  const clusters: BenchCluster[] = [];
  const changeable: BenchObjectRef[] = [];
  let total = 0;
  let kinds = 0;

  for (let c = 0; c < clusterCount; c++) {
    const name = `bench-${String(c).padStart(2, '0')}`;
    const token = randomBytes(16).toString('hex');
    const server = await startTestKubernetesApiServer({ token });
    kinds = Object.keys(
      registerFluxResources(server, { generation: 'current' }),
    ).length;
    for (const object of benchFleetObjects({
      cluster: c,
      count: objectCount,
      apps,
    })) {
      const stored = server.store.create(object);
      total += 1;
      if (hasStatus(stored) && stored.metadata.labels?.[KUBERNETES_ID_LABEL]) {
        changeable.push({
          cluster: name,
          apiVersion: stored.apiVersion,
          kind: stored.kind,
          namespace: stored.metadata.namespace ?? '',
          name: stored.metadata.name ?? '',
        });
      }
    }
    servers.set(name, server);
    clusters.push({ name, url: server.url, token });
    if ((c + 1) % 10 === 0 || c + 1 === clusterCount) {
      report({
        type: 'progress',
        message: `fleet: ${c + 1}/${clusterCount} clusters, ${total} objects`,
      });
    }
  }

  let stopping = false;
  process.on('message', async (message: unknown) => {
    if (
      !isMessageOfType<FleetCommand>(message, ['change', 'watches', 'stop'])
    ) {
      return;
    }
    if (message.type === 'watches') {
      const open = [...servers.values()].map(s => s.activeWatchCount);
      report({ type: 'watches', open, kinds });
      return;
    }
    if (message.type === 'stop') {
      if (stopping) return;
      stopping = true;
      await Promise.all([...servers.values()].map(s => s.stop()));
      process.disconnect?.();
      return;
    }
    const { id, object, change } = message;
    try {
      const server = servers.get(object.cluster);
      if (!server) throw new Error(`No cluster ${object.cluster}`);
      let changedMessage = '';
      server.store.patchStatus(
        {
          apiVersion: object.apiVersion,
          kind: object.kind,
          namespace: object.namespace,
          name: object.name,
        },
        status => {
          const next = changedStatus(status, object.kind, object.name, change);
          changedMessage = next.message;
          return next.status;
        },
      );
      report({
        type: 'changed',
        id,
        committedAt: wallClock(),
        message: changedMessage,
      });
    } catch (error) {
      report({ type: 'error', id, message: String(error) });
    }
  });

  // The orchestrator going away takes the clusters with it.
  process.on('disconnect', () => {
    void Promise.all([...servers.values()].map(s => s.stop())).then(() =>
      process.exit(0),
    );
  });

  report({ type: 'ready', clusters, objects: total, changeable });
}

main().catch(error => {
  report({ type: 'error', message: String(error?.stack ?? error) });
  process.exit(1);
});
