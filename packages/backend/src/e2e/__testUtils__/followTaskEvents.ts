/** One event of a scaffolder task's event stream. */
export interface TaskEvent {
  id: number;
  type: string;
  createdAt: string;
  body: {
    message?: string;
    stepId?: string;
    status?: string;
    output?: Record<string, unknown>;
    [key: string]: unknown;
  };
}

/** A finished scaffolder task, as its event stream told it. */
export interface TemplateTaskRun {
  taskId: string;
  /** `completed` or `failed` (or `cancelled`). */
  status: string;
  /** The template's `output`. */
  output: Record<string, unknown>;
  /** Every log line, prefixed with its step. */
  log: string[];
  /** When (Date.now()) the task was created, and each step completed, as seen by this client. */
  startedAt: number;
  stepCompletedAt: Record<string, number>;
  finishedAt: number;
}

/**
 * Follows `GET /api/scaffolder/v2/tasks/:id/eventstream` (server-sent
 * events) until the completion event, recording when each step finished.
 */
export async function followTaskEvents(options: {
  baseUrl: string;
  authorization: string;
  taskId: string;
  startedAt: number;
  timeoutMs?: number;
}): Promise<TemplateTaskRun> {
  const { baseUrl, authorization, taskId, startedAt } = options;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(),
    options.timeoutMs ?? 240_000,
  );
  const log: string[] = [];
  const stepCompletedAt: Record<string, number> = {};
  let completion: TaskEvent | undefined;
  try {
    const response = await fetch(
      `${baseUrl}/api/scaffolder/v2/tasks/${taskId}/eventstream`,
      {
        headers: { Authorization: authorization, Accept: 'text/event-stream' },
        signal: controller.signal,
      },
    );
    if (!response.ok || !response.body) {
      throw new Error(`the event stream answered HTTP ${response.status}`);
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const data = message
          .split('\n')
          .filter(line => line.startsWith('data: '))
          .map(line => line.slice('data: '.length))
          .join('\n');
        if (!data) continue;
        const event = JSON.parse(data) as TaskEvent;
        const { stepId, status, message: text } = event.body;
        if (text) log.push(`[${stepId ?? 'task'}] ${text}`);
        if (stepId && status === 'completed') {
          stepCompletedAt[stepId] = Date.now();
        }
        if (event.type === 'completion') completion = event;
      }
      if (completion) break;
    }
  } catch (error) {
    if (!completion) {
      throw new Error(
        `task ${taskId} did not complete: ${
          (error as Error).message
        }\n${log.join('\n')}`,
      );
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  if (!completion) {
    throw new Error(
      `the event stream of task ${taskId} ended without completion:\n${log.join(
        '\n',
      )}`,
    );
  }
  const task = await fetch(`${baseUrl}/api/scaffolder/v2/tasks/${taskId}`, {
    headers: { Authorization: authorization },
  }).then(r => r.json());
  return {
    taskId,
    status: task.status,
    output: (completion.body.output ?? {}) as Record<string, unknown>,
    log,
    startedAt,
    stepCompletedAt,
    finishedAt: Date.now(),
  };
}
