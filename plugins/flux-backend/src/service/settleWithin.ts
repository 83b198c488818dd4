/**
 * Waits for `promise` to settle, but no longer than `ms`: used on shutdown,
 * where a request still in flight to a hung API server (bounded only by its
 * own timeout) must not hold the backend up; what it brings back is ignored.
 */
export async function settleWithin(
  promise: Promise<unknown> | undefined,
  ms: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise?.catch(() => {}),
    new Promise<void>(resolve => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
