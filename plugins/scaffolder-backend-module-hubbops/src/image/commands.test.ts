import { readFileSync } from 'node:fs';
import { CommandError, runCommand } from './commands';

/** Whether a process runs (a zombie, killed but not yet reaped, does not). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('runCommand', () => {
  it('streams redacted lines and collects stdout', async () => {
    const lines: string[] = [];
    const result = await runCommand({
      command: 'sh',
      args: ['-c', 'echo one s3cret; echo two >&2; printf three'],
      onLine: line => lines.push(line),
      redact: text => text.replace('s3cret', '[REDACTED]'),
      what: 'echoing',
    });
    expect(lines.sort()).toEqual(['one [REDACTED]', 'three', 'two']);
    expect(result.stdout).toBe('one s3cret\nthree');
  });

  it('fails with the last output when the command fails', async () => {
    await expect(
      runCommand({
        command: 'sh',
        args: ['-c', 'echo broken >&2; exit 3'],
        what: 'breaking',
      }),
    ).rejects.toThrow(
      /breaking failed: sh exited with code 3; its last output:\nbroken/,
    );
  });

  it('says when the command is not installed', async () => {
    const error = await runCommand({
      command: 'hubbops-no-such-command',
      args: [],
      what: 'building',
    }).catch(e => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error.notFound).toBe(true);
    expect(error.message).toContain('hubbops-no-such-command is not installed');
  });

  it('kills the whole process group on abort', async () => {
    const controller = new AbortController();
    const started = Date.now();
    let pid: string | undefined;
    const running = runCommand({
      command: 'sh',
      // A grandchild that would outlive a kill of sh alone.
      args: ['-c', 'sleep 30 & echo $!; wait'],
      onLine: line => {
        pid = line;
        controller.abort();
      },
      signal: controller.signal,
      what: 'sleeping',
    });
    await expect(running).rejects.toThrow('sleeping was cancelled');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(pid).toMatch(/^\d+$/);
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(isRunning(Number(pid))).toBe(false);
  });
});
