export interface Config {
  /**
   * The HubbOps embedded git server: bare repositories served over smart HTTP
   * at `/api/hubbops-git/<repo>.git`, for the credential-free development
   * default. It serves WITHOUT authentication: anyone who reaches the backend
   * can read and push. Keep it off (the default) wherever the backend is
   * reachable by others.
   */
  hubbopsGit?: {
    /**
     * Serve the repositories. Default false; app-config.yaml (development)
     * turns it on, app-config.production.yaml turns it off.
     * @visibility backend
     */
    enabled?: boolean;
    /**
     * Directory holding the bare repositories; relative paths are resolved
     * against the backend's working directory (packages/backend under
     * `yarn start`). Default `.data/git`.
     * @visibility backend
     */
    root?: string;
    /**
     * Create a bare repository (default branch `main`) the first time a
     * client pushes to a name that does not exist yet. Default true.
     * @visibility backend
     */
    autoCreate?: boolean;
  };
}
