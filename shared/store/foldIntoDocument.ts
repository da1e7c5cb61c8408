import type { Container, ItemDefinition } from '@azure/cosmos';
import { etagOf, withoutSystemProperties } from './systemProperties';
import { TransientStoreError } from './transientFaults';

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
 */
export async function foldIntoDocument<T extends ItemDefinition>(
  container: Container,
  id: string,
  partitionKey: string,
  fold: (stored: T | undefined) => T | undefined,
  stats: FoldRequestStats,
): Promise<FoldOutcome<T>> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    stats.reads++;
    const { resource } = await container.item(id, partitionKey).read<T>();
    const current = resource === undefined ? undefined : withoutSystemProperties(resource);
    const next = fold(current);
    if (next === undefined) return { kind: 'unchanged', document: current };
    stats.writes++;
    try {
      if (resource === undefined) {
        await container.items.create<T>(next);
        return { kind: 'created', document: next };
      }
      await container.item(id, partitionKey).replace<T>(next, { accessCondition: { type: 'IfMatch', condition: etagOf(resource) } });
      return { kind: 'replaced', document: next };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 412 && code !== 409) throw error;
      stats.conflicts++;
    }
  }
  throw new TransientStoreError(`${container.id}/${id} kept changing under ${MAX_ROUNDS} concurrent writes; try again.`);
}
