/**
 * Polls `check` until it returns a truthy value (or stops throwing), for
 * assertions on things that happen asynchronously (watch events, controller
 * reconciles). Fails with the last error after `timeoutMs`.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | null,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = check();
      if (result) return result;
      lastError = new Error('condition not met');
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw lastError;
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}
