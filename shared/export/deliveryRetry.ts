import { setTimeout as sleepFor } from 'node:timers/promises';
import { type WebhookAttempt } from './deliverWebhook';

export interface DeliverWithRetryOptions {
  /** Attempts in all, the first included. Default 4. */
  maxAttempts?: number;
  /** The backoff before the second attempt is at most this; it doubles per attempt. Default 1 s. */
  baseDelayInMs?: number;
  /** No wait is longer; a `Retry-After` above it ends the retries. Default 30 s. */
  maxDelayInMs?: number;
  /** Test seam: waits this long. */
  sleep?: (delayInMs: number) => Promise<void>;
  /** Test seam: a number in [0, 1) for the jitter. */
  random?: () => number;
}

export interface DeliveryResult {
  /** The last attempt's outcome. */
  final: WebhookAttempt;
  /** How many attempts were made. */
  attempts: number;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_BASE_DELAY_IN_MS = 1000;
export const DEFAULT_MAX_DELAY_IN_MS = 30_000;

/**
 * Repeats a delivery attempt while it is retryable, up to `maxAttempts`, waiting between attempts with
 * exponential backoff and full jitter (`random() * min(maxDelay, base * 2^n)`), or at least the receiver's
 * `Retry-After`. Stops at once on delivered or rejected, and when `Retry-After` asks for more than
 * `maxDelayInMs`: the retryable outcome is returned so that the caller dead-letters it.
 */
export async function deliverWithRetry(
  attempt: () => Promise<WebhookAttempt>,
  options: DeliverWithRetryOptions = {},
): Promise<DeliveryResult> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const baseDelayInMs = options.baseDelayInMs ?? DEFAULT_BASE_DELAY_IN_MS;
  const maxDelayInMs = options.maxDelayInMs ?? DEFAULT_MAX_DELAY_IN_MS;
  const sleep = options.sleep ?? ((delayInMs: number) => sleepFor(delayInMs));
  const random = options.random ?? Math.random;

  for (let attempts = 1; ; attempts++) {
    const final = await attempt();
    if (final.kind !== 'retryable' || attempts >= maxAttempts) return { final, attempts };
    if (final.retryAfterInMs !== undefined && final.retryAfterInMs > maxDelayInMs) return { final, attempts };
    const backoffInMs = random() * Math.min(maxDelayInMs, baseDelayInMs * 2 ** (attempts - 1));
    await sleep(Math.max(backoffInMs, final.retryAfterInMs ?? 0));
  }
}

export interface TargetCircuitBreakerOptions {
  /** Consecutive failed deliveries after which the breaker opens. Default 3. */
  threshold?: number;
  /** How long an open breaker stays open before one delivery may try again. Default 60 s. */
  coolDownInMs?: number;
  /** Test seam: the clock, in milliseconds. */
  nowInMs?: () => number;
}

export const DEFAULT_BREAKER_THRESHOLD = 3;
export const DEFAULT_BREAKER_COOL_DOWN_IN_MS = 60_000;

/**
 * Stops deliveries to one target once it looks down: after `threshold` consecutive deliveries that ended
 * failed (retryable after all attempts, or rejected), `isOpen()` is true for `coolDownInMs`, and the
 * caller dead-letters deliveries to that target as `targetUnavailable` instead of attempting them. After
 * the cool-down one delivery is let through (half open): success closes the breaker, failure opens it for
 * another cool-down. Kept per target across batches on an instance, this is what keeps a receiver that is
 * down from getting `deliveries * maxAttempts` requests, batch after batch.
 */
export class TargetCircuitBreaker {
  readonly threshold: number;
  private readonly coolDownInMs: number;
  private readonly nowInMs: () => number;
  private failures = 0;
  private openedAtMs: number | undefined;

  constructor(options: TargetCircuitBreakerOptions = {}) {
    this.threshold = Math.max(1, options.threshold ?? DEFAULT_BREAKER_THRESHOLD);
    this.coolDownInMs = options.coolDownInMs ?? DEFAULT_BREAKER_COOL_DOWN_IN_MS;
    this.nowInMs = options.nowInMs ?? Date.now;
  }

  /** True when a delivery to this target must not be attempted now. */
  isOpen(): boolean {
    if (this.openedAtMs === undefined) return false;
    if (this.nowInMs() - this.openedAtMs < this.coolDownInMs) return true;
    // Half open: let this delivery through; its outcome closes the breaker or opens it again.
    this.openedAtMs = undefined;
    this.failures = this.threshold - 1;
    return false;
  }

  /** Failed deliveries in a row so far. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Records how a delivery (all its attempts) ended. */
  record(final: WebhookAttempt): void {
    if (final.kind === 'delivered') {
      this.failures = 0;
      this.openedAtMs = undefined;
      return;
    }
    this.failures++;
    if (this.failures >= this.threshold) this.openedAtMs = this.nowInMs();
  }
}
