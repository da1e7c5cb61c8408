/**
 * What one instance last read or wrote of documents it folds into (see foldIntoDocument's `cache`): the document
 * (undefined: known not to exist) and its ETag. A fold starts from the cached version instead of reading it, and its
 * conditional write (If-Match that ETag, or create-only) fails when another instance changed the document meanwhile,
 * which sends it back to a fresh read: a stale entry costs one extra round, never a lost change. Bounded by entries
 * (least recently used out first) and by age (so an instance that only reads never trusts an old copy for long).
 */

export interface VersionedDocument<T> {
  document: T | undefined;
  /** Undefined when the document is known not to exist. */
  etag: string | undefined;
}

export class VersionedDocumentCache<T> {
  private readonly entries = new Map<string, VersionedDocument<T> & { storedAtMs: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeInMs: number,
    private readonly nowInMs: () => number = Date.now,
  ) {}

  get(key: string): VersionedDocument<T> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (this.nowInMs() - entry.storedAtMs > this.maxAgeInMs) return undefined;
    this.entries.set(key, entry); // most recently used last
    return { document: entry.document, etag: entry.etag };
  }

  set(key: string, version: VersionedDocument<T>): void {
    this.entries.delete(key);
    this.entries.set(key, { ...version, storedAtMs: this.nowInMs() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
