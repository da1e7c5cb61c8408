import { isIPv4, isIPv6 } from 'node:net';
import { forbiddenAddressReason } from './addressPolicy';

/** The longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Host names that name the platform or this machine rather than a SOAR receiver (compared without a trailing dot). */
const forbiddenHostNames: readonly string[] = ['localhost', 'metadata', 'metadata.google.internal', 'instance-data'];
/** Suffixes of names that only resolve inside a private network or on this machine. */
const forbiddenHostSuffixes: readonly string[] = ['.localhost', '.internal', '.local', '.localdomain', '.home.arpa'];

export interface CheckWebhookUrlOptions {
  /** Local mode: `http:` and private, loopback and single-label targets are allowed. */
  local: boolean;
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; problem: string };

/**
 * Checks a webhook target when it is configured: an absolute `https:` URL (`http:` too in local mode)
 * without user name, password or fragment, at most 2048 characters, whose host is neither a forbidden IP
 * literal (in any spelling the URL parser normalizes, such as `2130706433` or `0x7f.1`) nor a name of the
 * platform or the local network. The problem never repeats the URL, which may carry a token. Names can
 * resolve anywhere: `guardedLookup` checks the addresses when connecting.
 */
export function checkWebhookUrl(text: string, options: CheckWebhookUrlOptions): WebhookUrlCheck {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) return problem(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters long`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return problem('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(options.local && url.protocol === 'http:')) {
    return problem(options.local ? 'must be an https: or http: URL' : 'must be an https: URL');
  }
  if (url.username !== '' || url.password !== '') return problem('must not contain a user name or password');
  if (url.hash !== '' || text.includes('#')) return problem('must not contain a fragment (#...)');
  if (url.hostname === '') return problem('must name a host');
  if (options.local) return { ok: true, url };

  const hostProblem = hostNameProblem(url.hostname);
  return hostProblem === undefined ? { ok: true, url } : problem(hostProblem);
}

function hostNameProblem(hostname: string): string | undefined {
  const literal = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIPv4(literal) || isIPv6(literal)) {
    const reason = forbiddenAddressReason(literal);
    return reason === undefined ? undefined : `must not target ${reason}`;
  }
  const name = hostname.replace(/(?<!\.)\.+$/, '').toLowerCase();
  if (forbiddenHostNames.includes(name) || forbiddenHostSuffixes.some((suffix) => name.endsWith(suffix))) {
    return 'must not target a local, internal or cloud metadata host name';
  }
  if (!name.includes('.')) return 'must name a fully qualified host (a single-label name resolves inside a private network)';
  return undefined;
}

function problem(text: string): WebhookUrlCheck {
  return { ok: false, problem: text };
}
