import {
  apiVersionOf,
  isJsonObject,
  KubernetesObject,
  kubernetesTimestamp,
  parseApiVersion,
  RegisteredResource,
  ResourceStore,
  StoreChange,
  TestKubernetesApiServer,
} from '../kubernetes';
import { FluxEventRecorder } from './FluxEventRecorder';
import { writeFluxControllerDeployments } from './FluxControllerDeployments';
import { rm } from 'node:fs/promises';
import { ChildProcesses } from './ChildProcesses';
import {
  commitOfRevision,
  GitReference,
  GitRemote,
  GitResolution,
  isResolvableGitUrl,
} from './GitRemote';
import { buildKustomization, KustomizationBuild } from './KustomizationBuild';
import { parseGoDuration } from './GoDuration';
import { buildFluxReport, fluxReportStatus } from './FluxReportBuilder';
import {
  FLUX_KINDS,
  FluxDistribution,
  FluxDistributionVersion,
  FluxKind,
  resolveDistribution,
} from './FluxResources';
import {
  defaultSourceRevision,
  fieldOf,
  resolveChartVersion,
  stringField,
  versionFromOciRevision,
} from './FluxRevisions';
import {
  BuildContext,
  decideHelmAction,
  Failure,
  HelmChartInfo,
  helmReleaseStatus,
  InventoryEntry,
  kustomizationStatus,
  progressingMessage,
  progressingStatus,
  ResolvedSource,
  simpleStatus,
  sourceFailure,
  sourceStatus,
  StatusResult,
} from './FluxStatusBuilders';

/** Names a Flux object; `namespace` defaults to `flux-system`. */
export interface FluxObjectRef {
  kind: FluxKind;
  name: string;
  namespace?: string;
}

export interface FailureOptions {
  /** Flux reason, e.g. `BuildFailed`, `HealthCheckFailed`, `InstallFailed`. */
  reason?: string;
  message?: string;
  /** Terminal failure: `Stalled=True` instead of retrying. */
  stalled?: boolean;
}

export interface SimulatedFluxControllerOptions {
  /** Flux release to imitate (default: what `generation` implies, `current` = 2.8). */
  distribution?: FluxDistributionVersion;
  generation?: 'current' | 'legacy';
  /** Where Flux is installed (default `flux-system`). */
  namespace?: string;
  /** Delay between a change and the reconcile that handles it (default 10 ms). */
  reconcileDelayMs?: number;
  /** How long objects stay `Reconciling` before the outcome (default 0 ms). */
  progressingMs?: number;
  /** Write the controllers' Deployments into the Flux namespace (default true). */
  controllerDeployments?: boolean;
  /** Emit core/v1 Events (default true). */
  events?: boolean;
  /** Add `finalizers.fluxcd.io` like the controllers do (default true). */
  finalizers?: boolean;
  /** Keep a FluxReport `flux` up to date if the kind is registered (default true). */
  fluxReport?: boolean;
  /**
   * Resolve GitRepositories whose `spec.url` is `http(s)://` or `file://`
   * for real with `git ls-remote` (default false): the revision is the
   * commit the ref points at, and git errors fail the source the way
   * source-controller does. A revision set with `setSourceRevision` or the
   * revision annotation still wins. Kustomizations using such a source
   * check `spec.path` at that commit and, where `kubectl` is installed,
   * report the inventory `kubectl kustomize` builds (or its failure).
   */
  gitSources?: boolean;
  /**
   * How often real git sources are resolved again without a request
   * (default: each object's `spec.interval`).
   */
  gitIntervalMs?: number;
}

/** Annotations demo seeds can use instead of the controller API. */
export const SIMULATION_ANNOTATIONS = {
  failReason: 'testkit.hubbops.io/fail-reason',
  failMessage: 'testkit.hubbops.io/fail-message',
  stalled: 'testkit.hubbops.io/stalled',
  revision: 'testkit.hubbops.io/revision',
  inventory: 'testkit.hubbops.io/inventory',
} as const;

const FINALIZER = 'finalizers.fluxcd.io';
const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

const SOURCE_KINDS = new Set<FluxKind>([
  'GitRepository',
  'OCIRepository',
  'HelmRepository',
  'HelmChart',
  'Bucket',
  'ExternalArtifact',
]);

