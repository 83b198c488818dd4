import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { GeneratedFile } from './ServiceTypeHandler';

/** Resolves a workspace-relative directory input, refusing ways out. */
export function resolveTargetDirectory(
  workspacePath: string,
  targetPath: string,
  input: string,
): { directory: string; relative: string } {
  if (path.isAbsolute(targetPath)) {
    throw new InputError(
      `${input} '${targetPath}' must be a path relative to the workspace, e.g. 'service' or '.'`,
    );
  }
  let directory: string;
  try {
    directory = resolveSafeChildPath(workspacePath, targetPath);
  } catch {
    throw new InputError(
      `${input} '${targetPath}' points outside the workspace; use a path inside it, e.g. 'service'`,
    );
  }
  const relative = path.relative(workspacePath, directory) || '.';
  return { directory, relative: relative.split(path.sep).join('/') };
}

/** What writing generated files did. */
export interface WriteResult {
  /** Paths (relative to the target directory) whose bytes were written. */
  changed: string[];
  /** Paths whose content on disk was already identical. */
  unchanged: string[];
}

/**
 * Writes generated files under `directory` (inside `workspacePath`), leaving
 * files whose bytes already match untouched, so a re-run changes nothing.
 */
export class GeneratedFileWriter {
  /**
   * A writer for the action input `targetPath`, resolved inside the
   * workspace's real path (the workspace itself may be behind a symlink).
   */
  static async open(options: {
    workspacePath: string;
    targetPath: string;
    signal?: AbortSignal;
  }): Promise<GeneratedFileWriter> {
    let workspacePath: string;
    try {
      workspacePath = await realpath(options.workspacePath);
    } catch {
      throw new InputError(
        `the workspace ${options.workspacePath} does not exist`,
      );
    }
    const { directory, relative } = resolveTargetDirectory(
      workspacePath,
      options.targetPath,
      'targetPath',
    );
    return new GeneratedFileWriter({
      workspacePath,
      directory,
      relative,
      signal: options.signal,
    });
  }

  constructor(
    private readonly options: {
      workspacePath: string;
      directory: string;
      /** `directory` relative to the workspace, with `/`; `.` for itself. */
      relative: string;
      signal?: AbortSignal;
    },
  ) {}

  /** The target directory relative to the workspace, e.g. `service` or `.`. */
  get relative(): string {
    return this.options.relative;
  }

  /** Checks every path before anything is written. */
  resolve(file: GeneratedFile): string {
    const { workspacePath, directory } = this.options;
    const normalized = path.posix.normalize(file.path);
    if (
      path.posix.isAbsolute(file.path) ||
      normalized.startsWith('../') ||
      normalized === '..'
    ) {
      throw new InputError(
        `generated file '${file.path}' would be written outside the target directory; a service type must generate relative paths`,
      );
    }
    const target = resolveSafeChildPath(directory, normalized);
    // The directory itself may be a symlink; resolveSafeChildPath checked the
    // file against it, this checks it against the workspace.
    resolveSafeChildPath(workspacePath, path.relative(workspacePath, target));
    return target;
  }

  async write(files: GeneratedFile[]): Promise<WriteResult> {
    const seen = new Set<string>();
    const targets = files.map(file => {
      if (seen.has(file.path)) {
        throw new InputError(`generated file '${file.path}' appears twice`);
      }
      seen.add(file.path);
      return { file, target: this.resolve(file) };
    });
    const result: WriteResult = { changed: [], unchanged: [] };
    for (const { file, target } of targets) {
      this.options.signal?.throwIfAborted();
      const existing = await readFile(target, 'utf8').catch(() => undefined);
      if (existing === file.content) {
        result.unchanged.push(file.path);
        continue;
      }
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.content, 'utf8');
      result.changed.push(file.path);
    }
    return result;
  }
}
