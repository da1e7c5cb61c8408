import type { Database } from '@azure/cosmos';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { EXPORT_FORMATS, ExportFormat, type ExportFormatOptions, type ExportRecord, formatMetadata } from '../alerts/export/exportFormat';
import { SubscriptionRole } from '../auth/roles';
import { authorizeSubscriptionRequest } from '../http/authorizeSubscriptionRequest';
import { RateLimitedOperation } from '../http/rateLimits';
import { parseQuery } from '../http/parseQuery';
import { encodeOpaqueToken, opaqueToken, pageSize } from '../http/queryValues';
import { BEFORE_FIRST_CHANGE, type ChangePageRequest, type ChangePosition } from '../store/changePosition';
import { getAppVersion } from '../version';

/**
 * The incremental pull export's HTTP contract, shared by its feeds (`export/alerts`, `export/assessments`): the query
 * (format, cursor, top), the opaque cursor over a (change stamp, id) position, and the response (records in the body
 * for json and ocsf, one CEF line each for cef, the next cursor in the body and the `x-argus-cursor` header).
 */

export const DEFAULT_EXPORT_PAGE_SIZE = 100;
export const MAX_EXPORT_PAGE_SIZE = 1000;
/** Response headers of the CEF text export, which has no body to carry them. */
export const CURSOR_HEADER = 'x-argus-cursor';
export const HAS_MORE_HEADER = 'x-argus-has-more';

const CURSOR_VERSION = 1;

/** The cursor: base64url of `{"v":1,"m":changeStamp,"i":id}`, the last change the consumer has. */
const cursorPayload = z.strictObject({
  v: z.literal(CURSOR_VERSION),
  m: z.union([z.literal(''), z.iso.datetime()]),
  i: z.string().max(255),
});

const cursor = opaqueToken(
  cursorPayload
    .refine((payload) => (payload.m === '') === (payload.i === ''))
    .transform((payload): ChangePosition => ({ lastModifiedUtc: payload.m, id: payload.i })),
  'is not a valid export cursor; use the cursor of the previous response, or none to start from the beginning',
);

export function encodeExportCursor(position: ChangePosition): string {
  return encodeOpaqueToken({ v: CURSOR_VERSION, m: position.lastModifiedUtc, i: position.id });
}

export const exportQuery = z.object({
  format: z.enum(ExportFormat, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }).default(ExportFormat.json),
  cursor: cursor.optional(),
  top: pageSize(MAX_EXPORT_PAGE_SIZE).optional(),
});

export interface PullExportPage {
  records: readonly ExportRecord[];
  next: ChangePosition;
  hasMore: boolean;
}

/** One feed of the pull export: how its changes are read, and how one item becomes a record. */
export interface PullExportFeed<T> {
  /** The function's name: in logs, and the route whose rate-limit buckets the feed's pulls take from. */
  name: string;
  readChanges: (database: Database, subscriptionId: string, page: ChangePageRequest) => Promise<{ items: readonly T[]; next: ChangePosition; hasMore: boolean }>;
  toRecord: (format: ExportFormat, item: T, options: ExportFormatOptions) => ExportRecord;
}

/**
 * Serves one page of a feed to a SecurityReader (or higher) of the subscription: changes after the cursor, oldest
 * first, only those EXPORT_SETTLE_SECONDS old (so no change is ever behind a cursor already handed out).
 */
export async function servePullExport<T>(request: HttpRequest, context: InvocationContext, feed: PullExportFeed<T>): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, {
    minimumRole: SubscriptionRole.SecurityReader,
    target: 'collection',
    // EXPORT_RATE_LIMIT_PER_MINUTE per principal and feed: a SIEM pulls in a loop while `hasMore`.
    rateLimit: { operation: RateLimitedOperation.export, route: feed.name },
  });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, exportQuery);
  if (query.kind === 'rejected') return query.response;
  const { format, cursor: after = BEFORE_FIRST_CHANGE, top = DEFAULT_EXPORT_PAGE_SIZE } = query.value;

  const settledThroughUtc = new Date(Date.now() - services.config.export.settleInMs).toISOString();
  const page = await feed.readChanges(services.database, subscriptionId, { after, settledThroughUtc, top });
  const productVersion = getAppVersion();
  const records = page.items.map((item) => feed.toRecord(format, item, { productVersion }));
  context.log(`${feed.name}: ${records.length} ${format} records for subscription ${subscriptionId}${page.hasMore ? ' (more)' : ''}`);
  return pullExportResponse(format, { records, next: page.next, hasMore: page.hasMore });
}

/** The response of one page of a feed. */
export function pullExportResponse(format: ExportFormat, page: PullExportPage): HttpResponseInit {
  const nextCursor = encodeExportCursor(page.next);
  const headers = { 'cache-control': 'no-store', [CURSOR_HEADER]: nextCursor, [HAS_MORE_HEADER]: String(page.hasMore) };
  if (format === ExportFormat.cef) {
    const lines = page.records.map((record) => (record.kind === 'text' ? record.line : JSON.stringify(record.value)));
    return { status: 200, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: lines.map((line) => `${line}\n`).join('') };
  }
  return {
    status: 200,
    headers,
    jsonBody: {
      format,
      ...formatMetadata(format),
      value: page.records.map((record) => (record.kind === 'json' ? record.value : record.line)),
      cursor: nextCursor,
      hasMore: page.hasMore,
    },
  };
}
