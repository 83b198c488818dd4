import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod/v3';
import { KUSTOMIZE_GROUP, SOURCE_GROUP } from './FluxStatus';

/** The kinds `applyPath` may hold: what makes Flux deploy a service. */
const APPLICABLE_KINDS: Record<string, string[]> = {
  [SOURCE_GROUP]: [
    'GitRepository',
    'OCIRepository',
    'HelmRepository',
    'Bucket',
  ],
  [KUSTOMIZE_GROUP]: ['Kustomization'],
};

/** kustomize's own build file is also `kind: Kustomization`, but not an object. */
const KUSTOMIZE_BUILD_GROUP = 'kustomize.config.k8s.io';

/** Metadata the API server sets; applying it would fail or conflict. */
const SERVER_FIELDS = [
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
];

const objectSchema = z.object({
  apiVersion: z.string().regex(/^[a-z0-9.-]+\/v[0-9a-z]+$/, {
    message: 'apiVersion must be <group>/<version>',
  }),
  kind: z.string().min(1),
  metadata: z
    .object({
      name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
        message: 'metadata.name must be a Kubernetes name',
      }),
      namespace: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
          message: 'metadata.namespace must be a Kubernetes namespace name',
        })
        .optional(),
    })
    .passthrough(),
  spec: z.record(z.unknown()).optional(),
});

/** A Flux object read from the workspace, ready to apply. */
export interface FluxObjectFile {
  /** Workspace-relative file it came from. */
  file: string;
  group: string;
  version: string;
  object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; [key: string]: unknown };
    spec?: Record<string, unknown>;
  };
}

export function describeObject(object: {
  kind: string;
  metadata: { name: string; namespace?: string };
}): string {
  return `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
}

/**
 * Reads the Flux source and Kustomization objects of `applyPath` (a YAML
 * file, or a directory's `*.yaml` / `*.yml` files), sources first. Anything
 * else is refused with an InputError: the scaffolder applies only what
 * makes Flux deploy, never workloads.
 */
export async function readFluxObjectFiles(
  workspacePath: string,
  applyPath: string,
  defaultNamespace: string,
): Promise<{ objects: FluxObjectFile[]; skipped: string[] }> {
  let target: string;
  try {
    target = resolveSafeChildPath(workspacePath, applyPath);
  } catch {
    throw new InputError(
      `applyPath "${applyPath}" points outside the workspace; it must be a path inside it, e.g. manifests/flux`,
    );
  }
  let files: string[];
  try {
    const info = await stat(target);
    if (info.isDirectory()) {
      files = (await readdir(target))
        .filter(name => /\.ya?ml$/.test(name))
        .sort()
        .map(name => path.join(target, name));
    } else {
      files = [target];
    }
  } catch {
    throw new InputError(
      `applyPath "${applyPath}" does not exist in the workspace; generate the Flux objects first (hubbops:codegen:manifests writes them to manifests/flux)`,
    );
  }
  if (files.length === 0) {
    throw new InputError(
      `applyPath "${applyPath}" holds no .yaml or .yml file`,
    );
  }
  const workspace = await realpath(workspacePath);
  const objects: FluxObjectFile[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const real = await realpath(file);
    if (real !== workspace && !real.startsWith(workspace + path.sep)) {
      throw new InputError(
        `${path.relative(
          workspacePath,
          file,
        )} leads outside the workspace through a symlink`,
      );
    }
    const name = path.relative(workspacePath, file);
    const documents = parseAllDocuments(await readFile(real, 'utf8'));
    for (const [index, document] of documents.entries()) {
      if (document.errors.length > 0) {
        throw new InputError(
          `${name} is not valid YAML: ${document.errors[0].message}`,
        );
      }
      const value = document.toJS();
      if (value === null || value === undefined) continue;
      const where =
        documents.length > 1 ? `${name} (document ${index + 1})` : name;
      const parsed = objectSchema.safeParse(value);
      if (!parsed.success) {
        throw new InputError(
          `${where} is not a Kubernetes object: ${parsed.error.issues
            .map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
            .join('; ')}`,
        );
      }
      const { apiVersion, kind, metadata } = parsed.data;
      const [group, version] = apiVersion.split('/');
      if (group === KUSTOMIZE_BUILD_GROUP) {
        skipped.push(`${where} (a kustomize build file, not a Flux object)`);
        continue;
      }
      if (!APPLICABLE_KINDS[group]?.includes(kind)) {
        throw new InputError(
          `${where} holds ${kind} ${metadata.name} (${apiVersion}), which is not a Flux source or Kustomization; ` +
            'applyPath may hold only GitRepository, OCIRepository, HelmRepository, Bucket and Kustomization objects ' +
            '(the workloads are applied by Flux from the GitOps repository)',
        );
      }
      const object = {
        ...(value as Record<string, unknown>),
        apiVersion,
        kind,
        metadata: {
          ...metadata,
          namespace: metadata.namespace ?? defaultNamespace,
        },
      } as FluxObjectFile['object'];
      const key = `${kind}/${object.metadata.namespace}/${metadata.name}`;
      if (seen.has(key)) {
        throw new InputError(
          `${describeObject(
            object,
          )} is defined twice in applyPath "${applyPath}"; keep one`,
        );
      }
      seen.add(key);
      // Only the desired state is applied; what the API server owns is not.
      delete (object as Record<string, unknown>).status;
      for (const field of SERVER_FIELDS) delete object.metadata[field];
      objects.push({ file: name, group, version, object });
    }
  }
  if (objects.length === 0) {
    throw new InputError(
      `applyPath "${applyPath}" holds no Flux object to apply`,
    );
  }
  // Sources first, so a new Kustomization finds its source.
  objects.sort(
    (a, b) =>
      Number(a.group === KUSTOMIZE_GROUP) - Number(b.group === KUSTOMIZE_GROUP),
  );
  return { objects, skipped };
}
