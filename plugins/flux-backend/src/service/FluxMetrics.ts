import {
  MetricsService,
  MetricsServiceCounter,
  MetricsServiceHistogram,
  MetricsServiceObservableGauge,
} from '@backstage/backend-plugin-api/alpha';
import { FLUX_OBJECT_STATUSES, FluxCluster } from '@hubbops/plugin-flux-common';

/** Why a watch had to be opened again. */
export type WatchRestartReason = '410' | 'error' | 'timeout';

/**
 * The plugin's OpenTelemetry instruments, created through Backstage's
 * metrics service (meter `backstage-plugin-flux`). See the README for what
 * each one measures.
 */
export class FluxMetrics {
  readonly #syncLag: MetricsServiceHistogram;
  readonly #watchRestarts: MetricsServiceCounter;
  readonly #apiLatency: MetricsServiceHistogram;
  readonly #requestLatency: MetricsServiceHistogram;
  readonly #objects: MetricsServiceObservableGauge;

  constructor(metrics: MetricsService) {
    this.#syncLag = metrics.createHistogram('flux.sync.lag', {
      description:
        "Time from a Flux object's latest condition transition in the " +
        'cluster to its watch event reaching the index',
      unit: 's',
    });
    this.#watchRestarts = metrics.createCounter('flux.watch.restarts', {
      description:
        'Watches opened again after expiring (410), failing or ending quietly',
    });
    this.#apiLatency = metrics.createHistogram('flux.kubernetes.api.latency', {
      description: 'Duration of requests to Kubernetes API servers',
      unit: 's',
    });
    this.#requestLatency = metrics.createHistogram(
      'flux.http.request.latency',
      {
        description: 'Duration of requests to the Flux REST API, per route',
        unit: 's',
      },
    );
    this.#objects = metrics.createObservableGauge('flux.objects', {
      description: 'Flux objects known per cluster and status',
    });
  }

  recordSyncLag(cluster: string, kind: string, seconds: number): void {
    // Clock skew between the cluster and us must not record negative lag.
    this.#syncLag.record(Math.max(0, seconds), { cluster, kind });
  }

  watchRestarted(cluster: string, kind: string, reason: WatchRestartReason) {
    this.#watchRestarts.add(1, { cluster, kind, reason });
  }

  recordApiRequest(
    cluster: string,
    operation: string,
    status: string,
    seconds: number,
  ): void {
    this.#apiLatency.record(seconds, { cluster, operation, status });
  }

  recordHttpRequest(
    route: string,
    method: string,
    status: number,
    seconds: number,
  ): void {
    this.#requestLatency.record(seconds, { route, method, status });
  }

  /** Reports the object counts of `clusters()` whenever metrics are read. */
  observeObjects(clusters: () => FluxCluster[]): () => void {
    const callback = (result: {
      observe(value: number, attributes?: Record<string, string>): void;
    }) => {
      for (const cluster of clusters()) {
        for (const status of FLUX_OBJECT_STATUSES) {
          result.observe(cluster.counts[status], {
            cluster: cluster.name,
            status,
          });
        }
      }
    };
    this.#objects.addCallback(callback);
    return () => this.#objects.removeCallback(callback);
  }
}
