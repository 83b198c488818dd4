import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildProcesses } from './ChildProcesses';

/**
 * Real `git` against a GitRepository's URL, as source-controller reaches
 * it: `git ls-remote` for the revision a ref points at, and shallow
 * fetches of a commit's files.
 */

/** The ref of a GitRepository (`spec.ref`), as Flux reads it. */
export interface GitReference {
  branch?: string;
  tag?: string;
  name?: string;
  commit?: string;
}

export type GitResolution =
  | { revision: string; commit: string }
  | { error: string };

/** URLs resolved for real: what `git` reaches without credentials or ssh. */
export function isResolvableGitUrl(url: string | undefined): url is string {
  return typeof url === 'string' && /^(https?|file):\/\//i.test(url);
}

/** The commit a Flux revision names: `main@sha1:<sha>`, `main/<sha>`, `sha1:<sha>`. */
export function commitOfRevision(revision: string | undefined) {
  return /(?:^|[@/:])([0-9a-f]{40})$/.exec(revision ?? '')?.[1];
}

const GIT_ENV = {
  // Never wait for a password on a terminal nobody watches.
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'true',
};

export class GitRemote {
  readonly #processes: ChildProcesses;

  constructor(processes: ChildProcesses) {
    this.#processes = processes;
  }

  #git(args: string[], cwd?: string) {
    return this.#processes.run('git', args, { cwd, env: GIT_ENV });
  }

  /**
   * The revision `ref` names at `url`, formatted as Flux 2 does
   * (`main@sha1:<sha>`, `v1.0.0@sha1:<sha>`, `sha1:<sha>` for a bare
   * commit) or as Flux 0.x did (`main/<sha>`); errors carry Flux's message.
   */
  async resolve(
    url: string,
    ref: GitReference,
    legacy: boolean,
  ): Promise<GitResolution> {
    const format = (name: string | undefined, sha: string) => {
      if (!name) return legacy ? sha : `sha1:${sha}`;
      return legacy ? `${name}/${sha}` : `${name}@sha1:${sha}`;
    };
    const cloneError = (reason: string) => ({
      error: `failed to checkout and determine revision: unable to clone '${url}': ${reason}`,
    });
    let wanted: string[];
    let label: string | undefined;
    if (ref.name) {
      wanted = [ref.name];
      label = ref.name;
    } else if (ref.tag) {
      // Annotated tags: the peeled `^{}` line holds the commit.
      wanted = [`refs/tags/${ref.tag}`, `refs/tags/${ref.tag}^{}`];
      label = ref.tag;
    } else if (ref.branch || !ref.commit) {
      wanted = [`refs/heads/${ref.branch ?? 'main'}`];
      label = ref.branch ?? 'main';
    } else {
      // A bare commit cannot be checked through ls-remote; Flux names it alone.
      return { revision: format(undefined, ref.commit), commit: ref.commit };
    }
    let output: string;
    try {
      output = await this.#git(['ls-remote', '--', url, ...wanted]);
    } catch (error) {
      return cloneError((error as Error).message);
    }
    const refs = new Map<string, string>();
    for (const line of output.split('\n')) {
      const [sha, name] = line.trim().split(/\s+/);
      if (sha && name) refs.set(name, sha);
    }
    const sha = refs.get(wanted[1] ?? '') ?? refs.get(wanted[0]);
    if (!sha) {
      return cloneError(`couldn't find remote ref "${wanted[0]}"`);
    }
    if (ref.commit && ref.commit !== sha) {
      // Flux checks the commit out on the branch; it names the branch.
      return { revision: format(label, ref.commit), commit: ref.commit };
    }
    return { revision: format(label, sha), commit: sha };
  }

  /**
   * Fetches the files of `commit` at `url`, without history, into a new
   * directory under `parent`, as kustomize-controller unpacks an artifact
   * into `/tmp/kustomization-<n>`; the caller removes it.
   */
  async checkout(url: string, commit: string, parent = tmpdir()) {
    const dir = await mkdtemp(join(parent, 'kustomization-'));
    await this.#git(['init', '--quiet', dir]);
    await this.#git(['fetch', '--quiet', '--depth', '1', url, commit], dir);
    await this.#git(['checkout', '--quiet', 'FETCH_HEAD'], dir);
    return dir;
  }
}
