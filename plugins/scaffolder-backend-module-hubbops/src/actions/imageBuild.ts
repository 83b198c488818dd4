import { Config } from '@backstage/config';
import { InputError, isError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { z as zod } from 'zod/v3';
import {
  assertCliCredentials,
  buildahAvailable,
  buildWithBuildah,
  buildWithDocker,
  dockerEngineAvailable,
} from '../image/cliBuilders';
import {
  baseImagesOf,
  LayersCompatibility,
  ParsedContainerfile,
  parseContainerfile,
  plainIgnorePaths,
  planLayersBuild,
} from '../image/containerfile';
import {
  formatImageReference,
  ImageConfigChanges,
  ImageReference,
  LayersImageBuilder,
  parseImageReference,
  validateImageConfigChanges,
} from '../image/layers';
import {
  ConcreteImageBuilder,
  createRedactor,
  IMAGE_BUILDERS,
  ImageBuildSettings,
  readImageBuildSettings,
  RegistryDirectory,
} from '../image/settings';

export const IMAGE_BUILD_ACTION_ID = 'hubbops:image:build';

/** The input fields, in the form `createTemplateAction` takes. */
const inputSchema = {
  image: (z: typeof zod) =>
    z
      .string({
        description:
          'The repository to push to, with its registry, e.g. ' +
          '`registry.example.com/team/service`. Credentials for the registry ' +
          'come from app config (`hubbops.imageBuild.registries`), never from ' +
          'the template.',
      })
      .min(1),
  tag: (z: typeof zod) =>
    z
      .string({
        description:
          'The tag to push, e.g. `1.0.0` or `${{ parameters.version }}`. ' +
          'Default: the tag written in `image`, else `latest`.',
      })
      .regex(/^[\w][\w.-]{0,127}$/, 'a tag is up to 128 letters, digits, _ . -')
      .optional(),
  contextPath: (z: typeof zod) =>
    z
      .string({
        description:
          'The build context, relative to the workspace, e.g. `.` or ' +
          '`service`. Default `.`.',
      })
      .min(1)
      .default('.'),
  containerfile: (z: typeof zod) =>
    z
      .string({
        description:
          'The Containerfile, relative to `contextPath`, e.g. ' +
          '`Containerfile` or `docker/Dockerfile.prod`. Default: ' +
          '`Containerfile`, else `Dockerfile`. Must stay inside the workspace.',
      })
      .min(1)
      .optional(),
  builder: (z: typeof zod) =>
    z
      .enum(IMAGE_BUILDERS, {
        description:
          'How to build: `layers` (adds the files to a base image through ' +
          'the registry API; no RUN), `buildah`, `docker` (needs a Docker ' +
          'engine), or `auto`: `layers` when the Containerfile has only ' +
          'FROM/COPY/WORKDIR/ENV/EXPOSE/CMD/ENTRYPOINT/USER/LABEL, else ' +
          '`buildah` when installed, else `docker` when an engine answers. ' +
          'Default: `hubbops.imageBuild.builder`, else `auto`.',
      })
      .optional(),
  buildArgs: (z: typeof zod) =>
    z
      .record(z.string(), {
        description:
          'Build arguments for ARG instructions (`buildah`/`docker`), e.g. ' +
          '`{ NODE_VERSION: "22" }`. They are visible in the task log and ' +
          'the image history: never pass secrets here.',
      })
      .optional(),
  baseImage: (z: typeof zod) =>
    z
      .string({
        description:
          'For `layers` without a Containerfile: the image to add the ' +
          '`contextPath` files to, e.g. `registry.example.com/base/node:22`. ' +
          'With it, `appDestination`, `cmd`, `env` and `port` describe the ' +
          'image and no Containerfile is read.',
      })
      .min(1)
      .optional(),
  appDestination: (z: typeof zod) =>
    z
      .string({
        description:
          'With `baseImage`: the absolute directory the files go to, also ' +
          'the working directory. Default `/app`.',
      })
      .regex(/^\//, 'appDestination must be an absolute path')
      .optional(),
  cmd: (z: typeof zod) =>
    z
      .array(z.string(), {
        description:
          'With `baseImage`: the command, e.g. `["node", "index.js"]`.',
      })
      .optional(),
  env: (z: typeof zod) =>
    z
      .record(z.string(), {
        description:
          'With `baseImage`: environment variables, e.g. `{ NODE_ENV: "production" }`.',
      })
      .optional(),
  port: (z: typeof zod) =>
    z
      .number({
        description: 'With `baseImage`: the port to expose, e.g. `8080`.',
      })
      .int()
      .min(1)
      .max(65535)
      .optional(),
};

const outputSchema = {
  imageRef: (z: typeof zod) =>
    z.string({
      description:
        'The pushed image, `host/repository:tag@sha256:...`; in a dry run ' +
        '`host/repository:tag`, as nothing is pushed.',
    }),
  digest: (z: typeof zod) =>
    z
      .string({
        description:
          'Digest of the pushed manifest, `sha256:...`; absent in a dry run.',
      })
      .optional(),
  builder: (z: typeof zod) =>
    z.enum(['buildah', 'docker', 'layers'], {
      description: 'The builder that built the image.',
    }),
};

const inputParser = zod.object(
  Object.fromEntries(
    Object.entries(inputSchema).map(([key, field]) => [key, field(zod)]),
  ) as { [K in keyof typeof inputSchema]: ReturnType<(typeof inputSchema)[K]> },
);
type ImageBuildInput = zod.output<typeof inputParser>;

/** What the action builds, once inputs and the Containerfile are checked. */
type BuildPlan =
  | {
      builder: 'layers';
      baseImage: string;
      /** Relative to the workspace. */
      sourcePath: string;
      destination: string;
      owner?: { uid: number; gid: number };
      exclude: string[];
      config: ImageConfigChanges;
      description: string;
    }
  | {
      builder: 'buildah' | 'docker';
      contextDir: string;
      containerfile: string;
      baseImages: string[];
      description: string;
    };

interface BuildResult {
  imageRef: string;
  digest: string;
  builder: ConcreteImageBuilder;
  [key: string]: string;
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + path.sep);
}

/**
 * Resolves an input path against `base` (inside the workspace) and makes sure
 * it stays in the workspace, also after symlinks.
 */
async function resolveInWorkspace(
  workspace: string,
  base: string,
  relative: string,
  input: string,
): Promise<string> {
  if (path.isAbsolute(relative)) {
    throw new InputError(
      `${input} "${relative}" must be a relative path inside the workspace`,
    );
  }
  const resolved = path.resolve(base, relative);
  if (!isInside(workspace, resolved)) {
    throw new InputError(
      `${input} "${relative}" points outside the workspace; it must stay inside it`,
    );
  }
  let real: string;
  try {
    real = await realpath(resolved);
  } catch {
    throw new InputError(
      `${input} "${relative}" does not exist in the workspace`,
    );
  }
  if (!isInside(workspace, real)) {
    throw new InputError(
      `${input} "${relative}" leads outside the workspace through a symlink`,
    );
  }
  return real;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function isDirectory(file: string): Promise<boolean> {
  return stat(file).then(
    s => s.isDirectory(),
    () => false,
  );
}

/** JSON with sorted keys, so equal inputs hash equally. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter(key => (value as any)[key] !== undefined)
      .map(key => `${JSON.stringify(key)}:${stableJson((value as any)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function parseInput(raw: unknown): ImageBuildInput {
  const result = inputParser.safeParse(raw ?? {});
  if (!result.success) {
    throw new InputError(
      `invalid input to ${IMAGE_BUILD_ACTION_ID}: ${result.error.issues
        .map(issue => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  return result.data;
}

function targetOf(input: ImageBuildInput): ImageReference & { tag: string } {
  const parsed = parseImageReference(input.image, 'image');
  if (parsed.digest) {
    throw new InputError(
      `image "${input.image}" must not hold a digest: the digest is known only once the image is pushed`,
    );
  }
  if (parsed.tag && input.tag && parsed.tag !== input.tag) {
    throw new InputError(
      `image "${input.image}" has the tag ${parsed.tag} but tag is ${input.tag}; give the tag once`,
    );
  }
  return { ...parsed, tag: input.tag ?? parsed.tag ?? 'latest' };
}

/** Reads the ignore file the way buildah would pick it, if there is one. */
async function layersExcludes(
  contextDir: string,
  copySource: string,
): Promise<{ paths: string[] } | { reason: string }> {
  for (const name of ['.containerignore', '.dockerignore']) {
    const file = path.join(contextDir, name);
    if (await exists(file)) {
      return plainIgnorePaths(await readFile(file, 'utf8'), copySource, name);
    }
  }
  return { paths: [] };
}

/**
 * Creates the `hubbops:image:build` action: builds the workspace's
 * Containerfile (or adds its files to a base image) and pushes the image.
 */
export function createImageBuildAction(options: { config: Config }) {
  const settings: ImageBuildSettings = readImageBuildSettings(options.config);
  const registries = new RegistryDirectory(settings.registries);
  const redact = createRedactor(registries.secrets());

  return createTemplateAction({
    id: IMAGE_BUILD_ACTION_ID,
    description:
      "Builds the workspace's Containerfile (or Dockerfile) and pushes the image to an OCI registry",
    supportsDryRun: true,
    examples: [
      {
        description: 'Build the Containerfile at the workspace root',
        example: [
          'steps:',
          '  - id: image',
          '    action: hubbops:image:build',
          '    input:',
          '      image: registry.example.com/team/${{ parameters.name }}',
          '      tag: ${{ parameters.version }}',
        ].join('\n'),
      },
      {
        description:
          'Add the built app to a base image, without a Containerfile',
        example: [
          'steps:',
          '  - id: image',
          '    action: hubbops:image:build',
          '    input:',
          '      image: registry.example.com/team/web',
          '      builder: layers',
          '      contextPath: dist',
          '      baseImage: registry.example.com/base/node:22',
          '      cmd: ["node", "server.js"]',
          '      env: { NODE_ENV: production }',
          '      port: 8080',
        ].join('\n'),
      },
    ],
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const log = (message: string) => ctx.logger.info(redact(message));
      try {
        ctx.signal?.throwIfAborted();
        const input = parseInput(ctx.input);
        const target = targetOf(input);
        const targetRef = formatImageReference(target);
        const requested = input.builder ?? settings.builder;
        const buildArgs = input.buildArgs ?? {};
        const layersInputs = (
          ['appDestination', 'cmd', 'env', 'port'] as const
        ).filter(key => input[key] !== undefined);

        let workspace: string;
        try {
          workspace = await realpath(ctx.workspacePath);
        } catch {
          throw new InputError(
            `the workspace ${ctx.workspacePath} does not exist`,
          );
        }
        const contextDir = await resolveInWorkspace(
          workspace,
          workspace,
          input.contextPath,
          'contextPath',
        );
        if (!(await isDirectory(contextDir))) {
          throw new InputError(
            `contextPath "${input.contextPath}" is not a directory`,
          );
        }
        const relativeContext = path.relative(workspace, contextDir) || '.';

        let plan: BuildPlan;
        if (input.baseImage !== undefined) {
          // Layers from inputs: no Containerfile is read.
          if (requested !== 'auto' && requested !== 'layers') {
            throw new InputError(
              `baseImage is for the layers builder; the ${requested} builder builds the Containerfile`,
            );
          }
          if (input.containerfile !== undefined) {
            throw new InputError(
              'give either baseImage (the layers builder adds contextPath to it) or containerfile, not both',
            );
          }
          if (Object.keys(buildArgs).length) {
            throw new InputError(
              'buildArgs need a Containerfile; with baseImage there is none',
            );
          }
          parseImageReference(input.baseImage, 'baseImage');
          const destination = input.appDestination ?? '/app';
          const config = validateImageConfigChanges({
            workingDir: destination,
            ...(input.cmd ? { cmd: input.cmd } : {}),
            ...(input.env ? { env: input.env } : {}),
            ...(input.port ? { exposedPorts: [input.port] } : {}),
          });
          const excludes = await layersExcludes(contextDir, '.');
          if ('reason' in excludes) {
            throw new InputError(
              `the layers builder cannot honour the ignore file: ${excludes.reason}`,
            );
          }
          plan = {
            builder: 'layers',
            baseImage: input.baseImage,
            sourcePath: relativeContext,
            destination,
            exclude: excludes.paths,
            config,
            description: `the files of ${relativeContext} added under ${destination} to ${input.baseImage}`,
          };
        } else {
          if (layersInputs.length) {
            throw new InputError(
              `${layersInputs.join(
                ', ',
              )} only apply together with baseImage; with a Containerfile, set them in it`,
            );
          }
          const { file, name } = await findContainerfile(
            workspace,
            contextDir,
            input.containerfile,
          );
          const text = await readFile(file, 'utf8');
          const parsed: ParsedContainerfile = parseContainerfile(text, name);
          const compatibility = await layersCompatibility(
            parsed,
            name,
            workspace,
            contextDir,
          );
          const builder = await chooseBuilder(
            requested,
            compatibility,
            name,
            ctx.signal,
          );
          if (builder === 'layers' && compatibility.compatible) {
            if (Object.keys(buildArgs).length) {
              if (requested === 'layers') {
                throw new InputError(
                  `buildArgs need ARG instructions, which the layers builder does not run`,
                );
              }
              log(`${name} has no ARG instruction: buildArgs are not used`);
            }
            const { plan: layersPlan, sourcePath, exclude } = compatibility;
            plan = {
              builder: 'layers',
              baseImage: layersPlan.baseImage,
              sourcePath,
              destination: layersPlan.destination,
              owner: layersPlan.owner,
              exclude,
              config: validateImageConfigChanges(layersPlan.config),
              description: `${name} (FROM ${layersPlan.baseImage}, COPY ${layersPlan.copySource} ${layersPlan.destination})`,
            };
          } else {
            assertCliCredentials(
              registries,
              [...baseImagesOf(parsed), targetRef],
              builder as 'buildah' | 'docker',
            );
            plan = {
              builder: builder as 'buildah' | 'docker',
              contextDir,
              containerfile: file,
              baseImages: baseImagesOf(parsed),
              description: `${name} in context ${relativeContext}`,
            };
          }
        }

        log(
          `${ctx.isDryRun ? 'dry run: would build' : 'building'} ${
            plan.description
          } with the ${plan.builder} builder and push it to ${targetRef}`,
        );
        if (ctx.isDryRun) {
          ctx.output('imageRef', targetRef);
          ctx.output('builder', plan.builder);
          log(`dry run: nothing was built or pushed`);
          return;
        }

        const key = `image-build-${createHash('sha256')
          .update(
            stableJson({
              target: targetRef,
              contextPath: relativeContext,
              containerfile: input.containerfile,
              builder: requested,
              buildArgs,
              baseImage: input.baseImage,
              appDestination: input.appDestination,
              cmd: input.cmd,
              env: input.env,
              port: input.port,
            }),
          )
          .digest('hex')}`;
        let ran = false;
        const result = await ctx.checkpoint<BuildResult>({
          key,
          fn: async () => {
            ran = true;
            ctx.signal?.throwIfAborted();
            return build(plan, target, buildArgs, workspace, ctx.signal, log);
          },
        });
        if (!ran) {
          log(
            `${result.imageRef} was already built and pushed by an earlier attempt of this task; not building again`,
          );
        }
        ctx.output('imageRef', result.imageRef);
        ctx.output('digest', result.digest);
        ctx.output('builder', result.builder);
        log(`pushed ${result.imageRef} (built with ${result.builder})`);
      } catch (error) {
        if (isError(error)) {
          error.message = redact(error.message);
          if (error.stack) error.stack = redact(error.stack);
        }
        throw error;
      }
    },
  });

  async function findContainerfile(
    workspace: string,
    contextDir: string,
    containerfile: string | undefined,
  ): Promise<{ file: string; name: string }> {
    if (containerfile !== undefined) {
      const file = await resolveInWorkspace(
        workspace,
        contextDir,
        containerfile,
        'containerfile',
      );
      if (await isDirectory(file)) {
        throw new InputError(`containerfile "${containerfile}" is a directory`);
      }
      return { file, name: path.relative(workspace, file) };
    }
    for (const candidate of ['Containerfile', 'Dockerfile']) {
      const file = path.join(contextDir, candidate);
      if (await exists(file)) {
        const real = await resolveInWorkspace(
          workspace,
          contextDir,
          candidate,
          'containerfile',
        );
        return { file: real, name: path.relative(workspace, file) };
      }
    }
    throw new InputError(
      `there is no Containerfile or Dockerfile in ${
        path.relative(workspace, contextDir) || 'the workspace root'
      }; add one, set containerfile, or set baseImage to use the layers builder`,
    );
  }

  async function layersCompatibility(
    parsed: ParsedContainerfile,
    name: string,
    workspace: string,
    contextDir: string,
  ): Promise<
    | (LayersCompatibility & { compatible: false })
    | (LayersCompatibility & {
        compatible: true;
        sourcePath: string;
        exclude: string[];
      })
  > {
    const compatibility = planLayersBuild(parsed, name);
    if (!compatibility.compatible) return compatibility;
    const { plan } = compatibility;
    const source = path.resolve(contextDir, plan.copySource);
    if (!isInside(workspace, source) || !(await isDirectory(source))) {
      return {
        compatible: false,
        reason: `${name} copies ${plan.copySource}, which is not a directory of the build context`,
      };
    }
    const real = await realpath(source);
    if (!isInside(workspace, real)) {
      return {
        compatible: false,
        reason: `${name} copies ${plan.copySource}, a symlink leading outside the workspace`,
      };
    }
    const excludes = await layersExcludes(contextDir, plan.copySource);
    if ('reason' in excludes) {
      return { compatible: false, reason: excludes.reason };
    }
    return {
      ...compatibility,
      sourcePath: path.relative(workspace, real) || '.',
      exclude: excludes.paths,
    };
  }

  async function chooseBuilder(
    requested: (typeof IMAGE_BUILDERS)[number],
    compatibility: LayersCompatibility,
    name: string,
    signal?: AbortSignal,
  ): Promise<ConcreteImageBuilder> {
    switch (requested) {
      case 'layers':
        if (!compatibility.compatible) {
          throw new InputError(
            `the layers builder cannot build this image: ${compatibility.reason}; ` +
              'use the buildah or docker builder (or auto)',
          );
        }
        return 'layers';
      case 'buildah':
        if (!(await buildahAvailable(settings, signal))) {
          throw new InputError(
            `the buildah builder was asked for, but ${settings.buildah.path} does not run on this backend; install buildah (e.g. apt-get install buildah)`,
          );
        }
        return 'buildah';
      case 'docker':
        if (!(await dockerEngineAvailable(settings, signal))) {
          throw new InputError(
            `the docker builder was asked for, but "${settings.docker.path} info" does not reach a Docker engine; start one or use the buildah builder`,
          );
        }
        return 'docker';
      default:
        if (compatibility.compatible) return 'layers';
        if (await buildahAvailable(settings, signal)) return 'buildah';
        if (await dockerEngineAvailable(settings, signal)) return 'docker';
        throw new InputError(
          `no builder can build ${name}: the layers builder cannot (${compatibility.reason}), ` +
            `${settings.buildah.path} is not installed and no Docker engine answers; ` +
            'install buildah on the backend host (apt-get install buildah) or give it a Docker engine',
        );
    }
  }

  async function build(
    plan: BuildPlan,
    target: ImageReference & { tag: string },
    buildArgs: Record<string, string>,
    workspace: string,
    signal: AbortSignal | undefined,
    log: (message: string) => void,
  ): Promise<BuildResult> {
    if (plan.builder === 'layers') {
      const builder = new LayersImageBuilder({
        credentials: registry => registries.credentialsFor(registry),
        insecureRegistries: registries.insecureHosts(),
      });
      const result = await builder.build({
        baseImage: plan.baseImage,
        targetImage: formatImageReference(target),
        workspacePath: workspace,
        sourcePath: plan.sourcePath,
        destination: plan.destination,
        exclude: plan.exclude,
        owner: plan.owner,
        config: plan.config,
        signal,
        onProgress: progress => log(`layers: ${progress.message}`),
      });
      return {
        imageRef: result.imageRef,
        digest: result.digest,
        builder: 'layers',
      };
    }
    const run = plan.builder === 'buildah' ? buildWithBuildah : buildWithDocker;
    const { digest } = await run(settings, {
      contextDir: plan.contextDir,
      containerfile: plan.containerfile,
      target,
      buildArgs,
      baseImages: plan.baseImages,
      registries,
      redact,
      log,
      onOutput: line => log(`${plan.builder}: ${line}`),
      signal,
    });
    return {
      imageRef: `${formatImageReference(target)}@${digest}`,
      digest,
      builder: plan.builder,
    };
  }
}