const DEFAULT_FAILURES: Partial<Record<FluxKind, Omit<Failure, 'stalled'>>> = {
  Kustomization: {
    reason: 'BuildFailed',
    message:
      'kustomize build failed: accumulating resources: missing Resource metadata',
  },
  HelmRelease: {
    reason: 'InstallFailed',
    message: 'Helm install failed: context deadline exceeded',
  },
  GitRepository: {
    reason: 'GitOperationFailed',
    message:
      'failed to checkout and determine revision: unable to clone: authentication required',
  },
  OCIRepository: {
    reason: 'OCIArtifactPullFailed',
    message: 'failed to pull artifact: unauthorized',
  },
  HelmRepository: {
    reason: 'Failed',
    message: 'failed to fetch Helm repository index: 404 Not Found',
  },
  HelmChart: {
    reason: 'ChartPullError',
    message: 'chart pull error: chart not found',
  },
  Bucket: { reason: 'BucketOperationFailed', message: 'bucket does not exist' },
};

interface ObjectMemory {
  uid: string;
  attemptedGeneration?: number;
  attemptedSourceRevision?: string;
  attemptedRequest?: string;
  attemptedConfigVersion: number;
  timer?: NodeJS.Timeout;
  busy: boolean;
}

function refKey(
  kind: string,
  namespace: string | undefined,
  name: string,
): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function objectKey(object: KubernetesObject): string {
  return refKey(
    object.kind,
    object.metadata.namespace,
    object.metadata.name ?? '',
  );
}

/**
 * An in-process stand-in for the Flux controllers, driving Flux objects in
 * the test API server's store through the states real controllers produce:
 * finalizer, `Reconciling`, then `Ready=True` (or a failure), events, source
 * artifacts cascading to Kustomizations and HelmReleases, reconcile requests
 * via annotations, suspension, and the controllers' own Deployments.
 */
export class SimulatedFluxController {
  readonly #store: ResourceStore;
  readonly #server: TestKubernetesApiServer;
  readonly #distribution: FluxDistribution;
  readonly #namespace: string;
  readonly #options: Required<
    Omit<
      SimulatedFluxControllerOptions,
      'distribution' | 'generation' | 'namespace' | 'gitIntervalMs'
    >
  > & { gitIntervalMs?: number };
  readonly #events: FluxEventRecorder;
  readonly #memory = new Map<string, ObjectMemory>();
  readonly #failures = new Map<string, Failure>();
  /** Bumped per object when a test changes how it should reconcile. */
  readonly #configVersions = new Map<string, number>();
  readonly #revisions = new Map<string, string>();
  readonly #inventories = new Map<string, InventoryEntry[]>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #processes = new ChildProcesses();
  readonly #git = new GitRemote(this.#processes);
  /** What each Kustomization built from its real git source last. */
  readonly #builds = new Map<string, KustomizationBuild>();
  /** What `git ls-remote` said last, per GitRepository. */
  readonly #gitResolutions = new Map<string, GitResolution>();
  /** Interval re-resolves of real git sources; not counted as busy. */
  readonly #gitTimers = new Map<string, NodeJS.Timeout>();
  #requestCounter = 0;
  #unsubscribe?: () => void;
  #reportTimer?: NodeJS.Timeout;
  #running = false;

