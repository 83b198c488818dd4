import { Config, readDurationFromConfig } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { durationToMilliseconds } from '@backstage/types';

/** The `flux.*` settings, with defaults filled in and durations in ms. */
export interface FluxConfig {
  resyncIntervalMs: number;
  requestTimeoutMs: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  writeDelayMs: number;
  reconcileTimeoutMs: number;
  demoClusters: string[];
  /** One replica syncs at a time; the others follow the database. */
  leaderElection: boolean;
  leaderTermMs: number;
  followIntervalMs: number;
  /** Serve HelmRelease `spec.values` unredacted. */
  showHelmValues: boolean;
}

function durationMs(config: Config, key: string, fallbackMs: number): number {
  if (!config.has(key)) {
    return fallbackMs;
  }
  const ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  if (!(ms > 0)) {
    throw new InputError(
      `Config flux.${key} must be a positive duration such as "30s"`,
    );
  }
  return ms;
}

export function readFluxConfig(root: Config): FluxConfig {
  const flux = root.getOptionalConfig('flux');
  const read = (key: string, fallbackMs: number) =>
    flux ? durationMs(flux, key, fallbackMs) : fallbackMs;
  const minRetryDelayMs = read('sync.minRetryDelay', 1000);
  return {
    resyncIntervalMs: read('sync.resyncInterval', 10 * 60_000),
    requestTimeoutMs: read('sync.requestTimeout', 10_000),
    minRetryDelayMs,
    maxRetryDelayMs: Math.max(
      minRetryDelayMs,
      read('sync.maxRetryDelay', 60_000),
    ),
    writeDelayMs: read('sync.writeDelay', 500),
    reconcileTimeoutMs: read('reconcile.timeout', 60_000),
    demoClusters: flux?.getOptionalStringArray('clusters.demo') ?? [],
    leaderElection: flux?.getOptionalBoolean('sync.leaderElection') ?? false,
    leaderTermMs: read('sync.leaderTerm', 10 * 60_000),
    followIntervalMs: read('sync.followInterval', 5000),
    showHelmValues: flux?.getOptionalBoolean('showHelmValues') ?? false,
  };
}
