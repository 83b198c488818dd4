import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, normalize, relative } from 'node:path';
import { ChildProcesses, ChildProcessError } from './ChildProcesses';
import { Failure, InventoryEntry } from './FluxStatusBuilders';

/**
 * What kustomize-controller builds from a Kustomization's `spec.path` in
 * a source checkout: the inventory of the objects it would apply, or
 * Flux's failure when the path is missing or kustomize fails. Built with
 * the real `kubectl kustomize`; without kubectl only the path is checked.
 */
export type KustomizationBuild =
  | { inventory: InventoryEntry[] }
  | { failure: Failure }
  | { unchecked: string };

const KUSTOMIZATION_FILES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    s => s.isDirectory(),
    () => false,
  );
}

async function hasKustomization(dir: string): Promise<boolean> {
  const names = await readdir(dir);
  return KUSTOMIZATION_FILES.some(name => names.includes(name));
}

/**
 * As kustomize-controller's generator: every Kubernetes object file under
 * `dir`, and every subdirectory with its own kustomization as a whole.
 */
async function generatedResources(root: string, dir = root): Promise<string[]> {
  const resources: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort(
    (a, b) => a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (await hasKustomization(path)) {
        resources.push(relative(root, path));
      } else {
        resources.push(...(await generatedResources(root, path)));
      }
    } else if (/\.ya?ml$/.test(entry.name)) {
      const text = await readFile(path, 'utf8');
      if (/^apiVersion:/m.test(text) && /^kind:/m.test(text)) {
        resources.push(relative(root, path));
      }
    }
  }
  return resources;
}

function scalar(text: string | undefined): string | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  const quoted = /^(['"])(.*)\1$/.exec(value);
  return quoted ? quoted[2] : value;
}

/**
 * The identity of each object in kustomize's output. kustomize prints
 * canonical YAML (top-level keys unindented, two-space indentation), so
 * the four fields an inventory needs are read from their lines.
 */
export function objectsOfKustomizeOutput(output: string) {
  const objects: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
  }> = [];
  for (const document of output.split(/^---\s*$/m)) {
    let apiVersion: string | undefined;
    let kind: string | undefined;
    let name: string | undefined;
    let namespace: string | undefined;
    let inMetadata = false;
    for (const line of document.split('\n')) {
      const top = /^([A-Za-z]+):(.*)$/.exec(line);
      if (top) {
        inMetadata = top[1] === 'metadata';
        if (top[1] === 'apiVersion') apiVersion = scalar(top[2]);
        if (top[1] === 'kind') kind = scalar(top[2]);
        continue;
      }
      const child = inMetadata
        ? /^ {2}(name|namespace):(.*)$/.exec(line)
        : null;
      if (child?.[1] === 'name') name = scalar(child[2]);
      if (child?.[1] === 'namespace') namespace = scalar(child[2]);
    }
    if (apiVersion && kind && name) {
      objects.push({ apiVersion, kind, name, namespace });
    }
  }
  return objects;
}

export async function buildKustomization(options: {
  /** The checked-out source. */
  checkout: string;
  /** `spec.path`; kept inside the checkout, as Flux's secure join does. */
  path: string | undefined;
  targetNamespace?: string;
  processes: ChildProcesses;
  isNamespaced: (group: string, kind: string) => boolean;
}): Promise<KustomizationBuild> {
  const target = join(options.checkout, normalize(`/${options.path ?? ''}`));
  if (!(await isDirectory(target))) {
    return {
      failure: {
        reason: 'ArtifactFailed',
        message: `kustomization path not found: stat ${target}: no such file or directory`,
        stalled: false,
      },
    };
  }
  if (!(await hasKustomization(target))) {
    const resources = await generatedResources(target);
    // JSON is YAML: the same file kustomize-controller would generate.
    await writeFile(
      join(target, 'kustomization.yaml'),
      JSON.stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources,
      }),
    );
  }
  let output: string;
  try {
    output = await options.processes.run('kubectl', ['kustomize', target]);
  } catch (error) {
    if (error instanceof ChildProcessError && error.notFound) {
      return { unchecked: 'kubectl is not installed' };
    }
    return {
      failure: {
        reason: 'BuildFailed',
        message: `kustomize build failed: ${(error as Error).message}`,
        stalled: false,
      },
    };
  }
  return {
    inventory: objectsOfKustomizeOutput(output).map(object => {
      const [group, version] = object.apiVersion.includes('/')
        ? object.apiVersion.split('/')
        : ['', object.apiVersion];
      const namespace = options.isNamespaced(group, object.kind)
        ? options.targetNamespace ?? object.namespace ?? ''
        : '';
      return {
        id: `${namespace}_${object.name}_${group}_${object.kind}`,
        v: version,
      };
    }),
  };
}
