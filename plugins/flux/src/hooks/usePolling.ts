import { useCallback, useEffect, useRef, useState } from 'react';
import useInterval from 'react-use/esm/useInterval';

/** How often the views refresh by default. */
export const DEFAULT_POLL_INTERVAL_MS = 5000;

export interface PollingState<T> {
  /** The latest answer; kept while a refresh runs or after it fails. */
  value?: T;
  /** The error of the latest attempt, cleared by the next success. */
  error?: Error;
  /** True only until the first answer or error for the current key. */
  loading: boolean;
  /** Fetch again now. */
  refresh: () => void;
}

/**
 * Runs `load` now, whenever `key` changes, on `refresh()` and every
 * `intervalMs`, keeping the previous value on screen meanwhile so a live
 * view never flickers. Answers that arrive after a newer request started
 * are dropped.
 */
export function usePolling<T>(
  key: string | undefined,
  load: () => Promise<T>,
  intervalMs: number | null = DEFAULT_POLL_INTERVAL_MS,
): PollingState<T> {
  const loadRef = useRef(load);
  loadRef.current = load;
  const [state, setState] = useState<{
    key?: string;
    value?: T;
    error?: Error;
  }>({});
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick(t => t + 1), []);

  useEffect(() => {
    if (key === undefined) {
      return undefined;
    }
    let current = true;
    loadRef.current().then(
      value => {
        if (current) setState({ key, value });
      },
      error => {
        if (current) {
          setState(previous => ({
            key,
            value: previous.key === key ? previous.value : undefined,
            error,
          }));
        }
      },
    );
    return () => {
      current = false;
    };
  }, [key, tick]);

  useInterval(refresh, key === undefined ? null : intervalMs);

  const settled = state.key === key;
  return {
    value: state.value,
    error: settled ? state.error : undefined,
    loading: key !== undefined && !settled,
    refresh,
  };
}
