/**
 * A delay between retries that stopping (or a forced resync) can cut short,
 * so a loop waiting out its backoff reacts at once instead of after it.
 */
export class InterruptibleDelay {
  #interrupt?: () => void;

  wait(ms: number): Promise<void> {
    return new Promise(resolve => {
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.#interrupt = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.#interrupt = done;
    });
  }

  /** Ends the current wait, if any. */
  interrupt(): void {
    this.#interrupt?.();
  }
}
