/**
 * HTTP entity tags over Cosmos `_etag`s. Azure Cosmos DB gives `_etag` already quoted (`"0000d2a1-..."`),
 * which is what the `ETag` header carries; the in-process server gives it bare, so it is quoted here.
 */
export function entityTag(etag: string): string {
  return etag.startsWith('"') && etag.endsWith('"') && etag.length >= 2 ? etag : `"${etag}"`;
}

/**
 * Whether an `If-Match` header (`*`, or a comma-separated list of entity tags) lets a write to the
 * resource at `currentEtag` go ahead. Strong comparison: a weak tag (`W/"..."`) never matches.
 */
export function ifMatchAllows(ifMatch: string, currentEtag: string): boolean {
  const current = entityTag(currentEtag);
  return ifMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || (!tag.startsWith('W/') && entityTag(tag) === current));
}
