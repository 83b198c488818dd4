import { InputError } from '@backstage/errors';
import { z } from 'zod';

/** Changes to the base image's runtime config, as a Dockerfile would make them. */
export interface ImageConfigChanges {
  /**
   * Replaces the entrypoint. Like Dockerfile `ENTRYPOINT`, setting it clears
   * the base image's `Cmd` unless `cmd` is given too.
   */
  entrypoint?: string[];
  /** Replaces the command. */
  cmd?: string[];
  /** Sets variables, replacing base values of the same name in place. */
  env?: Record<string, string>;
  /** Absolute working directory. */
  workingDir?: string;
  /** Ports to add: `8080`, `8080/tcp`, `53/udp`. */
  exposedPorts?: Array<string | number>;
  /** Labels to add or replace. */
  labels?: Record<string, string>;
  /** `user`, `uid`, `user:group` or `uid:gid`. */
  user?: string;
}

const noNul = (value: string) => !value.includes('\0');

/** Validates {@link ImageConfigChanges} coming from template input. */
export const imageConfigChangesSchema = z.strictObject({
  entrypoint: z.array(z.string().refine(noNul)).optional(),
  cmd: z.array(z.string().refine(noNul)).optional(),
  env: z
    .record(
      z
        .string()
        .regex(
          /^[^=\s\0]+$/,
          'environment variable names may not hold = or spaces',
        ),
      z.string().refine(noNul),
    )
    .optional(),
  workingDir: z
    .string()
    .regex(/^\/[^\0]*$/, 'workingDir must be an absolute path')
    .optional(),
  exposedPorts: z
    .array(
      z
        .union([z.number().int(), z.string()])
        .transform(String)
        .refine(port => {
          const match = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(port);
          return Boolean(
            match && Number(match[1]) >= 1 && Number(match[1]) <= 65535,
          );
        }, 'ports look like 8080, 8080/tcp or 53/udp'),
    )
    .optional(),
  labels: z.record(z.string().min(1), z.string()).optional(),
  user: z.string().min(1).refine(noNul).optional(),
});

/** Throws an InputError listing what is wrong with `changes`. */
export function validateImageConfigChanges(
  changes: unknown,
): ImageConfigChanges {
  const result = imageConfigChangesSchema.safeParse(changes ?? {});
  if (!result.success) {
    throw new InputError(
      `invalid image config changes: ${result.error.issues
        .map(issue => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  return result.data as ImageConfigChanges;
}

/** What the new layer adds to the config. */
export interface AppendedLayer {
  diffId: string;
  /** ISO timestamp for the config's `created` and the history entry. */
  created: string;
  createdBy: string;
}

/**
 * The new image config: the base config with the runtime changes applied, the
 * layer's `diff_id` appended to `rootfs.diff_ids`, a history entry for it
 * (when the base keeps history), and `created` set. Everything else in the
 * base config is kept as is. Deterministic for the same inputs.
 */
export function buildImageConfig(
  baseConfig: Record<string, any>,
  changes: ImageConfigChanges,
  layer: AppendedLayer,
): Record<string, any> {
  const config: Record<string, any> = structuredClone(baseConfig);
  const runtime: Record<string, any> = { ...(config.config ?? {}) };

  if (changes.env) {
    const env: string[] = Array.isArray(runtime.Env) ? [...runtime.Env] : [];
    for (const [name, value] of Object.entries(changes.env)) {
      const entry = `${name}=${value}`;
      const index = env.findIndex(
        existing => existing === name || existing.startsWith(`${name}=`),
      );
      if (index >= 0) env[index] = entry;
      else env.push(entry);
    }
    runtime.Env = env;
  }
  if (changes.entrypoint) {
    runtime.Entrypoint = [...changes.entrypoint];
    if (!changes.cmd) delete runtime.Cmd;
  }
  if (changes.cmd) runtime.Cmd = [...changes.cmd];
  if (changes.workingDir) runtime.WorkingDir = changes.workingDir;
  if (changes.user) runtime.User = changes.user;
  if (changes.exposedPorts?.length) {
    runtime.ExposedPorts = { ...(runtime.ExposedPorts ?? {}) };
    for (const port of changes.exposedPorts.map(String)) {
      runtime.ExposedPorts[port.includes('/') ? port : `${port}/tcp`] = {};
    }
  }
  if (changes.labels && Object.keys(changes.labels).length) {
    runtime.Labels = { ...(runtime.Labels ?? {}), ...changes.labels };
  }
  config.config = runtime;

  const diffIds: string[] = Array.isArray(config.rootfs?.diff_ids)
    ? config.rootfs.diff_ids
    : [];
  config.rootfs = {
    ...(config.rootfs ?? {}),
    type: 'layers',
    diff_ids: [...diffIds, layer.diffId],
  };
  if (Array.isArray(config.history)) {
    config.history = [
      ...config.history,
      { created: layer.created, created_by: layer.createdBy },
    ];
  }
  config.created = layer.created;
  return config;
}
