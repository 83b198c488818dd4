import { LoggerService } from '@backstage/backend-plugin-api';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';

/** Task checkpoints as the scaffolder keeps them: JSON values by key. */
export class CheckpointStore {
  readonly values = new Map<string, unknown>();
  readonly ran: string[] = [];

  checkpoint = async (opts: { key: string; fn: () => unknown }) => {
    if (this.values.has(opts.key)) return this.values.get(opts.key) as any;
    this.ran.push(opts.key);
    const value = await opts.fn();
    this.values.set(opts.key, JSON.parse(JSON.stringify(value ?? null)));
    return value as any;
  };
}

function recordingLogger(lines: string[]): LoggerService {
  const record = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  const logger: LoggerService = {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    child: () => logger,
  };
  return logger;
}

/** Runs a template action the way a scaffolder task step does. */
export async function runAction(
  action: TemplateAction<any, any, any>,
  options: {
    input: Record<string, unknown>;
    workspacePath: string;
    isDryRun?: boolean;
    store?: CheckpointStore;
    signal?: AbortSignal;
  },
) {
  const lines: string[] = [];
  const outputs: Record<string, any> = {};
  const store = options.store ?? new CheckpointStore();
  const ctx = {
    ...createMockActionContext({
      input: options.input as any,
      workspacePath: options.workspacePath,
      logger: recordingLogger(lines) as any,
    }),
    isDryRun: options.isDryRun,
    signal: options.signal,
    checkpoint: store.checkpoint,
    output: (name: string, value: unknown) => {
      outputs[name] = value;
    },
  };
  await action.handler(ctx as any);
  return { outputs, lines, store };
}
