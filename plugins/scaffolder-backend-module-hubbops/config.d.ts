export interface Config {
  /** Configuration of the HubbOps scaffolder actions. */
  hubbops?: {
    /**
     * The `hubbops:codegen:service` action: defaults per service type
     * (`node`, `python`, `go`, or a type added by another module).
     */
    codegen?: {
      [serviceType: string]: {
        /**
         * The image generated Containerfiles build FROM when the template
         * gives no `baseImage`, e.g. `localhost:5000/base/node:22` for an
         * offline registry. Defaults: node `docker.io/library/node:22-slim`,
         * python `docker.io/library/python:3.12-slim`, go (build stage)
         * `docker.io/library/golang:1.22`.
         * @visibility backend
         */
        baseImage?: string;
      };
    };
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
    /** Git servers that `hubbops:gitops:push` pushes to over HTTP(S). */
    git?: {
      /**
       * Credentials per git host, sent as an `Authorization` header through
       * git's environment (never in URLs, argv or logs). GitHub hosts under
       * `integrations.github` use that integration instead. Templates cannot
       * pass credentials.
       * @visibility backend
       */
      credentials?: Array<{
        /**
         * The host as written in clone URLs: `git.example.com`,
         * `localhost:7007`.
         * @visibility backend
         */
        host: string;
        /**
         * User name; goes with `password`, or with `token` for servers that
         * take a token as the password.
         * @visibility backend
         */
        username?: string;
        /**
         * Password for basic auth.
         * @visibility secret
         */
        password?: string;
        /**
         * Access token: the basic-auth password with `username`, else sent
         * as `Authorization: Bearer <token>`.
         * @visibility secret
         */
        token?: string;
      }>;
      /**
       * Committer of GitOps commits, and author when the template's user has
       * no email in the catalog. Default `HubbOps <hubbops@localhost>`.
       */
      author?: {
        /** @visibility backend */
        name?: string;
        /** @visibility backend */
        email?: string;
      };
      /**
       * Pushes to try when others keep pushing to the same branch first
       * (each retry rebases). Default 5.
       * @visibility backend
       */
      pushAttempts?: number;
    };
  };
}
