import { InputError } from '@backstage/errors';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { commandSucceeds, runCommand } from './commands';
import {
  formatImageReference,
  ImageReference,
  parseImageReference,
} from './layers';
import { ImageBuildSettings, RegistryDirectory } from './settings';

/** What the `buildah` and `docker` builders need for one build. */
export interface ContainerfileBuildRequest {
  /** Absolute build context directory. */
  contextDir: string;
  /** Absolute path of the Containerfile. */
  containerfile: string;
  /** The image to push, with its tag. */
  target: ImageReference & { tag: string };
  buildArgs: Record<string, string>;
  /** Images the FROM instructions pull, as written. */
  baseImages: string[];
  registries: RegistryDirectory;
  redact: (text: string) => string;
  /** A step, logged as it starts. */
  log: (message: string) => void;
  /** A line of the builder's own output. */
  onOutput: (line: string) => void;
  signal?: AbortSignal;
}

/** What a builder pushed. */
export interface ContainerfileBuildResult {
  /** Digest of the pushed manifest. */
  digest: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

function registryOf(image: string): string | undefined {
  try {
    return parseImageReference(image).registry;
  } catch {
    // A FROM with an ARG reference (`$BASE`) cannot be resolved up front.
    return undefined;
  }
}

/**
 * Throws when the build needs a registry configured with a bare token, which
 * neither buildah nor docker can send.
 */
export function assertCliCredentials(
  registries: RegistryDirectory,
  images: string[],
  builder: 'buildah' | 'docker',
): void {
  for (const registry of images.map(registryOf)) {
    const credentials = registry && registries.credentialsFor(registry);
    if (credentials && 'token' in credentials) {
      throw new InputError(
        `registry ${registry} is configured with a token, which only the ` +
          `layers builder can use; configure a username and password (an ` +
          `access token can be the password) to build with ${builder}`,
      );
    }
  }
}

/**
 * The `auths` of a containers-auth.json / Docker config.json for the
 * registries with a user name and password.
 */
function authEntries(
  registries: RegistryDirectory,
  images: string[],
  builder: 'buildah' | 'docker',
): Record<string, { auth: string }> {
  assertCliCredentials(registries, images, builder);
  const auths: Record<string, { auth: string }> = {};
  for (const { host, credentials } of registries.withCredentials()) {
    if (credentials && 'password' in credentials) {
      auths[host] = {
        auth: Buffer.from(
          `${credentials.username}:${credentials.password}`,
        ).toString('base64'),
      };
    }
  }
  return auths;
}

/**
 * What both CLI builders start from: the target reference, the registries of
 * the base images, and the `auths` entries for every registry involved.
 */
function cliBuildPlan(
  request: ContainerfileBuildRequest,
  builder: 'buildah' | 'docker',
) {
  const targetRef = formatImageReference(request.target);
  const baseRegistries = request.baseImages
    .map(registryOf)
    .filter((r): r is string => Boolean(r));
  const auths = authEntries(
    request.registries,
    [...request.baseImages, targetRef],
    builder,
  );
  return { targetRef, baseRegistries, auths };
}

/** A private temporary directory, removed by the returned function. */
async function privateTempDir(prefix: string) {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return {
    dir,
    remove: () => rm(dir, { recursive: true, force: true }).catch(() => {}),
  };
}

function buildArgFlags(buildArgs: Record<string, string>): string[] {
  return Object.entries(buildArgs).flatMap(([name, value]) => [
    '--build-arg',
    `${name}=${value}`,
  ]);
}

/** Whether the buildah binary runs. */
export function buildahAvailable(
  settings: ImageBuildSettings,
  signal?: AbortSignal,
): Promise<boolean> {
  return commandSucceeds(settings.buildah.path, ['--version'], 15_000, signal);
}

/** Whether the docker CLI reaches a Docker engine. */
export function dockerEngineAvailable(
  settings: ImageBuildSettings,
  signal?: AbortSignal,
): Promise<boolean> {
  return commandSucceeds(
    settings.docker.path,
    ['info', '--format', '{{.ServerVersion}}'],
    15_000,
    signal,
  );
}

/**
 * Builds with `buildah bud` into a private storage root (unless one is
 * configured) and pushes with `buildah push --digestfile`. Credentials go to
 * buildah through a temporary auth file (`--authfile`), never through
 * arguments, so they show neither in the process list nor in the log.
 */
export async function buildWithBuildah(
  settings: ImageBuildSettings,
  request: ContainerfileBuildRequest,
): Promise<ContainerfileBuildResult> {
  const { registries, target } = request;
  const { targetRef, baseRegistries, auths } = cliBuildPlan(request, 'buildah');

  const temp = await privateTempDir('hubbops-buildah-');
  try {
    const authFile = path.join(temp.dir, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths }), { mode: 0o600 });
    const digestFile = path.join(temp.dir, 'digest');
    const storage = settings.buildah.root
      ? {
          root: settings.buildah.root,
          runroot: settings.buildah.runroot,
        }
      : {
          root: path.join(temp.dir, 'root'),
          runroot: settings.buildah.runroot ?? path.join(temp.dir, 'run'),
        };
    const globalFlags = [
      '--root',
      storage.root,
      ...(storage.runroot ? ['--runroot', storage.runroot] : []),
      '--storage-driver',
      settings.buildah.storageDriver,
    ];
    const env = {
      REGISTRY_AUTH_FILE: authFile,
      BUILDAH_ISOLATION: settings.buildah.isolation,
    };
    const run = (args: string[], what: string) => {
      request.log(
        `${what}: ${settings.buildah.path} ${[...globalFlags, ...args].join(
          ' ',
        )}`,
      );
      return runCommand({
        command: settings.buildah.path,
        args: [...globalFlags, ...args],
        env,
        cwd: request.contextDir,
        onLine: request.onOutput,
        redact: request.redact,
        signal: request.signal,
        what,
      });
    };

