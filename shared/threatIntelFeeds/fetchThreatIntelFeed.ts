import { type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { type Duplex } from 'node:stream';
import { ForbiddenAddressError, forbiddenAddressReason } from '../export/addressPolicy';
import { guardedConnectionFactory } from '../export/guardedConnection';
import { feedHostOf, MAX_THREAT_INTEL_FEED_BYTES } from '../intel/threatIntelFeed';

export interface FetchThreatIntelFeedOptions {
  /** `THREAT_INTEL_FEED_HOSTS`: the only hosts a feed, or a redirect of it, may be fetched from (exact names, any case). */
  allowedHosts: readonly string[];
  /**
   * Hosts that may resolve to (or be) private, loopback or link-local addresses: none in production; a test server on
   * 127.0.0.1. Every other host is refused when any of its addresses is one (the export's SSRF guard).
   */
  privateAddressHosts?: readonly string[];
  /** The body is refused when larger (streamed: reading stops there). Default 5 MiB. */
  maxBytes?: number;
  /** The whole fetch, redirects included. Default 30 s. */
  timeoutInMs?: number;
  /** Redirects followed, each checked like the first URL. Default 3. */
  maxRedirects?: number;
  userAgent: string;
  /** Tests only: a certificate to trust, pinned (the expired self-signed one of @vercel/cosmosdb-server). */
  ca?: string | Buffer;
}

export type ThreatIntelFeedFetch =
  | { kind: 'fetched'; body: string; bytes: number; durationInMs: number }
  | { kind: 'failed'; reason: string; durationInMs: number };

export const DEFAULT_FEED_TIMEOUT_IN_MS = 30_000;
export const DEFAULT_FEED_MAX_REDIRECTS = 3;

/** Why a hop is not fetched; thrown inside {@link fetchThreatIntelFeed} and turned into its `failed` reason. */
class FeedRefusal extends Error {
  override readonly name = 'FeedRefusal';
}

/**
 * GETs a feed over HTTPS, with the export's SSRF guard: every URL (the configured one and each redirect) must be
 * https, name an allow-listed host, and resolve only to public addresses (checked at connect time, so DNS rebinding
 * cannot slip through; IP literals are checked before); the body is streamed and refused once over `maxBytes`; the
 * whole fetch is aborted after `timeoutInMs`. Reasons name the scheme and host only, never the path or query (a feed
 * URL may carry an API key). Never throws.
 */
export async function fetchThreatIntelFeed(url: string, options: FetchThreatIntelFeedOptions): Promise<ThreatIntelFeedFetch> {
  const startedAt = performance.now();
  const durationInMs = (): number => Math.round(performance.now() - startedAt);
  const timeoutInMs = options.timeoutInMs ?? DEFAULT_FEED_TIMEOUT_IN_MS;
  const signal = AbortSignal.timeout(timeoutInMs);
  const maxRedirects = options.maxRedirects ?? DEFAULT_FEED_MAX_REDIRECTS;
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return { kind: 'failed', reason: 'the feed URL is not an absolute URL', durationInMs: durationInMs() };
  }
  try {
    for (let hop = 0; ; hop++) {
      const response = await get(current, options, signal);
      const status = response.statusCode ?? 0;
      const target = `${current.protocol}//${current.host}`;
      if (status >= 300 && status < 400) {
        response.destroy();
        const location = response.headers.location;
        if (location === undefined) throw new FeedRefusal(`${target} answered HTTP ${status} without a Location`);
        if (hop >= maxRedirects) throw new FeedRefusal(`${target} redirected more than ${maxRedirects} times`);
        current = new URL(location, current);
        continue;
      }
      if (status !== 200) {
        response.destroy();
        throw new FeedRefusal(`${target} answered HTTP ${status}`);
      }
      const { body, bytes } = await readBody(response, options.maxBytes ?? MAX_THREAT_INTEL_FEED_BYTES, target);
      return { kind: 'fetched', body, bytes, durationInMs: durationInMs() };
    }
  } catch (error) {
    return { kind: 'failed', reason: reasonOf(error, current, signal, timeoutInMs), durationInMs: durationInMs() };
  }
}

function checkHop(url: URL, options: FetchThreatIntelFeedOptions): { allowPrivate: boolean } {
  const target = `${url.protocol}//${url.host}`;
  if (url.protocol !== 'https:') throw new FeedRefusal(`${target} refused: feeds are fetched over https only`);
  if (url.username !== '' || url.password !== '') throw new FeedRefusal(`${target} refused: the URL carries a user name or password`);
  const host = feedHostOf(url);
  const allowed = options.allowedHosts.some((entry) => entry.toLowerCase().replace(/(?<!\.)\.+$/, '') === host);
  if (!allowed) throw new FeedRefusal(`${target} refused: ${host} is not in THREAT_INTEL_FEED_HOSTS`);
  const allowPrivate = (options.privateAddressHosts ?? []).some((entry) => entry.toLowerCase() === host);
  if (!allowPrivate && isIP(host) !== 0) {
    const reason = forbiddenAddressReason(host);
    if (reason !== undefined) throw new FeedRefusal(`${target} refused: it is ${reason}`);
  }
  return { allowPrivate };
}

function get(url: URL, options: FetchThreatIntelFeedOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const { allowPrivate } = checkHop(url, options);
  return new Promise<IncomingMessage>((resolve, reject) => {
    let pending: Duplex | undefined;
    const createConnection = guardedConnectionFactory(
      url,
      { allowPrivateAddresses: allowPrivate, pinCa: options.ca !== undefined, ...(options.ca === undefined ? {} : { ca: options.ca }) },
      (socket) => (pending = socket),
    );
    const request = httpsRequest({
      method: 'GET',
      host: feedHostOf(url),
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { 'user-agent': options.userAgent, accept: 'text/plain', 'accept-encoding': 'identity' },
      createConnection,
      signal,
    });
    request.on('response', resolve);
    request.on('error', (error) => {
      pending?.destroy();
      reject(error);
    });
    request.end();
  });
}

function readBody(response: IncomingMessage, maxBytes: number, target: string): Promise<{ body: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    // The first outcome wins: destroying the response emits its own events afterwards.
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      reject(error);
      response.destroy();
    };
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      fail(new FeedRefusal(`${target} declared ${declared} bytes, more than the ${maxBytes} a feed may have`));
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) fail(new FeedRefusal(`${target} sent more than the ${maxBytes} bytes a feed may have`));
      else chunks.push(chunk);
    });
    response.on('end', () => {
      if (settled) return;
      settled = true;
      resolve({ body: Buffer.concat(chunks).toString('utf8'), bytes });
    });
    response.on('error', fail);
    response.on('aborted', () => fail(new FeedRefusal(`${target} closed the connection before the end of the body`)));
  });
}

function reasonOf(error: unknown, url: URL, signal: AbortSignal, timeoutInMs: number): string {
  const target = `${url.protocol}//${url.host}`;
  if (signal.aborted) return `${target} did not deliver the feed within ${timeoutInMs} ms`;
  if (error instanceof FeedRefusal) return error.message;
  if (error instanceof ForbiddenAddressError) return `${target} refused: it resolves to ${error.addressClass}`;
  const code = (error as { code?: unknown } | undefined)?.code;
  return `${target}: network error (${typeof code === 'string' ? code : 'unknown'})`;
}
