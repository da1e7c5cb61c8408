import type { Container, ItemDefinition } from '@azure/cosmos';
import { type ChangePageRequest, type ChangePosition } from './changePosition';

/** The field a container stamps its exported changes in: alerts their `lastModifiedUtc`, assessments and incidents `exportedChangeUtc`. */
export type ChangeStampField = 'lastModifiedUtc' | 'exportedChangeUtc';

export interface ChangePage<T> {
  items: T[];
  /** The position after the last item of the page (`after` itself when the page is empty). */
  next: ChangePosition;
  /** More settled changes follow. */
  hasMore: boolean;
}

/**
 * The incremental exports' read (no change feed: the in-process server has none, and the order must be resumable from
 * an opaque cursor): one subscription's documents whose change was stamped after `page.after`, oldest change first,
 * keyset-paged on (stamp, id); only changes stamped at or before `settledThroughUtc` (a write stamped earlier than a
 * page was read but committed after it would otherwise land behind the cursor). One more than asked is read to tell
 * whether more follow. The stamp field is one of two constants, never caller text; the values are parameters.
 */
export async function queryChangePage<D extends ItemDefinition, T extends { id: string }>(
  container: Container,
  subscriptionId: string,
  page: ChangePageRequest,
  stampField: ChangeStampField,
  itemOf: (document: D) => T,
  stampOf: (item: T) => string,
): Promise<ChangePage<T>> {
  const { resources } = await container.items
    .query<D>(
      {
        query:
          `SELECT TOP @limit * FROM c WHERE c.subscriptionId = @subscriptionId AND c.${stampField} <= @settledThroughUtc ` +
          `AND (c.${stampField} > @afterModified OR (c.${stampField} = @afterModified AND c.id > @afterId)) ` +
          `ORDER BY c.${stampField} ASC, c.id ASC`,
        parameters: [
          { name: '@limit', value: page.top + 1 },
          { name: '@subscriptionId', value: subscriptionId },
          { name: '@settledThroughUtc', value: page.settledThroughUtc },
          { name: '@afterModified', value: page.after.lastModifiedUtc },
          { name: '@afterId', value: page.after.id },
        ],
      },
      { partitionKey: subscriptionId, maxItemCount: page.top + 1 },
    )
    .fetchAll();
  const items = resources.slice(0, page.top).map(itemOf);
  const last = items.at(-1);
  return {
    items,
    next: last === undefined ? page.after : { lastModifiedUtc: stampOf(last), id: last.id },
    hasMore: resources.length > page.top,
  };
}
