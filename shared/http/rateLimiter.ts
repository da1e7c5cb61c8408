/**
 * A token bucket per key, pure: no I/O, no timers, the clock passed in (`nowInMs`). Each key's bucket holds a
 * minute's worth of requests (`limitPerMinute`) and refills continuously at `limitPerMinute` a minute, so a
 * caller may burst up to the limit and then goes on at the limit's pace. A request takes one token; without
 * one it is refused with the whole seconds until the next token (at least 1), the `Retry-After` to send.
 *
 * The buckets live in the memory of one instance: like Azure API Management's `rate-limit-by-key` (which
 * counts per gateway instance), the limit holds per instance, so N instances let through up to N times it.
 * A bucket left alone long enough to be full again is the same as no bucket, so full buckets are dropped
 * when the map grows past `maxKeys`; if it is still too large the least recently used go (which can only
 * let a caller through sooner, never refuse one).
 */

export interface RateLimiterOptions {
  /** Requests a key may make a minute (and the burst it may make at once); 0 turns the limit off. */
  limitPerMinute: number;
  /** Buckets kept before the full ones (then the least recently used) are dropped; default 10,000. */
  maxKeys?: number;
}

export type RateLimitDecision =
  | { kind: 'allowed' }
  /** `firstRefusal`: the key's first refusal since it was last allowed (log once per throttled streak, not per request). */
  | { kind: 'limited'; retryAfterInSeconds: number; firstRefusal: boolean };

interface Bucket {
  /** Tokens held, in token-milliseconds of refill: one token is MS_PER_MINUTE units, refilled at limitPerMinute units a ms. */
  units: number;
  lastRefillInMs: number;
  refusing: boolean;
}

const MS_PER_MINUTE = 60_000;
const DEFAULT_MAX_KEYS = 10_000;

export class RateLimiter {
  readonly limitPerMinute: number;
  private readonly maxKeys: number;
  /** In order of last use (a used bucket is moved to the end). */
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limitPerMinute) || options.limitPerMinute < 0) throw new RangeError('RateLimiter: limitPerMinute must be a non-negative integer.');
    this.limitPerMinute = options.limitPerMinute;
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /** Takes a token from `key`'s bucket at `nowInMs` (milliseconds; only differences matter). */
  take(key: string, nowInMs: number): RateLimitDecision {
    if (this.limitPerMinute === 0) return { kind: 'allowed' };
    const now = Math.floor(nowInMs);
    const bucket = this.refilled(this.buckets.get(key), now);
    // Re-inserted at the end: the map stays in order of last use.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (bucket.units >= MS_PER_MINUTE) {
      bucket.units -= MS_PER_MINUTE;
      bucket.refusing = false;
      return { kind: 'allowed' };
    }
    const firstRefusal = !bucket.refusing;
    bucket.refusing = true;
    const waitInMs = Math.ceil((MS_PER_MINUTE - bucket.units) / this.limitPerMinute);
    return { kind: 'limited', retryAfterInSeconds: Math.max(1, Math.ceil(waitInMs / 1000)), firstRefusal };
  }

  /** How many buckets are kept (for tests and diagnostics). */
  get size(): number {
    return this.buckets.size;
  }

  private get capacityInUnits(): number {
    return this.limitPerMinute * MS_PER_MINUTE;
  }

  private refilled(bucket: Bucket | undefined, now: number): Bucket {
    if (bucket === undefined) {
      this.evictIfFull(now);
      return { units: this.capacityInUnits, lastRefillInMs: now, refusing: false };
    }
    // A clock that goes back refills nothing; a minute refills everything (capping keeps the product exact).
    const elapsedInMs = Math.min(Math.max(0, now - bucket.lastRefillInMs), MS_PER_MINUTE);
    bucket.units = Math.min(this.capacityInUnits, bucket.units + elapsedInMs * this.limitPerMinute);
    bucket.lastRefillInMs = Math.max(bucket.lastRefillInMs, now);
    return bucket;
  }

  /** Before a new bucket is added to a full map: drops the full buckets, then the least recently used down to 90%. */
  private evictIfFull(now: number): void {
    if (this.buckets.size < this.maxKeys) return;
    for (const [key, bucket] of this.buckets) {
      if (this.refilled(bucket, now).units >= this.capacityInUnits) this.buckets.delete(key);
    }
    const target = Math.min(this.maxKeys - 1, Math.floor(this.maxKeys * 0.9));
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(key);
    }
  }
}
