import type { Duration, RetryContext, RetryOptions } from '@azure/functions';

export type InvocationOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: unknown };

export interface InvokeWithRetryOptions {
  /** The function's own retry policy, if any; without one a failure is final, as in Azure. */
  retry: RetryOptions | undefined;
  /** Stops waiting between attempts (runtime shutdown); the outcome is then the last failure. */
  signal?: AbortSignal;
  onFailedAttempt?: (error: unknown, retryCount: number, nextDelayInMs: number | undefined) => void;
}

/**
 * Runs an invocation under a Functions retry policy: the same `retryContext` the host passes
 * (`retryCount` from 0, `maxRetryCount`, -1 meaning forever), fixed delay or exponential backoff with jitter.
 */
export async function invokeWithRetry(
  invoke: (retryContext: RetryContext | undefined) => Promise<unknown>,
  options: InvokeWithRetryOptions,
): Promise<InvocationOutcome> {
  const { retry } = options;
  for (let retryCount = 0; ; retryCount++) {
    const retryContext = retry ? { retryCount, maxRetryCount: retry.maxRetryCount } : undefined;
    try {
      await invoke(retryContext);
      return { ok: true, attempts: retryCount + 1 };
    } catch (error) {
      const exhausted = !retry || (retry.maxRetryCount !== -1 && retryCount >= retry.maxRetryCount);
      const delayInMs = exhausted ? undefined : retryDelayInMs(retry, retryCount);
      options.onFailedAttempt?.(error, retryCount, delayInMs);
      if (delayInMs === undefined || options.signal?.aborted) return { ok: false, attempts: retryCount + 1, error };
      const completed = await sleep(delayInMs, options.signal);
      if (!completed) return { ok: false, attempts: retryCount + 1, error };
    }
  }
}

export function retryDelayInMs(retry: RetryOptions, retryCount: number): number {
  if (retry.strategy === 'fixedDelay') return toMilliseconds(retry.delayInterval);
  const minimum = toMilliseconds(retry.minimumInterval);
  const maximum = toMilliseconds(retry.maximumInterval);
  const exponential = minimum * 2 ** Math.min(retryCount, 30);
  const jitter = 0.8 + Math.random() * 0.4;
  return Math.round(Math.min(maximum, exponential * jitter));
}

export function toMilliseconds(value: Duration | number): number {
  if (typeof value === 'number') return value;
  return (value.hours ?? 0) * 3_600_000 + (value.minutes ?? 0) * 60_000 + (value.seconds ?? 0) * 1000 + (value.milliseconds ?? 0);
}

/** Resolves true after the delay, or false as soon as the signal aborts. */
function sleep(delayInMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, delayInMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