    const insecureBases = baseRegistries.filter(r => registries.isInsecure(r));
    if (insecureBases.length) {
      request.log(
        `pulling base images without TLS verification, as ${[
          ...new Set(insecureBases),
        ].join(', ')} ${
          insecureBases.length > 1 ? 'are' : 'is'
        } reached over plain HTTP`,
      );
    }
    await run(
      [
        'bud',
        '--isolation',
        settings.buildah.isolation,
        '--timestamp',
        '0',
        '--authfile',
        authFile,
        ...(insecureBases.length ? ['--tls-verify=false'] : []),
        '-f',
        request.containerfile,
        ...buildArgFlags(request.buildArgs),
        '-t',
        targetRef,
        request.contextDir,
      ],
      `building ${targetRef} with buildah`,
    );
    await run(
      [
        'push',
        '--authfile',
        authFile,
        '--digestfile',
        digestFile,
        ...(registries.isInsecure(target.registry)
          ? ['--tls-verify=false']
          : []),
        targetRef,
        `docker://${targetRef}`,
      ],
      `pushing ${targetRef} with buildah`,
    );
    const digest = (await readFile(digestFile, 'utf8')).trim();
    if (!DIGEST.test(digest)) {
      throw new Error(
        `buildah push did not report the digest of ${targetRef} (got "${request.redact(
          digest.slice(0, 100),
        )}")`,
      );
    }
    return { digest };
  } finally {
    if (settings.buildah.root) {
      // A shared storage root keeps base images; drop the built one.
      await runCommand({
        command: settings.buildah.path,
        args: [
          '--root',
          settings.buildah.root,
          ...(settings.buildah.runroot
            ? ['--runroot', settings.buildah.runroot]
            : []),
          '--storage-driver',
          settings.buildah.storageDriver,
          'rmi',
          '--force',
          targetRef,
        ],
        what: 'removing the local image',
      }).catch(() => {});
    }
    await temp.remove();
  }
}

/**
 * Builds with `docker build` and pushes with `docker push`, with credentials
 * in a temporary Docker config directory (`DOCKER_CONFIG`) rather than
 * `docker login`, which would store them for every later command.
 */
export async function buildWithDocker(
  settings: ImageBuildSettings,
  request: ContainerfileBuildRequest,
): Promise<ContainerfileBuildResult> {
  const { registries, target } = request;
  const { targetRef, baseRegistries, auths } = cliBuildPlan(request, 'docker');
  const temp = Object.keys(auths).length
    ? await privateTempDir('hubbops-docker-')
    : undefined;
  try {
    let env: Record<string, string> | undefined;
    if (temp) {
      await writeFile(
        path.join(temp.dir, 'config.json'),
        JSON.stringify({
          auths,
          // Keep the user's CLI plugins (buildx) reachable.
          cliPluginsExtraDirs: [path.join(homedir(), '.docker', 'cli-plugins')],
        }),
        { mode: 0o600 },
      );
      env = { DOCKER_CONFIG: temp.dir };
    }
    for (const registry of new Set([...baseRegistries, target.registry])) {
      if (registries.isInsecure(registry)) {
        request.log(
          `${registry} is reached over plain HTTP: the Docker engine must list ` +
            'it in its insecure-registries (loopback registries need not)',
        );
      }
    }
    const run = (args: string[], what: string) => {
      request.log(`${what}: ${settings.docker.path} ${args.join(' ')}`);
      return runCommand({
        command: settings.docker.path,
        args,
        env,
        cwd: request.contextDir,
        onLine: request.onOutput,
        redact: request.redact,
        signal: request.signal,
        what,
      });
    };
    await run(
      [
        'build',
        '-f',
        request.containerfile,
        ...buildArgFlags(request.buildArgs),
        '-t',
        targetRef,
        request.contextDir,
      ],
      `building ${targetRef} with docker`,
    );
    const pushed = await run(
      ['push', targetRef],
      `pushing ${targetRef} with docker`,
    );
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)?.[1];
    if (!digest) {
      throw new Error(
        `docker push did not report the digest of ${targetRef}; its last output:\n${pushed.tail.join(
          '\n',
        )}`,
      );
    }
    return { digest };
  } finally {
    await temp?.remove();
  }
}
