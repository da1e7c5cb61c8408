/** User agents as profiles compare them. Pure and total. */

/** Longest product or version kept (a user agent is the client's to choose). */
const MAX_PART_LENGTH = 64;

/**
 * The client a user agent names, without what changes on every build or patch release: the product, its version
 * to major.minor, and the platform when it is `os/arch`. `kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46` is
 * `kubectl/v1.31 (linux/amd64)`; `python-requests/2.32.3` is `python-requests/2.32`; a browser's long string is
 * its first product (`Mozilla/5.0`). Undefined for a missing or blank user agent.
 */
export function normalizedUserAgent(userAgent: string | undefined): string | undefined {
  const trimmed = userAgent?.trim();
  if (trimmed === undefined || trimmed === '') return undefined;
  const match = /^([^\s/()]+)(?:\/([^\s()]+))?(?:\s*\(([^)]*)\))?/.exec(trimmed);
  if (match === null) return trimmed.slice(0, MAX_PART_LENGTH);
  const product = (match[1] ?? '').slice(0, MAX_PART_LENGTH);
  const version = match[2] === undefined ? undefined : majorMinor(match[2]);
  const platform = match[3]?.trim();
  const osArch = platform !== undefined && /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/.test(platform) ? platform : undefined;
  return `${product}${version === undefined ? '' : `/${version}`}${osArch === undefined ? '' : ` (${osArch})`}`;
}

function majorMinor(version: string): string {
  const release = /^v?\d+\.\d+/.exec(version);
  return (release === null ? version : release[0]).slice(0, MAX_PART_LENGTH);
}
