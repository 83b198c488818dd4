import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { RegistryCredentials } from './layers';
import { isLoopbackRegistry } from './layers/imageReference';

/** The builders of `hubbops:image:build`. */
export const IMAGE_BUILDERS = ['auto', 'buildah', 'docker', 'layers'] as const;
export type ImageBuilderName = (typeof IMAGE_BUILDERS)[number];
/** A builder that actually builds (what `auto` resolves to). */
export type ConcreteImageBuilder = Exclude<ImageBuilderName, 'auto'>;

/** One `hubbops.imageBuild.registries[]` entry. */
export interface RegistrySettings {
  host: string;
  credentials?: RegistryCredentials;
  insecure: boolean;
}

/** `hubbops.imageBuild`, read and checked. */
export interface ImageBuildSettings {
  builder: ImageBuilderName;
  registries: RegistrySettings[];
  buildah: {
    path: string;
    storageDriver: string;
    isolation: string;
    root?: string;
    runroot?: string;
  };
  docker: { path: string };
}

const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/** The registry as image references name it (`docker.io` for Docker Hub). */
export function normalizeRegistryHost(host: string): string {
  const lower = host
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  return DOCKER_HUB_ALIASES.has(lower.toLowerCase()) ? 'docker.io' : lower;
}

/**
 * Reads `hubbops.imageBuild` from app config. Throws when an entry is
 * malformed, naming it, but never echoes credential values.
 */
export function readImageBuildSettings(config: Config): ImageBuildSettings {
  const root = config.getOptionalConfig('hubbops.imageBuild');
  const builder = (root?.getOptionalString('builder') ??
    'auto') as ImageBuilderName;
  if (!IMAGE_BUILDERS.includes(builder)) {
    throw new InputError(
      `hubbops.imageBuild.builder "${builder}" must be one of ${IMAGE_BUILDERS.join(
        ', ',
      )}`,
    );
  }
  const seen = new Set<string>();
  const registries = (root?.getOptionalConfigArray('registries') ?? []).map(
    (entry, index) => {
      const where = `hubbops.imageBuild.registries[${index}]`;
      const host = normalizeRegistryHost(entry.getString('host'));
      if (!host || /[\s/@]/.test(host)) {
        throw new InputError(
          `${where}.host "${host}" must be a registry host[:port], e.g. ghcr.io`,
        );
      }
      if (seen.has(host)) {
        throw new InputError(`${where}: registry ${host} is listed twice`);
      }
      seen.add(host);
      const username = entry.getOptionalString('username');
      const password = entry.getOptionalString('password');
      const token = entry.getOptionalString('token');
      let credentials: RegistryCredentials | undefined;
      if (token !== undefined) {
        if (username !== undefined || password !== undefined) {
          throw new InputError(
            `${where} (${host}) sets token and username/password; set one or the other`,
          );
        }
        credentials = { token };
      } else if (username !== undefined || password !== undefined) {
        if (!username || !password) {
          throw new InputError(
            `${where} (${host}) needs both username and password`,
          );
        }
        credentials = { username, password };
      }
      return {
        host,
        credentials,
        insecure: entry.getOptionalBoolean('insecure') ?? false,
      };
    },
  );
  return {
    builder,
    registries,
    buildah: {
      path: root?.getOptionalString('buildah.path') ?? 'buildah',
      storageDriver: root?.getOptionalString('buildah.storageDriver') ?? 'vfs',
      isolation: root?.getOptionalString('buildah.isolation') ?? 'chroot',
      root: root?.getOptionalString('buildah.root'),
      runroot: root?.getOptionalString('buildah.runroot'),
    },
    docker: { path: root?.getOptionalString('docker.path') ?? 'docker' },
  };
}

/** Looks up registries in {@link ImageBuildSettings}. */
export class RegistryDirectory {
  private readonly byHost: Map<string, RegistrySettings>;

  constructor(registries: RegistrySettings[]) {
    this.byHost = new Map(registries.map(r => [r.host, r]));
  }

  credentialsFor(registry: string): RegistryCredentials | undefined {
    return this.byHost.get(normalizeRegistryHost(registry))?.credentials;
  }

  /** Plain HTTP: configured `insecure`, or a loopback registry. */
  isInsecure(registry: string): boolean {
    return (
      isLoopbackRegistry(registry) ||
      Boolean(this.byHost.get(normalizeRegistryHost(registry))?.insecure)
    );
  }

  insecureHosts(): string[] {
    return [...this.byHost.values()].filter(r => r.insecure).map(r => r.host);
  }

  withCredentials(): RegistrySettings[] {
    return [...this.byHost.values()].filter(r => r.credentials);
  }

  /** Every secret value, and encodings of them, for redaction. */
  secrets(): string[] {
    return [...this.byHost.values()].flatMap(({ credentials }) => {
      if (!credentials) return [];
      if ('token' in credentials) return [credentials.token];
      return [
        credentials.password,
        Buffer.from(`${credentials.username}:${credentials.password}`).toString(
          'base64',
        ),
      ];
    });
  }
}

/** Replaces every known secret in text with `[REDACTED]`. */
export function createRedactor(secrets: string[]): (text: string) => string {
  const values = secrets
    .filter(secret => secret.length >= 4)
    .sort((a, b) => b.length - a.length);
  return text =>
    values.reduce(
      (result, secret) => result.split(secret).join('[REDACTED]'),
      text,
    );
}
