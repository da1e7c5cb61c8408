import type { Database } from '@azure/cosmos';

/**
 * What a run of the pipeline leaves in the store, in a form two runs can be compared in: every document of the
 * containers ingestion writes, sorted by id, without the server's properties and without the fields that say when
 * something was written (the wall clock differs between two runs; the event times do not). Usage is summed per
 * subscription, signal and cluster: its documents are per hour of enqueue time, which two runs need not share.
 */
export interface FinalState {
  alerts: Record<string, unknown>[];
  usage: Record<string, Record<string, number>>;
  /** Every record dead-lettered on its own (data errors), by id. */
  deadLetters: Record<string, unknown>[];
  /**
   * The reasons (and categories) of sampled dead letters: records that are no data of the signal (other diagnostic
   * categories, control messages, node event types no rule reads) are counted and only the first per batch and key is
   * kept, so which record is the sample depends on how the hub cut the batches (which differs between any two runs).
   */
  sampledDeadLetters: string[];
  workloads: Record<string, unknown>[];
  detectionState: Record<string, unknown>[];
  assessments: Record<string, unknown>[];
}

const SERVER_PROPERTIES = new Set(['_rid', '_self', '_etag', '_attachments', '_ts', '_lsn']);

/** Fields stamped with the wall clock of the instance that wrote them (not with the time of an event). */
const WRITE_TIME_FIELDS = new Set([
  'timeGeneratedUtc',
  'lastModifiedUtc',
  'updatedUtc',
  'updatedAtUtc',
  'createdAtUtc',
  'deadLetteredAtUtc',
  // The hub's clock at enqueue time (dead letters name it; usage hours derive from it, summed away below).
  'enqueuedTimeUtc',
]);

const SAMPLED_REASONS = new Set(['otherCategory', 'controlMessage', 'unsupportedNodeEventType']);

export async function readFinalState(database: Database): Promise<FinalState> {
  const all = async (container: string): Promise<Record<string, unknown>[]> => {
    const { resources } = await database.container(container).items.readAll<Record<string, unknown>>().fetchAll();
    return resources.map((doc) => withoutVolatileFields(doc) as Record<string, unknown>).sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
  };
  return {
    alerts: await all('alerts'),
    usage: sumUsage(await all('usage')),
    ...splitDeadLetters(await all('deadLetters')),
    workloads: await all('workloads'),
    detectionState: await all('detectionState'),
    assessments: await all('assessments'),
  };
}

function splitDeadLetters(letters: Record<string, unknown>[]): Pick<FinalState, 'deadLetters' | 'sampledDeadLetters'> {
  const sampled = letters.filter((letter) => SAMPLED_REASONS.has(String(letter['reason'])));
  return {
    deadLetters: letters.filter((letter) => !SAMPLED_REASONS.has(String(letter['reason']))),
    sampledDeadLetters: [...new Set(sampled.map((letter) => `${String(letter['reason'])}/${typeof letter['category'] === 'string' ? letter['category'] : ''}`))].sort(),
  };
}

function withoutVolatileFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatileFields);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !SERVER_PROPERTIES.has(key) && !WRITE_TIME_FIELDS.has(key))
      .map(([key, field]) => [key, withoutVolatileFields(field)]),
  );
}

/** `<subscription>` → `{ "<field>": total, "<field>/<cluster>": total }` over every hour and stream. */
function sumUsage(documents: readonly Record<string, unknown>[]): Record<string, Record<string, number>> {
  const sums: Record<string, Record<string, number>> = {};
  for (const doc of documents) {
    const totals = (sums[String(doc['subscriptionId'])] ??= {});
    for (const [key, value] of Object.entries(doc)) {
      if (typeof value === 'number' && key !== 'countedThrough') totals[key] = (totals[key] ?? 0) + value;
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && key.endsWith('ByCluster')) {
        for (const [cluster, count] of Object.entries(value as Record<string, unknown>)) {
          if (typeof count === 'number') totals[`${key}/${cluster}`] = (totals[`${key}/${cluster}`] ?? 0) + count;
        }
      }
    }
  }
  return sums;
}
