/**
 * A per-instance cache whose entries live for a fixed time. Concurrent callers of a key share one load,
 * so a burst of batches reads the store once; a failed load is not cached (the next caller tries again).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expiresAtMs: number }>();

  constructor(
    private readonly ttlInMs: number,
    private readonly nowInMs: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.nowInMs();
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAtMs > now) return entry.value;
    const value = load();
    this.entries.set(key, { value, expiresAtMs: now + this.ttlInMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
