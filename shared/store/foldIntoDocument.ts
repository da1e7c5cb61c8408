import type { Container, ItemDefinition } from '@azure/cosmos';
import { etagOf, withoutSystemProperties } from './systemProperties';
import { TransientStoreError } from './transientFaults';
import { type VersionedDocumentCache } from './versionedDocumentCache';

/** Rounds of read-fold-write before the caller is handed a transient fault (and the batch is retried). */
const MAX_ROUNDS = 10;

/** What a fold did; `unchanged` carries the stored document (undefined when there was none). */
export type FoldOutcome<T> = { kind: 'created'; document: T } | { kind: 'replaced'; document: T } | { kind: 'unchanged'; document: T | undefined };

/** Store requests made by folds, for the batch summary and the benchmark. */
export interface FoldRequestStats {
  reads: number;
  writes: number;
  /** Writes that lost a race (412 or 409) and were redone. */
  conflicts: number;
}

export function emptyFoldRequestStats(): FoldRequestStats {
  return { reads: 0, writes: 0, conflicts: 0 };
}

/**
 * Read-modify-write of one document under optimistic concurrency: read it, `fold` it (undefined: nothing
 * to write), write back only if nobody changed it meanwhile (`If-Match` its ETag, or create-only when it
 * did not exist), and on a lost race start again from a fresh read. Concurrent writers therefore never
 * lose each other's changes. Store faults are thrown.
 *
 * With a `cache` (one instance's versions of the documents it folds), the first round starts from the cached version
 * without a read; a stale version fails its conditional write and the next round reads. A fold that changes nothing
 * of a cached version writes nothing and reads nothing: callers use a cache only where judging a stale version that
 * way is safe (see detectionStateStore). Any store fault drops the entry.
 *
 * `createFirst`: a document the cache does not know is taken as absent and created without a read (create-only: when
 * it exists, the 409 sends the fold to a fresh read like any lost race). For documents that are mostly new (alerts),
 * this saves the read that would answer 404; a document that existed costs one request more.
 */
export async function foldIntoDocument<T extends ItemDefinition>(
  container: Container,
  id: string,
  partitionKey: string,
  fold: (stored: T | undefined) => T | undefined,
  stats: FoldRequestStats,
  cache?: VersionedDocumentCache<T>,
  options: { createFirst?: boolean } = {},
): Promise<FoldOutcome<T>> {
  const cacheKey = `${partitionKey}\n${id}`;
  let known = cache?.get(cacheKey);
  // Taken as absent without a read: confirmed by the create-only write, or by a read when the fold writes nothing.
  let assumedAbsent = known === undefined && options.createFirst === true;
  if (assumedAbsent) known = { document: undefined, etag: undefined };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      if (known === undefined) {
        stats.reads++;
        const { resource } = await container.item(id, partitionKey).read<T>();
        known = resource === undefined ? { document: undefined, etag: undefined } : { document: withoutSystemProperties(resource), etag: etagOf(resource) };
        cache?.set(cacheKey, known);
      }
      const current = known.document;
      // A cached version is shared between batches: the fold gets its own copy to change.
      const next = fold(current === undefined || cache === undefined ? current : structuredClone(current));
      if (next === undefined && assumedAbsent) {
        assumedAbsent = false;
        known = undefined;
        continue;
      }
      if (next === undefined) return { kind: 'unchanged', document: current };
      stats.writes++;
      const written =
        known.etag === undefined
          ? await container.items.create<T>(next)
          : await container.item(id, partitionKey).replace<T>(next, { accessCondition: { type: 'IfMatch', condition: known.etag } });
      cache?.set(cacheKey, { document: next, etag: written.resource === undefined ? undefined : etagOf(written.resource) });
      return known.etag === undefined ? { kind: 'created', document: next } : { kind: 'replaced', document: next };
    } catch (error) {
      cache?.delete(cacheKey);
      known = undefined;
      assumedAbsent = false;
      const code = (error as { code?: unknown }).code;
      if (code !== 412 && code !== 409) throw error;
      stats.conflicts++;
    }
  }
  throw new TransientStoreError(`${container.id}/${id} kept changing under ${MAX_ROUNDS} concurrent writes; try again.`);
}
