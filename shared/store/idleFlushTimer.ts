/**
 * An instance's timer for what it keeps unwritten between batches (usage counts, stateful observations): every tick
 * runs `flush` unless the previous run is still going; failures go to `onError` (what was not written is kept for the
 * next tick). Unref'd: it never keeps a process alive. Returns the function that stops it.
 */
export function startIdleFlushTimer(tickInMs: number, flush: () => Promise<unknown>, onError: (error: unknown) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    flush()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, tickInMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The tick of an idle flush for an interval: a sixth of it, 1 to 10 s. */
export function idleFlushTickOf(flushIntervalInMs: number): number {
  return Math.min(10_000, Math.max(1_000, flushIntervalInMs / 6));
}
