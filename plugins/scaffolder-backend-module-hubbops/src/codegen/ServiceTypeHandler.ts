/**
 * A file a generator produces, relative to the directory it generates. (A
 * type, not an interface, so that lists of them are JSON for checkpoints.)
 */
export type GeneratedFile = {
  /** Posix path relative to the generated directory, e.g. `app/main.py`. */
  path: string;
  content: string;
};

/**
 * The subset of a zod schema a handler's extra inputs need. Any zod schema
 * (v3 or v4) fits, so integrators are not tied to this package's zod version.
 */
export interface ServiceTypeInputSchema<TOptions = unknown> {
  safeParse(value: unknown):
    | { success: true; data: TOptions }
    | {
        success: false;
        error: {
          issues: ReadonlyArray<{
            path: ReadonlyArray<PropertyKey>;
            message: string;
          }>;
        };
      };
}

/** What a handler generates from: the validated common and extra inputs. */
export interface ServiceGenerationContext<TOptions = unknown> {
  /** The service name, a DNS label. */
  name: string;
  /** Entity ref of the owner, e.g. `group:default/team-a`. */
  owner: string;
  description?: string;
  system?: string;
  /** The port the service listens on (1024-65535). */
  port: number;
  /** The HTTP path answering 200 while the service is healthy. */
  healthPath: string;
  /** The image the Containerfile builds FROM. */
  baseImage: string;
  /** The handler's extra inputs, parsed by its `inputSchema`. */
  options: TOptions;
}

/**
 * A service type for `hubbops:codegen:service`: turns the validated inputs
 * into the files of a service. Generation must be deterministic (same inputs,
 * same bytes) so that re-running a task changes nothing.
 *
 * @public
 */
export interface ServiceTypeHandler<TOptions = unknown> {
  /** The value of the action's `type` input, e.g. `node`. */
  type: string;
  /** One line shown in errors and logs, e.g. `Node.js HTTP service`. */
  description: string;
  /** The base image used when neither the input nor config names one. */
  defaultBaseImage: string;
  /** Validates the action's `options` input for this type. */
  inputSchema: ServiceTypeInputSchema<TOptions>;
  /**
   * The files to write, besides `catalog-info.yaml` which the action adds.
   * Must include the Containerfile at `containerfile`.
   */
  generate(
    context: ServiceGenerationContext<TOptions>,
  ): Promise<GeneratedFile[]>;
  /** Path of the Containerfile among the generated files; default `Containerfile`. */
  containerfile?: string;
}
