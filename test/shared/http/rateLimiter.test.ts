import { type RateLimitDecision, RateLimiter } from '../../../shared/http/rateLimiter';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const SECOND = 1000;

/** Takes `count` tokens from `key` at `now` and gives back the decisions' kinds. */
function takeMany(limiter: RateLimiter, key: string, count: number, now: number): RateLimitDecision['kind'][] {
  return Array.from({ length: count }, () => limiter.take(key, now).kind);
}

describe('RateLimiter (token bucket per key)', () => {
  it('when a key makes as many requests at once as its limit a minute, then all pass and the next is limited', () => {
    const limiter = new RateLimiter({ limitPerMinute: 5 });
    expect(takeMany(limiter, 'a', 5, T0)).toEqual(['allowed', 'allowed', 'allowed', 'allowed', 'allowed']);
    expect(limiter.take('a', T0)).toMatchObject({ kind: 'limited' });
  });

  it('when a bucket is empty, then Retry-After is the whole seconds until the next token, and a request then passes', () => {
    // 6 a minute: a token every 10 s.
    const limiter = new RateLimiter({ limitPerMinute: 6 });
    takeMany(limiter, 'a', 6, T0);
    expect(limiter.take('a', T0)).toEqual({ kind: 'limited', retryAfterInSeconds: 10, firstRefusal: true });
    expect(limiter.take('a', T0 + 3_500)).toEqual({ kind: 'limited', retryAfterInSeconds: 7, firstRefusal: false });
    expect(limiter.take('a', T0 + 9_999)).toEqual({ kind: 'limited', retryAfterInSeconds: 1, firstRefusal: false });
    expect(limiter.take('a', T0 + 10 * SECOND)).toEqual({ kind: 'allowed' });
    expect(limiter.take('a', T0 + 10 * SECOND)).toMatchObject({ kind: 'limited', retryAfterInSeconds: 10 });
  });

  it('when the limit refills faster than a token a second, then Retry-After is still at least 1', () => {
    const limiter = new RateLimiter({ limitPerMinute: 6000 });
    takeMany(limiter, 'a', 6000, T0);
    const decision = limiter.take('a', T0);
    expect(decision).toEqual({ kind: 'limited', retryAfterInSeconds: 1, firstRefusal: true });
  });

  it('when a key is limited, then another key still has its whole bucket', () => {
    const limiter = new RateLimiter({ limitPerMinute: 2 });
    takeMany(limiter, 'a', 3, T0);
    expect(takeMany(limiter, 'b', 3, T0)).toEqual(['allowed', 'allowed', 'limited']);
  });

  it('when a key is idle for a minute or more, then it has a full bucket again, never more', () => {
    const limiter = new RateLimiter({ limitPerMinute: 3 });
    takeMany(limiter, 'a', 3, T0);
    expect(takeMany(limiter, 'a', 4, T0 + 60 * SECOND)).toEqual(['allowed', 'allowed', 'allowed', 'limited']);
    expect(takeMany(limiter, 'a', 4, T0 + 3_600 * SECOND)).toEqual(['allowed', 'allowed', 'allowed', 'limited']);
  });

  it('when requests come at exactly the limit\'s pace, then every one passes', () => {
    const limiter = new RateLimiter({ limitPerMinute: 60 });
    takeMany(limiter, 'a', 60, T0);
    const paced = Array.from({ length: 120 }, (_, i) => limiter.take('a', T0 + (i + 1) * SECOND).kind);
    expect(paced.every((kind) => kind === 'allowed')).toBe(true);
    expect(limiter.take('a', T0 + 120 * SECOND).kind).toBe('limited');
  });

  it('when the clock goes back, then nothing is refilled and the bucket is not overdrawn', () => {
    const limiter = new RateLimiter({ limitPerMinute: 6 });
    takeMany(limiter, 'a', 6, T0);
    expect(limiter.take('a', T0 - 60 * SECOND).kind).toBe('limited');
    // Time is measured from the latest instant seen: 10 s after T0 one token has come back.
    expect(limiter.take('a', T0 + 10 * SECOND).kind).toBe('allowed');
  });

  it('when a limited key is allowed again and then limited again, then the refusal counts as a first refusal again', () => {
    const limiter = new RateLimiter({ limitPerMinute: 6 });
    takeMany(limiter, 'a', 6, T0);
    expect(limiter.take('a', T0)).toMatchObject({ firstRefusal: true });
    expect(limiter.take('a', T0)).toMatchObject({ firstRefusal: false });
    expect(limiter.take('a', T0 + 10 * SECOND).kind).toBe('allowed');
    expect(limiter.take('a', T0 + 10 * SECOND)).toMatchObject({ firstRefusal: true });
  });

  it('when the limit is 0, then every request passes and nothing is kept', () => {
    const limiter = new RateLimiter({ limitPerMinute: 0 });
    expect(takeMany(limiter, 'a', 1000, T0).every((kind) => kind === 'allowed')).toBe(true);
    expect(limiter.size).toBe(0);
  });

  it('when the limit is negative or fractional, then the limiter refuses to be made', () => {
    expect(() => new RateLimiter({ limitPerMinute: -1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ limitPerMinute: 1.5 })).toThrow(RangeError);
  });

  it('when more keys than maxKeys are seen, then the full buckets are dropped and a bucket still refilling is kept', () => {
    const limiter = new RateLimiter({ limitPerMinute: 2, maxKeys: 10 });
    takeMany(limiter, 'busy', 2, T0);
    for (let i = 0; i < 9; i++) limiter.take(`once-${i}`, T0);
    // Just under a minute later: the one-off callers' buckets are full again, busy's is 2 ms short of full.
    limiter.take('later', T0 + 60 * SECOND - 1);
    expect(limiter.size).toBe(2);
    // Kept: one token and a bit, so one passes; a dropped bucket would have come back full and let two through.
    expect(takeMany(limiter, 'busy', 2, T0 + 60 * SECOND - 1)).toEqual(['allowed', 'limited']);
  });

  it('when the map is full of buckets still refilling, then the least recently used are dropped and the newest kept', () => {
    const limiter = new RateLimiter({ limitPerMinute: 1, maxKeys: 10 });
    for (let i = 0; i < 10; i++) limiter.take(`k-${i}`, T0 + i);
    limiter.take('newest', T0 + 10);
    expect(limiter.size).toBeLessThanOrEqual(10);
    // k-9 was used last before `newest`: it is still limited; k-0, the least recently used, was dropped (a fresh bucket).
    expect(limiter.take('k-9', T0 + 11).kind).toBe('limited');
    expect(limiter.take('newest', T0 + 11).kind).toBe('limited');
    expect(limiter.take('k-0', T0 + 11).kind).toBe('allowed');
  });
});
