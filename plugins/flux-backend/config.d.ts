export interface Config {
  /**
   * Configuration of the HubbOps Flux plugin. Clusters come from
   * `kubernetes.clusterLocatorMethods` entries of `type: config` (declared by
   * the Kubernetes plugin) and from `flux.kubeconfig`.
   */
  flux?: {
    /**
     * Serve HelmRelease `spec.values` as they are. Default false: every
     * value is replaced with `***`, since values often hold credentials.
     * @visibility backend
     */
    showHelmValues?: boolean;
    /**
     * Clusters from a kubeconfig file, one per context.
     */
    kubeconfig?: {
      /**
       * Path of the kubeconfig file on the backend host.
       * @visibility backend
       */
      path: string;
      /**
       * Only these contexts; all of them when omitted.
       * @visibility backend
       */
      contexts?: string[];
    };
    /**
     * Clusters registered at runtime through the API (`POST /api/flux/clusters`,
     * the Flux page's "Add cluster" dialog).
     */
    clusterRegistration?: {
      /**
       * Key that encrypts registered clusters' kubeconfigs at rest
       * (AES-256-GCM): 32 random bytes in base64, e.g. from
       * `openssl rand -base64 32`. Without it, registering and updating
       * clusters is disabled; kubeconfigs stored under another key show their
       * cluster as unhealthy until the key is restored or the cluster updated.
       * @visibility secret
       */
      encryptionKey?: string;
    };
    /**
     * Clusters whose names are listed here are flagged as demo clusters.
     * @visibility frontend
     */
    clusters?: {
      /**
       * Names of clusters flagged as demo clusters in the UI.
       * @visibility frontend
       */
      demo?: string[];
    };
    sync?: {
      /**
       * How often every cluster is fully relisted as a safety net next to
       * the watches, e.g. `10m` or `{ minutes: 10 }`. Default 10 minutes.
       * @visibility backend
       */
      resyncInterval?:
        | string
        | {
            days?: number;
            hours?: number;
            minutes?: number;
            seconds?: number;
            milliseconds?: number;
          };
      /**
       * Timeout of each request to a cluster's API server (watches excepted),
       * e.g. `10s`. Default 10 seconds.
       * @visibility backend
       */
      requestTimeout?:
        | string
        | {
            minutes?: number;
            seconds?: number;
            milliseconds?: number;
          };
      /**
       * First delay before reconnecting to a failing cluster; doubles up to
       * `maxRetryDelay`, with jitter. Default 1 second.
       * @visibility backend
       */
      minRetryDelay?:
        | string
        | {
            minutes?: number;
            seconds?: number;
            milliseconds?: number;
          };
      /**
       * Longest delay between reconnects. Default 60 seconds.
       * @visibility backend
       */
      maxRetryDelay?:
        | string
        | {
            minutes?: number;
            seconds?: number;
            milliseconds?: number;
          };
      /**
       * How long changes are gathered before being written to the database
       * in one batch. Default 500 milliseconds.
       * @visibility backend
       */
      writeDelay?:
        | string
        | {
            seconds?: number;
            milliseconds?: number;
          };
      /**
       * Multi-replica mode: when true, one replica at a time watches the
       * clusters (a global scheduled task elects it for `leaderTerm`) and
       * the others serve what it stores, re-read every `followInterval`.
       * Needs a database the replicas share (PostgreSQL). Default false:
       * every replica watches every cluster.
       * @visibility backend
       */
      leaderElection?: boolean;
      /**
       * How long one replica syncs before the task is offered again, e.g.
       * `10m`. Default 10 minutes.
       * @visibility backend
       */
      leaderTerm?:
        | string
        | {
            hours?: number;
            minutes?: number;
            seconds?: number;
          };
      /**
       * How often a replica that does not sync re-reads the database, e.g.
       * `5s`. Default 5 seconds.
       * @visibility backend
       */
      followInterval?:
        | string
        | {
            minutes?: number;
            seconds?: number;
            milliseconds?: number;
          };
    };
    reconcile?: {
      /**
       * How long a reconcile request waits for Flux to handle it, e.g. `60s`.
       * Default 60 seconds.
       * @visibility backend
       */
      timeout?:
        | string
        | {
            minutes?: number;
            seconds?: number;
            milliseconds?: number;
          };
    };
  };
}
