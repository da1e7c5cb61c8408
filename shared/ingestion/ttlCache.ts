/**
 * A per-instance cache whose entries live for a fixed time, or for a time chosen per value. Concurrent
 * callers of a key share one load, so a burst of batches reads the store once; a failed load is not
 * cached (the next caller tries again).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expiresAtMs: number }>();

  constructor(
    private readonly ttlInMs: number,
    private readonly nowInMs: () => number = Date.now,
  ) {}

  /** The cached value, or `load()`; `ttlOf` may shorten how long a loaded value is kept. */
  get(key: string, load: () => Promise<V>, ttlOf?: (value: V) => number): Promise<V> {
    const now = this.nowInMs();
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.expiresAtMs > now) return cached.value;
    const entry = { value: load(), expiresAtMs: now + this.ttlInMs };
    this.entries.set(key, entry);
    entry.value.then(
      (value) => {
        if (ttlOf !== undefined) entry.expiresAtMs = now + Math.min(this.ttlInMs, ttlOf(value));
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  clear(): void {
    this.entries.clear();
  }
}
