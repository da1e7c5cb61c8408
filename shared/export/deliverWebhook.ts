import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Duplex } from 'node:stream';
import { ForbiddenAddressError } from './addressPolicy';
import { guardedConnectionFactory, unbracketed } from './guardedConnection';
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_EVENT_HEADER, WEBHOOK_SIGNATURE_HEADER, signWebhookBody } from './webhookSignature';
import { checkWebhookUrl } from './webhookUrl';

export interface WebhookRequest {
  url: string;
  body: string;
  contentType: string;
  secret: string;
  /** The same on every retry of one delivery, so that the receiver can drop duplicates. */
  deliveryId: string;
  event: string;
}

export interface WebhookClientOptions {
  /** Local mode: `http:` targets and private addresses are allowed. */
  local: boolean;
  /** The whole attempt, from connecting to reading the response. Default 10 s. */
  timeoutInMs?: number;
  userAgent: string;
  /** Tests and local mode only: extra CA certificates to trust (see {@link deliverWebhook} on pinning). */
  ca?: string | Buffer;
}

export type WebhookAttempt =
  | { kind: 'delivered'; status: number; durationInMs: number }
  | { kind: 'retryable'; status?: number; reason: string; retryAfterInMs?: number; durationInMs: number }
  | { kind: 'rejected'; status?: number; reason: string; durationInMs: number };

export const DEFAULT_WEBHOOK_TIMEOUT_IN_MS = 10_000;
/** How much of a response body is read (and discarded) before the connection is closed. */
export const MAX_WEBHOOK_RESPONSE_BYTES = 64 * 1024;

/** Statuses that say "try again later"; every other non-2xx status is final. */
const retryableStatuses: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

/** A delivery outcome before its duration is known. */
type WithoutDuration<T> = T extends unknown ? Omit<T, 'durationInMs'> : never;
type Outcome = WithoutDuration<WebhookAttempt>;

/**
 * One delivery attempt: POSTs the body with its signature, delivery id and event headers, and classifies
 * the answer. 2xx is delivered; redirects are never followed (rejected); 408, 425, 429, 500, 502, 503,
 * 504, network errors and timeouts are retryable (with `Retry-After` when given); a forbidden address,
 * a TLS failure and every other status are rejected. Reasons name the scheme, host and status only:
 * never the path or query (they may carry a token), the secret or the response body.
 *
 * With `local` and `ca`, the receiver's certificate is trusted when it verifies against `ca` OR is
 * byte-for-byte one of the certificates in `ca` (pinning). This is what lets tests and local trials use
 * the expired self-signed certificate shipped with @vercel/cosmosdb-server: Node cannot skip the expiry
 * check alone, and `rejectUnauthorized: false` without the pin check would trust any certificate. Outside
 * that case certificates are verified normally. Nothing is sent before the certificate is accepted.
 */
export async function deliverWebhook(request: WebhookRequest, options: WebhookClientOptions): Promise<WebhookAttempt> {
  const startedAt = performance.now();
  const durationInMs = (): number => Math.round(performance.now() - startedAt);
  const checked = checkWebhookUrl(request.url, { local: options.local });
  if (!checked.ok) return { kind: 'rejected', reason: `webhook target refused: ${checked.problem}`, durationInMs: durationInMs() };
  const url = checked.url;
  const target = `${url.protocol}//${url.host}`;
  const timeoutInMs = options.timeoutInMs ?? DEFAULT_WEBHOOK_TIMEOUT_IN_MS;
  const body = Buffer.from(request.body, 'utf8');

  return new Promise<WebhookAttempt>((resolve) => {
    let settled = false;
    let statusOutcome: Outcome | undefined;
    let pendingSocket: Duplex | undefined;
    const timer = setTimeout(() => {
      finish(statusOutcome ?? { kind: 'retryable', reason: `${target} did not answer within ${timeoutInMs} ms` });
    }, timeoutInMs);

    function finish(outcome: Outcome): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clientRequest?.destroy();
      pendingSocket?.destroy();
      resolve({ ...outcome, durationInMs: durationInMs() });
    }

    const createConnection = guardedConnectionFactory(
      url,
      { allowPrivateAddresses: options.local, pinCa: options.local, ...(options.ca === undefined ? {} : { ca: options.ca }) },
      (socket) => (pendingSocket = socket),
    );
    let clientRequest: ReturnType<typeof httpRequest> | undefined;
    try {
      clientRequest = (url.protocol === 'https:' ? httpsRequest : httpRequest)({
        method: 'POST',
        host: unbracketed(url.hostname),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers: {
          'content-type': request.contentType,
          'content-length': body.length,
          'user-agent': options.userAgent,
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(request.secret, body),
          [WEBHOOK_DELIVERY_HEADER]: request.deliveryId,
          [WEBHOOK_EVENT_HEADER]: request.event,
        },
        createConnection,
      });
    } catch (error) {
      finish({ kind: 'rejected', reason: `${target}: the request could not be built (${errorCode(error) ?? 'invalid'})` });
      return;
    }

    clientRequest.on('response', (response: IncomingMessage) => {
      statusOutcome = classifyStatus(response, target);
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= MAX_WEBHOOK_RESPONSE_BYTES && statusOutcome !== undefined) finish(statusOutcome);
      });
      const done = (): void => {
        if (statusOutcome !== undefined) finish(statusOutcome);
      };
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    clientRequest.on('error', (error: Error) => finish(statusOutcome ?? classifyError(error, target)));
    clientRequest.on('close', () => finish(statusOutcome ?? { kind: 'retryable', reason: `${target} closed the connection without an answer` }));
    clientRequest.end(body);
  });
}

function classifyStatus(response: IncomingMessage, target: string): Outcome {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status >= 300 && status < 400) {
    return { kind: 'rejected', status, reason: `${target} answered HTTP ${status}: redirects are not followed` };
  }
  if (retryableStatuses.has(status)) {
    const retryAfterInMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    return retryAfterInMs === undefined
      ? { kind: 'retryable', status, reason: `${target} answered HTTP ${status}` }
      : { kind: 'retryable', status, reason: `${target} answered HTTP ${status}`, retryAfterInMs };
  }
  return { kind: 'rejected', status, reason: `${target} answered HTTP ${status}` };
}

/** `Retry-After` as a delay: delta-seconds or an HTTP-date (relative to `nowInMs`); undefined when absent or malformed. */
export function parseRetryAfter(header: string | undefined, nowInMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowInMs);
}

function classifyError(error: Error, target: string): Outcome {
  if (error instanceof ForbiddenAddressError) {
    return { kind: 'rejected', reason: `webhook target refused: ${target} resolves to ${error.addressClass}` };
  }
  const code = errorCode(error) ?? 'unknown';
  if (isTlsFailure(code)) return { kind: 'rejected', reason: `${target}: TLS failed (${code})` };
  return { kind: 'retryable', reason: `${target}: network error (${code})` };
}

/** Certificate and protocol failures will not fix themselves within a retry's seconds; handshake timeouts might. */
function isTlsFailure(code: string): boolean {
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return false;
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    code.includes('SELF_SIGNED_CERT') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'HOSTNAME_MISMATCH'
  );
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
