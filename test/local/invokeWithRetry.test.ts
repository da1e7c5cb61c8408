import { invokeWithRetry, retryDelayInMs, toMilliseconds } from '../../local/invokeWithRetry';

describe('invokeWithRetry', () => {
  it('when there is no retry policy, then one failure is final and no retry context is passed', async () => {
    const contexts: unknown[] = [];
    const outcome = await invokeWithRetry(
      (retryContext) => {
        contexts.push(retryContext);
        return Promise.reject(new Error('boom'));
      },
      { retry: undefined },
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(contexts).toEqual([undefined]);
  });

  it('when every attempt fails, then it stops after maxRetryCount retries', async () => {
    let attempts = 0;
    const outcome = await invokeWithRetry(
      () => {
        attempts += 1;
        return Promise.reject(new Error('still down'));
      },
      { retry: { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: 1 } },
    );
    expect(attempts).toBe(3);
    expect(outcome).toMatchObject({ ok: false, attempts: 3 });
  });

  it('when the runtime stops during a wait, then no further attempt is made', async () => {
    const stopping = new AbortController();
    let attempts = 0;
    const pending = invokeWithRetry(
      () => {
        attempts += 1;
        return Promise.reject(new Error('down'));
      },
      { retry: { strategy: 'fixedDelay', maxRetryCount: -1, delayInterval: 60_000 }, signal: stopping.signal },
    );
    stopping.abort();
    await expect(pending).resolves.toMatchObject({ ok: false, attempts: 1 });
    expect(attempts).toBe(1);
  });
});

describe('retryDelayInMs', () => {
  it('when the strategy is exponential backoff, then delays double from the minimum and are capped at the maximum', () => {
    const retry = { strategy: 'exponentialBackoff', maxRetryCount: 10, minimumInterval: 1000, maximumInterval: { seconds: 5 } } as const;
    const delays = [0, 1, 2, 3, 4].map((n) => retryDelayInMs(retry, n));
    expect(delays[0]).toBeGreaterThanOrEqual(800);
    expect(delays[0]).toBeLessThanOrEqual(1200);
    expect(delays[1]).toBeGreaterThanOrEqual(1600);
    expect(delays[1]).toBeLessThanOrEqual(2400);
    expect(delays[4]).toBe(5000);
  });

  it('when a Duration is given, then every unit counts', () => {
    expect(toMilliseconds({ hours: 1, minutes: 2, seconds: 3, milliseconds: 4 })).toBe(3_723_004);
  });
});