  constructor(
    server: TestKubernetesApiServer,
    options: SimulatedFluxControllerOptions = {},
  ) {
    this.#server = server;
    this.#store = server.store;
    this.#distribution = resolveDistribution(options);
    this.#namespace = options.namespace ?? 'flux-system';
    this.#options = {
      reconcileDelayMs: options.reconcileDelayMs ?? 10,
      progressingMs: options.progressingMs ?? 0,
      controllerDeployments: options.controllerDeployments ?? true,
      events: options.events ?? true,
      finalizers: options.finalizers ?? true,
      fluxReport: options.fluxReport ?? true,
      gitSources: options.gitSources ?? false,
      gitIntervalMs: options.gitIntervalMs,
    };
    this.#events = new FluxEventRecorder(this.#store);
  }

  get distribution(): FluxDistribution {
    return this.#distribution;
  }

  /** Writes the controller Deployments and starts reconciling. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#options.controllerDeployments) {
      writeFluxControllerDeployments(
        this.#store,
        this.#distribution,
        this.#namespace,
      );
    }
    this.#unsubscribe = this.#store.subscribe(change => this.#onChange(change));
    for (const kind of Object.keys(FLUX_KINDS) as FluxKind[]) {
      const apiVersion = this.#apiVersion(kind);
      if (!apiVersion || kind === 'FluxReport') continue;
      for (const object of this.#store.list({ apiVersion, kind })) {
        this.#consider(object);
      }
    }
    this.#scheduleReport();
  }

  /** Stops reacting; pending reconciles are dropped. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const memory of this.#memory.values()) memory.timer = undefined;
    if (this.#reportTimer) clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    for (const timer of this.#gitTimers.values()) clearTimeout(timer);
    this.#gitTimers.clear();
    await this.#processes.stop();
  }

  /** Resolves once no reconcile is scheduled or running. */
  async waitForIdle(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (
      this.#timers.size > 0 ||
      [...this.#memory.values()].some(m => m.busy)
    ) {
      if (Date.now() > deadline) {
        throw new Error('SimulatedFluxController did not become idle in time');
      }
      await new Promise(resolve => setTimeout(resolve, 5));
    }
  }

  /** Makes an object fail (until `recoverObject`), and reconciles it. */
  failObject(ref: FluxObjectRef, options: FailureOptions = {}): void {
    const defaults = DEFAULT_FAILURES[ref.kind] ?? {
      reason: 'ReconciliationFailed',
      message: 'reconciliation failed',
    };
    this.#failures.set(this.#refKey(ref), {
      reason: options.reason ?? defaults.reason,
      message: options.message ?? defaults.message,
      stalled: options.stalled ?? false,
    });
    this.#reconfigure(ref);
  }

  /** Lets a failed object succeed again on its next reconcile (scheduled now). */
  recoverObject(ref: FluxObjectRef): void {
    this.#failures.delete(this.#refKey(ref));
    this.#reconfigure(ref);
  }

  /**
   * Points a source at a new revision (e.g. `main@sha1:<sha>`): its artifact
   * is updated and the Kustomizations and HelmReleases using it follow.
   */
  setSourceRevision(ref: FluxObjectRef, revision: string): void {
    this.#revisions.set(this.#refKey(ref), revision);
    this.#reconfigure(ref);
  }

  /**
   * Sets the inventory a Kustomization reports, from inventory entries or
   * object references (turned into `<ns>_<name>_<group>_<Kind>` ids).
   */
  setInventory(
    ref: FluxObjectRef,
    entries: Array<
      | InventoryEntry
      | { apiVersion: string; kind: string; name: string; namespace?: string }
    >,
  ): void {
    this.#inventories.set(this.#refKey(ref), entries.map(toInventoryEntry));
    this.#reconfigure(ref);
  }

  /** Requests a reconcile the way `flux reconcile` does; returns the token. */
  requestReconcile(
    ref: FluxObjectRef,
    options: { force?: boolean; reset?: boolean } = {},
  ): string {
    // RFC 3339 with nanoseconds, like `flux reconcile`; unique per call.
    const counter = String(++this.#requestCounter % 1_000_000).padStart(6, '0');
    const token = new Date().toISOString().replace('Z', `${counter}Z`);
    const apiVersion = this.#apiVersion(ref.kind);
    if (!apiVersion) throw new Error(`${ref.kind} is not registered`);
    this.#store.patch(
      {
        apiVersion,
        kind: ref.kind,
        namespace: ref.namespace ?? this.#namespace,
        name: ref.name,
      },
      {
        metadata: {
          annotations: {
            [REQUESTED_AT]: token,
            ...(options.force && { 'reconcile.fluxcd.io/forceAt': token }),
            ...(options.reset && { 'reconcile.fluxcd.io/resetAt': token }),
          },
        },
      },
    );
    return token;
  }

  #refKey(ref: FluxObjectRef): string {
    return refKey(ref.kind, ref.namespace ?? this.#namespace, ref.name);
  }

  #apiVersion(kind: FluxKind): string | undefined {
    const info = FLUX_KINDS[kind];
    const resource = this.#resourceOf(info.group, kind);
    return resource && apiVersionOf(resource.group, resource.storageVersion);
  }

  #resourceOf(group: string, kind: string): RegisteredResource | undefined {
    return this.#server.registry
      .all()
      .find(r => r.group === group && r.kind === kind);
  }

  #isFluxKind(group: string, kind: string): kind is FluxKind {
    const info = FLUX_KINDS[kind as FluxKind];
    return info !== undefined && info.group === group;
  }

  /** Alert and Provider v1beta3 are static: no controller touches them. */
  #isStatic(kind: FluxKind): boolean {
    if (kind !== 'Alert' && kind !== 'Provider') return false;
    return this.#apiVersion(kind)?.endsWith('/v1beta3') ?? false;
  }

  /** Flux 0.x APIs use pre-2.0 revision formats and status fields. */
  #isLegacy(): boolean {
    return this.#distribution.version === '0.41';
  }

  /** Records a test-driven change for an object and reconciles it. */
  #reconfigure(ref: FluxObjectRef) {
    const key = this.#refKey(ref);
    this.#configVersions.set(key, (this.#configVersions.get(key) ?? 0) + 1);
    this.#reconsider(ref);
  }

  #reconsider(ref: FluxObjectRef) {
    const apiVersion = this.#apiVersion(ref.kind);
    if (!apiVersion) return;
    const object = this.#store.get({
      apiVersion,
      kind: ref.kind,
      namespace: ref.namespace ?? this.#namespace,
      name: ref.name,
    });
    if (object) this.#consider(object);
  }

  #onChange(change: StoreChange) {
    if (!this.#running) return;
    const { resource, object } = change;
    if (!this.#isFluxKind(resource.group, resource.kind)) return;
    const kind = resource.kind as FluxKind;
    if (kind === 'FluxReport') return;
    this.#scheduleReport();
    if (change.type === 'DELETED') {
      const memory = this.#memory.get(objectKey(object));
      if (memory?.timer) {
        clearTimeout(memory.timer);
        this.#timers.delete(memory.timer);
      }
      this.#memory.delete(objectKey(object));
      const gitTimer = this.#gitTimers.get(objectKey(object));
      if (gitTimer) clearTimeout(gitTimer);
      this.#gitTimers.delete(objectKey(object));
      this.#gitResolutions.delete(objectKey(object));
      this.#builds.delete(objectKey(object));
      return;
    }
    this.#consider(object);
    if (SOURCE_KINDS.has(kind)) {
      const before = stringField(
        change.previous,
        'status',
        'artifact',
        'revision',
      );
      const after = stringField(object, 'status', 'artifact', 'revision');
      if (before !== after) this.#cascade(object);
    }
  }

  /** Reconciles the Kustomizations and HelmReleases that use a source. */
  #cascade(source: KubernetesObject) {
    for (const kind of ['Kustomization', 'HelmRelease'] as const) {
      const apiVersion = this.#apiVersion(kind);
      if (!apiVersion) continue;
      for (const dependent of this.#store.list({ apiVersion, kind })) {
        const ref = this.#sourceRefOf(dependent);
        if (
          ref &&
          ref.kind === source.kind &&
          ref.name === source.metadata.name &&
          ref.namespace === source.metadata.namespace
        ) {
          this.#consider(dependent);
        }
      }
    }
  }

  #memoryFor(object: KubernetesObject): ObjectMemory {
    const key = objectKey(object);
    let memory = this.#memory.get(key);
    if (!memory || memory.uid !== object.metadata.uid) {
      memory = {
        uid: object.metadata.uid ?? '',
        attemptedConfigVersion: -1,
        busy: false,
      };
      this.#memory.set(key, memory);
    }
    return memory;
  }

  #configVersionOf(object: KubernetesObject): number {
    return this.#configVersions.get(objectKey(object)) ?? 0;
  }

  /** Whether the object needs a reconcile now, as a controller's predicates decide. */
  #needsReconcile(object: KubernetesObject, memory: ObjectMemory): boolean {
    const kind = object.kind as FluxKind;
    if (this.#isStatic(kind)) return false;
    const finalizers = object.metadata.finalizers ?? [];
    if (object.metadata.deletionTimestamp)
      return finalizers.includes(FINALIZER);
    if (this.#options.finalizers && !finalizers.includes(FINALIZER))
      return true;
    if (fieldOf(object, 'spec', 'suspend') === true) return false;
    const requested = object.metadata.annotations?.[REQUESTED_AT];
    if (
      requested !== undefined &&
      requested !== fieldOf(object, 'status', 'lastHandledReconcileAt') &&
      requested !== memory.attemptedRequest
    ) {
      return true;
    }
    if (memory.attemptedGeneration !== object.metadata.generation) return true;
    if (memory.attemptedConfigVersion !== this.#configVersionOf(object))
      return true;
    if (SOURCE_KINDS.has(kind)) {
      return (
        this.#desiredRevision(object) !==
          stringField(object, 'status', 'artifact', 'revision') &&
        memory.attemptedSourceRevision !== this.#desiredRevision(object)
      );
    }
    if (kind === 'Kustomization' || kind === 'HelmRelease') {
      return (
        this.#resolveSource(object).revision !== memory.attemptedSourceRevision
      );
    }
    return false;
  }

  #consider(object: KubernetesObject) {
    if (!this.#running) return;
    const memory = this.#memoryFor(object);
    if (memory.timer || memory.busy) return;
    if (!this.#needsReconcile(object, memory)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      memory.timer = undefined;
      void this.#reconcile(
        object.kind as FluxKind,
        object.metadata.namespace,
        object.metadata.name ?? '',
      );
    }, this.#options.reconcileDelayMs);
    memory.timer = timer;
    this.#timers.add(timer);
  }

  async #reconcile(
    kind: FluxKind,
    namespace: string | undefined,
    name: string,
  ) {
    const apiVersion = this.#apiVersion(kind);
    if (!apiVersion || !this.#running) return;
    const ref = { apiVersion, kind, namespace, name };
    let object = this.#store.get(ref);
    if (!object) return;
    const memory = this.#memoryFor(object);
    memory.busy = true;
    try {
      const finalizers = object.metadata.finalizers ?? [];
      if (object.metadata.deletionTimestamp) {
        const remaining = finalizers.filter(f => f !== FINALIZER);
        this.#store.patch(ref, {
          metadata: { finalizers: remaining.length > 0 ? remaining : null },
        });
        return;
      }
      if (this.#options.finalizers && !finalizers.includes(FINALIZER)) {
        object = this.#store.patch(ref, {
          metadata: { finalizers: [...finalizers, FINALIZER] },
        });
      }
      if (fieldOf(object, 'spec', 'suspend') === true) {
        memory.attemptedGeneration = undefined;
        return;
      }
      const started = performance.now();
      const source =
        kind === 'Kustomization' || kind === 'HelmRelease'
          ? this.#resolveSource(object)
          : undefined;
      const realGit = this.#usesRealGit(object);
      let revision: string | undefined;
      if (SOURCE_KINDS.has(kind)) {
        // A real remote is only known once asked, as source-controller's.
        revision = realGit ? undefined : this.#desiredRevision(object);
      } else {
        revision = source?.revision;
      }
      this.#store.patchStatus(ref, () =>
        progressingStatus(object!, progressingMessage(object!, kind, revision)),
      );

      if (this.#options.progressingMs > 0) {
        await this.#sleep(this.#options.progressingMs);
        if (!this.#running) return;
      }
      if (realGit) {
        const current = this.#store.get(ref);
        if (!current) return;
        await this.#resolveGit(current);
        if (!this.#running) return;
      }
      if (kind === 'Kustomization' && this.#options.gitSources) {
        const current = this.#store.get(ref);
        if (!current) return;
        await this.#buildFromGit(current);
        if (!this.#running) return;
      }
      const fresh = this.#store.get(ref);
      if (!fresh || fresh.metadata.deletionTimestamp) return;
      const result = this.#outcome(fresh, kind, performance.now() - started);
      memory.attemptedGeneration = fresh.metadata.generation;
      memory.attemptedRequest = fresh.metadata.annotations?.[REQUESTED_AT];
      memory.attemptedConfigVersion = this.#configVersionOf(fresh);
      memory.attemptedSourceRevision = SOURCE_KINDS.has(kind)
        ? this.#desiredRevision(fresh)
        : this.#resolveSource(fresh).revision;
      const written = this.#store.patchStatus(ref, () => result.status);
      if (realGit) this.#scheduleGitInterval(written);
      if (this.#options.events) {
        const controller = FLUX_KINDS[kind].controller;
        for (const event of result.events) {
          this.#events.record(controller, written, event);
        }
      }
    } finally {
      memory.busy = false;
      const latest = this.#store.get(ref);
      if (latest && this.#running) this.#consider(latest);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  #failureFor(object: KubernetesObject): Failure | undefined {
    const configured = this.#failures.get(objectKey(object));
    if (configured) return configured;
    if (this.#usesRealGit(object)) {
      const resolution = this.#gitResolutions.get(objectKey(object));
      if (resolution && 'error' in resolution) {
        return {
          reason: 'GitOperationFailed',
          message: resolution.error,
          stalled: false,
        };
      }
    }
    const annotations = object.metadata.annotations ?? {};
    const reason = annotations[SIMULATION_ANNOTATIONS.failReason];
    const message = annotations[SIMULATION_ANNOTATIONS.failMessage];
    if (!reason && !message) return undefined;
    const defaults = DEFAULT_FAILURES[object.kind as FluxKind] ?? {
      reason: 'ReconciliationFailed',
      message: 'reconciliation failed',
    };
    return {
      reason: reason ?? defaults.reason,
      message: message ?? defaults.message,
      stalled: annotations[SIMULATION_ANNOTATIONS.stalled] === 'true',
    };
  }

  #desiredRevision(source: KubernetesObject): string {
    const explicit = this.#explicitRevision(source);
    if (explicit) return explicit;
    if (this.#usesRealGit(source)) {
      const resolution = this.#gitResolutions.get(objectKey(source));
      if (resolution && 'revision' in resolution) return resolution.revision;
      // Not resolved yet, or failing: Flux keeps the artifact it has.
      return stringField(source, 'status', 'artifact', 'revision') ?? '';
    }
    return defaultSourceRevision(source, this.#isLegacy());
  }

  #explicitRevision(source: KubernetesObject): string | undefined {
    return (
      this.#revisions.get(objectKey(source)) ??
      source.metadata.annotations?.[SIMULATION_ANNOTATIONS.revision]
    );
  }

  /** A GitRepository `git` can reach, with no revision imposed by a test. */
  #usesRealGit(object: KubernetesObject): boolean {
    return (
      this.#options.gitSources &&
      object.kind === 'GitRepository' &&
      isResolvableGitUrl(stringField(object, 'spec', 'url')) &&
      this.#explicitRevision(object) === undefined
    );
  }

  async #resolveGit(object: KubernetesObject): Promise<void> {
    const ref = fieldOf(object, 'spec', 'ref');
    const gitRef: GitReference = {};
    for (const key of ['branch', 'tag', 'name', 'commit'] as const) {
      const value = isJsonObject(ref) ? ref[key] : undefined;
      if (typeof value === 'string' && value) gitRef[key] = value;
    }
    const resolution = await this.#git.resolve(
      stringField(object, 'spec', 'url')!,
      gitRef,
      this.#isLegacy(),
    );
    this.#gitResolutions.set(objectKey(object), resolution);
  }

  /**
   * Checks out the commit of a Kustomization's real git source and builds
   * `spec.path` as kustomize-controller would; other sources are left to
   * the simulation.
   */
  async #buildFromGit(object: KubernetesObject): Promise<void> {
    const key = objectKey(object);
    const source = this.#resolveSource(object);
    const url = stringField(source.object, 'spec', 'url');
    const commit = commitOfRevision(source.revision);
    if (
      source.kind !== 'GitRepository' ||
      !source.object ||
      !this.#usesRealGit(source.object) ||
      !url ||
      !commit
    ) {
      this.#builds.delete(key);
      return;
    }
    let checkout: string | undefined;
    let build: KustomizationBuild;
    try {
      checkout = await this.#git.checkout(url, commit);
      build = await buildKustomization({
        checkout,
        path: stringField(object, 'spec', 'path'),
        targetNamespace: stringField(object, 'spec', 'targetNamespace'),
        processes: this.#processes,
        isNamespaced: (group, kind) =>
          this.#resourceOf(group, kind)?.namespaced ?? true,
      });
    } catch (error) {
      build = {
        failure: {
          reason: 'ArtifactFailed',
          message: `failed to download artifact, error: ${
            (error as Error).message
          }`,
          stalled: false,
        },
      };
    } finally {
      if (checkout) await rm(checkout, { recursive: true, force: true });
    }
    this.#builds.set(key, build);
  }

  /** source-controller fetches again every `spec.interval`. */
  #scheduleGitInterval(object: KubernetesObject) {
    const key = objectKey(object);
    const previous = this.#gitTimers.get(key);
    if (previous) clearTimeout(previous);
    const ms =
      this.#options.gitIntervalMs ??
      parseGoDuration(stringField(object, 'spec', 'interval')) ??
      60_000;
    const timer = setTimeout(() => {
      this.#gitTimers.delete(key);
      if (!this.#running) return;
      this.#reconfigure({
        kind: 'GitRepository',
        namespace: object.metadata.namespace,
        name: object.metadata.name ?? '',
      });
    }, ms);
    // Interval polls must not keep a test process alive.
    timer.unref();
    this.#gitTimers.set(key, timer);
  }

  #sourceRefOf(
    object: KubernetesObject,
  ): { kind: string; name: string; namespace: string } | undefined {
    const ref =
      object.kind === 'Kustomization'
        ? fieldOf(object, 'spec', 'sourceRef')
        : fieldOf(object, 'spec', 'chartRef') ??
          fieldOf(object, 'spec', 'chart', 'spec', 'sourceRef');
    if (
      !isJsonObject(ref) ||
      typeof ref.kind !== 'string' ||
      typeof ref.name !== 'string'
    ) {
      return undefined;
    }
    return {
      kind: ref.kind,
      name: ref.name,
      namespace:
        typeof ref.namespace === 'string'
          ? ref.namespace
          : object.metadata.namespace ?? 'default',
    };
  }

  /** Why an object fails because of its source, as Flux reports it. */
  #sourceFailure(source: ResolvedSource) {
    const resource = this.#resourceOf('source.toolkit.fluxcd.io', source.kind);
    return sourceFailure(
      source,
      resource?.plural ?? `${source.kind.toLowerCase()}s`,
      'source.toolkit.fluxcd.io',
    );
  }

  #resolveSource(object: KubernetesObject): ResolvedSource {
    const ref = this.#sourceRefOf(object);
    if (!ref) {
      return { kind: '', namespace: '', name: '' };
    }
    const apiVersion = this.#isFluxKind('source.toolkit.fluxcd.io', ref.kind)
      ? this.#apiVersion(ref.kind)
      : undefined;
    const source = apiVersion
      ? this.#store.get({
          apiVersion,
          kind: ref.kind,
          namespace: ref.namespace,
          name: ref.name,
        })
      : undefined;
    return {
      ...ref,
      object: source,
      revision: stringField(source, 'status', 'artifact', 'revision'),
    };
  }

  #context(
    object: KubernetesObject,
    kind: FluxKind,
    durationMs: number,
    failure: Failure | undefined,
  ): BuildContext {
    return {
      object,
      kind,
      legacy: this.#isLegacy(),
      now: kubernetesTimestamp(),
      durationMs,
      failure,
      fluxNamespace: this.#namespace,
    };
  }

  /** The final status and events of a reconcile, per kind. */
  #outcome(
    object: KubernetesObject,
    kind: FluxKind,
    durationMs: number,
  ): StatusResult {
    let failure = this.#failureFor(object);
    if (SOURCE_KINDS.has(kind)) {
      return sourceStatus(
        this.#context(object, kind, durationMs, failure),
        this.#desiredRevision(object),
      );
    }
    if (kind === 'Kustomization') {
      const source = this.#resolveSource(object);
      const build = this.#builds.get(objectKey(object));
      failure =
        this.#sourceFailure(source) ??
        failure ??
        (build && 'failure' in build ? build.failure : undefined);
      return kustomizationStatus(
        this.#context(object, kind, durationMs, failure),
        source.revision,
        this.#inventoryFor(object) ??
          (build && 'inventory' in build ? build.inventory : undefined),
        // status.history arrived with kustomize-controller v1.7 (Flux 2.7).
        this.#distribution.version !== '0.41',
      );
    }
    if (kind === 'HelmRelease') {
      const source = this.#resolveSource(object);
      failure = this.#sourceFailure(source) ?? failure;
      const chart =
        failure && !source.revision ? undefined : this.#chartOf(object, source);
      const memory = this.#memoryFor(object);
      const sourceChanged =
        memory.attemptedSourceRevision !== undefined &&
        memory.attemptedSourceRevision !== source.revision;
      const decision = chart
        ? decideHelmAction(object, chart, sourceChanged, this.#isLegacy())
        : { action: 'none' as const, force: false, reset: false };
      return helmReleaseStatus(
        this.#context(object, kind, durationMs, failure),
        chart,
        decision,
      );
    }
    let image: string | undefined;
    if (kind === 'ImagePolicy') {
      const repositoryName = stringField(
        object,
        'spec',
        'imageRepositoryRef',
        'name',
      );
      const apiVersion = this.#apiVersion('ImageRepository');
      if (repositoryName && apiVersion) {
        image = stringField(
          this.#store.get({
            apiVersion,
            kind: 'ImageRepository',
            namespace: object.metadata.namespace,
            name: repositoryName,
          }),
          'spec',
          'image',
        );
      }
    }
    return simpleStatus(this.#context(object, kind, durationMs, failure), {
      image,
    });
  }

  #chartOf(object: KubernetesObject, source: ResolvedSource): HelmChartInfo {
    const chartRef = fieldOf(object, 'spec', 'chartRef');
    if (isJsonObject(chartRef)) {
      if (source.kind === 'OCIRepository') {
        const url =
          stringField(source.object, 'spec', 'url') ??
          'oci://ghcr.io/example/chart';
        const digest = source.revision?.split('@')[1];
        return {
          name: url.split('/').pop() ?? 'chart',
          version: versionFromOciRevision(source.revision ?? ''),
          ...(digest && { ociDigest: digest }),
        };
      }
      return {
        name: stringField(source.object, 'spec', 'chart') ?? source.name,
        version: source.revision ?? '1.0.0',
      };
    }
    const chartName =
      stringField(object, 'spec', 'chart', 'spec', 'chart') ??
      object.metadata.name ??
      'chart';
    const version = resolveChartVersion(
      stringField(object, 'spec', 'chart', 'spec', 'version'),
    );
    return {
      name: chartName.split('/').pop() ?? chartName,
      version,
      helmChart: this.#ensureHelmChart(object, source, chartName),
    };
  }

  /** helm-controller creates a HelmChart `<ns>-<name>` next to the source. */
  #ensureHelmChart(
    release: KubernetesObject,
    source: ResolvedSource,
    chart: string,
  ): string | undefined {
    const apiVersion = this.#apiVersion('HelmChart');
    if (!apiVersion) return undefined;
    const name = `${release.metadata.namespace}-${release.metadata.name}`;
    const reference = {
      apiVersion,
      kind: 'HelmChart',
      namespace: source.namespace,
      name,
    };
    const spec = {
      chart,
      version: stringField(release, 'spec', 'chart', 'spec', 'version') ?? '*',
      sourceRef: { kind: source.kind, name: source.name },
      interval:
        stringField(release, 'spec', 'chart', 'spec', 'interval') ??
        stringField(release, 'spec', 'interval') ??
        '10m',
      reconcileStrategy:
        stringField(release, 'spec', 'chart', 'spec', 'reconcileStrategy') ??
        'ChartVersion',
    };
    const existing = this.#store.get(reference);
    if (!existing) {
      this.#store.create({
        apiVersion,
        kind: 'HelmChart',
        metadata: { name, namespace: source.namespace },
        spec,
      });
    } else if (JSON.stringify(existing.spec) !== JSON.stringify(spec)) {
      this.#store.update({ ...existing, spec });
    }
    return `${source.namespace}/${name}`;
  }

  #inventoryFor(object: KubernetesObject): InventoryEntry[] | undefined {
    const configured = this.#inventories.get(objectKey(object));
    if (configured) return configured;
    const annotation =
      object.metadata.annotations?.[SIMULATION_ANNOTATIONS.inventory];
    if (!annotation) return undefined;
    try {
      const parsed = JSON.parse(annotation);
      return Array.isArray(parsed)
        ? parsed.map(entry =>
            typeof entry === 'string'
              ? { id: entry, v: 'v1' }
              : toInventoryEntry(entry),
          )
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** The Flux Operator refreshes its FluxReport shortly after changes. */
  #scheduleReport() {
    if (!this.#options.fluxReport || this.#reportTimer || !this.#running)
      return;
    const apiVersion = this.#apiVersion('FluxReport');
    if (!apiVersion) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#reportTimer = undefined;
      if (!this.#running) return;
      this.#writeReport(apiVersion);
    }, this.#options.reconcileDelayMs * 2);
    this.#reportTimer = timer;
    this.#timers.add(timer);
  }

  #writeReport(apiVersion: string) {
    const report = buildFluxReport({
      store: this.#store,
      distribution: this.#distribution,
      namespace: this.#namespace,
      serverVersion: this.#serverVersion(),
      apiVersionOf: kind => this.#apiVersion(kind),
    });
    const reference = {
      apiVersion,
      kind: 'FluxReport',
      namespace: this.#namespace,
      name: 'flux',
    };
    const existing = this.#store.get(reference);
    const started = Date.now();
    let written: KubernetesObject;
    if (!existing) {
      this.#store.ensureNamespace(this.#namespace);
      written = this.#store.create(
        {
          apiVersion,
          kind: 'FluxReport',
          metadata: { name: 'flux', namespace: this.#namespace },
          spec: report,
        },
        { keepStatus: false },
      );
    } else {
      written = this.#store.update({ ...existing, spec: report });
    }
    this.#store.patchStatus(reference, () =>
      fluxReportStatus(written, Date.now() - started),
    );
  }

  #serverVersion(): string {
    return this.#server.versionInfo.gitVersion;
  }
}

function toInventoryEntry(
  entry:
    | InventoryEntry
    | { apiVersion: string; kind: string; name: string; namespace?: string },
): InventoryEntry {
  if ('id' in entry) return entry;
  const { group, version } = parseApiVersion(entry.apiVersion);
  return {
    id: `${entry.namespace ?? ''}_${entry.name}_${group}_${entry.kind}`,
    v: version,
  };
}

/** Creates and starts a simulated Flux controller on a test API server. */
export function startSimulatedFluxController(
  server: TestKubernetesApiServer,
  options: SimulatedFluxControllerOptions = {},
): SimulatedFluxController {
  const controller = new SimulatedFluxController(server, options);
  controller.start();
  return controller;
}
