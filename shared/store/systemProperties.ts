/** Properties Cosmos DB adds to every document; they never leave the store modules. */
const SYSTEM_PROPERTIES = ['_rid', '_self', '_etag', '_attachments', '_ts'] as const;

/** A copy of a document without the Cosmos system properties. */
export function withoutSystemProperties<T extends object>(document: T): T {
  const copy = { ...document } as Record<string, unknown>;
  for (const name of SYSTEM_PROPERTIES) delete copy[name];
  return copy as T;
}

/** The document's `_etag` (its version for conditional writes), or '' when it has none. */
export function etagOf(document: object): string {
  const etag = (document as { _etag?: unknown })._etag;
  return typeof etag === 'string' ? etag : '';
}
