import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real kubectl against a kubeconfig in a private temporary
 * directory (HOME and discovery cache included, so nothing leaks between
 * tests or into the user's ~/.kube).
 */
export class Kubectl {
  readonly directory: string;
  readonly kubeconfigPath: string;
  readonly #binary: string;
  readonly #children = new Set<ChildProcess>();

  constructor(kubeconfig: string, binary = process.env.KUBECTL ?? 'kubectl') {
    this.directory = mkdtempSync(join(tmpdir(), 'hubbops-kubectl-'));
    this.kubeconfigPath = join(this.directory, 'kubeconfig');
    writeFileSync(this.kubeconfigPath, kubeconfig);
    this.#binary = binary;
  }

  /** Writes a file into the private directory and returns its path. */
  file(name: string, content: string): string {
    const path = join(this.directory, name);
    writeFileSync(path, content);
    return path;
  }

  spawn(args: string[]): ChildProcess {
    const child = spawn(
      this.#binary,
      [
        '--kubeconfig',
        this.kubeconfigPath,
        '--cache-dir',
        join(this.directory, 'cache'),
        ...args,
      ],
      {
        env: {
          ...process.env,
          HOME: this.directory,
          KUBECONFIG: this.kubeconfigPath,
        },
      },
    );
    this.#children.add(child);
    child.on('exit', () => this.#children.delete(child));
    return child;
  }

  run(...args: string[]): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(args);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', chunk => {
        stdout += chunk;
      });
      child.stderr!.on('data', chunk => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', code => resolve({ code, stdout, stderr }));
    });
  }

  /** Runs kubectl and fails with its output unless it exits 0. */
  async ok(...args: string[]): Promise<string> {
    const result = await this.run(...args);
    if (result.code !== 0) {
      throw new Error(
        `kubectl ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${
          result.stderr
        }`,
      );
    }
    return result.stdout;
  }

  dispose(): void {
    for (const child of this.#children) child.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
