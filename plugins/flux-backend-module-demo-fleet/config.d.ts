export interface Config {
  flux?: {
    /**
     * A demo fleet of three simulated Flux clusters, started in the backend
     * process on loopback ports and flagged as demo clusters.
     */
    demoFleet?: {
      /**
       * Starts the demo fleet. Default false.
       * @visibility backend
       */
      enabled?: boolean;
      /**
       * Small periodic changes (a source moving to a new revision) so the
       * UI shows activity.
       */
      activity?: {
        /**
         * Default true (when the fleet is enabled).
         * @visibility backend
         */
        enabled?: boolean;
        /**
         * How often, e.g. `60s` or `{ minutes: 1 }`. Default 60 seconds.
         * @visibility backend
         */
        interval?:
          | string
          | {
              hours?: number;
              minutes?: number;
              seconds?: number;
              milliseconds?: number;
            };
      };
    };
  };
}
