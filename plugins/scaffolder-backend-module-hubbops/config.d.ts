export interface Config {
  /** Configuration of the HubbOps scaffolder actions. */
  hubbops?: {
    /** The `hubbops:image:build` action. */
    imageBuild?: {
      /**
       * The builder used when a template leaves `builder` out: `auto` (the
       * default) picks `layers` for Containerfiles without RUN, else
       * `buildah`, else `docker`.
       * @visibility backend
       */
      builder?: 'auto' | 'buildah' | 'docker' | 'layers';
      /**
       * Registries to pull base images from and push images to, with their
       * credentials. Templates cannot pass credentials; registries not listed
       * here are accessed anonymously (over HTTPS, except loopback ones).
       * @visibility backend
       */
      registries?: Array<{
        /**
         * The registry as written in image references: `ghcr.io`,
         * `registry.example.com:5000`, `docker.io`.
         * @visibility backend
         */
        host: string;
        /**
         * User name; goes with `password`.
         * @visibility backend
         */
        username?: string;
        /**
         * Password or access token used as a password (GHCR, Harbor robot
         * accounts, Docker Hub access tokens).
         * @visibility secret
         */
        password?: string;
        /**
         * A ready-made bearer token, sent as is. Only the `layers` builder
         * can use it; `buildah` and `docker` need `username` and `password`.
         * @visibility secret
         */
        token?: string;
        /**
         * Reach the registry over plain HTTP (no TLS). Loopback registries
         * (`localhost`, `127.x.x.x`) always are.
         * @visibility backend
         */
        insecure?: boolean;
      }>;
      /** Settings of the `buildah` builder. */
      buildah?: {
        /**
         * The buildah binary; default `buildah` from the PATH.
         * @visibility backend
         */
        path?: string;
        /**
         * `--storage-driver`; default `vfs`, which works everywhere,
         * including in unprivileged containers.
         * @visibility backend
         */
        storageDriver?: string;
        /**
         * `--isolation` of RUN instructions: `chroot` (default), `oci` or
         * `rootless`.
         * @visibility backend
         */
        isolation?: 'chroot' | 'oci' | 'rootless';
        /**
         * Container storage root (`--root`). Default: a temporary directory
         * per build, deleted afterwards, so that builds share nothing and
         * leave nothing behind.
         * @visibility backend
         */
        root?: string;
        /**
         * Container storage run root (`--runroot`); default beside `root`.
         * @visibility backend
         */
        runroot?: string;
      };
      /** Settings of the `docker` builder. */
      docker?: {
        /**
         * The docker CLI binary; default `docker` from the PATH.
         * @visibility backend
         */
        path?: string;
      };
    };
  };
}
