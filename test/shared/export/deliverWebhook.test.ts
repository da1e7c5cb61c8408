import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { DEFAULT_MAX_ATTEMPTS, TargetCircuitBreaker, deliverWithRetry } from '../../../shared/export/deliveryRetry';
import {
  type WebhookAttempt,
  type WebhookClientOptions,
  type WebhookRequest,
  deliverWebhook,
  parseRetryAfter,
} from '../../../shared/export/deliverWebhook';
import { verifyWebhookSignature } from '../../../shared/export/webhookSignature';

/** The self-signed (and expired) certificate shipped with @vercel/cosmosdb-server, as test/support/faultInjectingProxy.ts finds it. */
function readServerCertificate(): { cert: Buffer; key: Buffer } {
  const packageRoot = join(dirname(require.resolve('@vercel/cosmosdb-server')), '..');
  return { cert: readFileSync(join(packageRoot, 'cert.pem')), key: readFileSync(join(packageRoot, 'key.pem')) };
}

interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Behaviour = (res: ServerResponse, req: IncomingMessage) => void;

interface TestReceiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

const { cert, key } = readServerCertificate();
const receivers: TestReceiver[] = [];

/** An HTTPS receiver that records every request and answers the n-th with `behaviours[n]` (the last one repeats). */
async function startReceiver(...behaviours: Behaviour[]): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const behaviour = behaviours[Math.min(requests.length - 1, behaviours.length - 1)] ?? answer(200);
      behaviour(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: TestReceiver = {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  receivers.push(receiver);
  return receiver;
}

function answer(status: number, headers: Record<string, string> = {}): Behaviour {
  return (res) => res.writeHead(status, headers).end(`{"status":${status}}`);
}

const hang: Behaviour = () => undefined;

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

const secret = 'whsec_c2VjcmV0LWZvci10ZXN0cw';
const alertBody = JSON.stringify({ alertType: 'K8S_PrivilegedContainer', alertDisplayName: 'Privileged container detected', status: 'Active', note: 'café ☕' });

function webhookRequest(url: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return { url, body: alertBody, contentType: 'application/json', secret, deliveryId: 'dlv-0001', event: 'alert.created', ...overrides };
}

/** Local mode, trusting the receiver's certificate through `ca` (pinned: it is expired, see deliverWebhook). */
const clientOptions: WebhookClientOptions = { local: true, ca: cert, userAgent: 'Argus-Webhook/test', timeoutInMs: 5000 };

/** A fake sleep that records the delays asked for and returns at once. */
function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: (ms) => (delays.push(ms), Promise.resolve()) };
}

describe('deliverWebhook', () => {
  it('when a delivery reaches the receiver, then the signature verifies over the exact bytes received and another secret does not', async () => {
    const receiver = await startReceiver(answer(204));
    const attempt = await deliverWebhook(webhookRequest(`${receiver.url}/hooks/argus`), clientOptions);
    expect(attempt).toMatchObject({ kind: 'delivered', status: 204 });
    const [received] = receiver.requests;
    expect(received?.body.toString('utf8')).toBe(alertBody);
    const signature = received?.headers['x-argus-signature'] as string;
    expect(verifyWebhookSignature(secret, received?.body ?? Buffer.alloc(0), signature)).toBe(true);
    expect(verifyWebhookSignature('whsec_wrong', received?.body ?? Buffer.alloc(0), signature)).toBe(false);
  });

  it('when a delivery reaches the receiver, then the delivery id, event, content type, length and user agent arrive with the path and query', async () => {
    const receiver = await startReceiver(answer(200));
    await deliverWebhook(webhookRequest(`${receiver.url}/hooks/argus?code=abc`), clientOptions);
    expect(receiver.requests).toHaveLength(1);
    const [received] = receiver.requests;
    expect(received).toMatchObject({ method: 'POST', path: '/hooks/argus?code=abc' });
    expect(received?.headers).toMatchObject({
      'x-argus-delivery': 'dlv-0001',
      'x-argus-event': 'alert.created',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(alertBody)),
      'user-agent': 'Argus-Webhook/test',
    });
  });

  it('when the receiver answers 400, then exactly one request is made and the outcome is rejected', async () => {
    const receiver = await startReceiver(answer(400));
    const { final, attempts } = await deliverWithRetry(() => deliverWebhook(webhookRequest(receiver.url), clientOptions), { sleep: recordingSleep().sleep });
    expect(final).toMatchObject({ kind: 'rejected', status: 400 });
    expect(attempts).toBe(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('when the receiver redirects, then the Location is never requested and the outcome is rejected saying so', async () => {
    const receiver = await startReceiver(answer(302, { location: '/elsewhere' }), answer(200));
    const { final } = await deliverWithRetry(() => deliverWebhook(webhookRequest(`${receiver.url}/hook`), clientOptions), { sleep: recordingSleep().sleep });
    expect(final).toMatchObject({ kind: 'rejected', status: 302 });
    expect(final.kind === 'rejected' ? final.reason : '').toMatch(/redirects are not followed/);
    expect(receiver.requests.map((request) => request.path)).toEqual(['/hook']);
  });

  it('when the receiver never answers, then the attempt is retryable as a timeout within timeoutInMs', async () => {
    const receiver = await startReceiver(hang);
    const attempt = await deliverWebhook(webhookRequest(receiver.url), { ...clientOptions, timeoutInMs: 300 });
    expect(attempt).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/did not answer within 300 ms/) as unknown });
    expect(attempt.durationInMs).toBeGreaterThanOrEqual(290);
    expect(attempt.durationInMs).toBeLessThan(1500);
    expect(receiver.requests).toHaveLength(1);
  });

  it('when the receiver resets the connection, then the attempt is retryable and the reason names no path or query', async () => {
    const receiver = await startReceiver((_res, req) => req.socket.destroy());
    const attempt = await deliverWebhook(webhookRequest(`${receiver.url}/hook?token=s3cr3t`), clientOptions);
    expect(attempt).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/network error|closed the connection/) as unknown });
    expect(JSON.stringify(attempt)).not.toMatch(/s3cr3t|\/hook/);
  });

  it('when the receiver answers with a large body, then it is delivered without reading the whole body', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end(Buffer.alloc(4 * 1024 * 1024, 'x')));
    expect(await deliverWebhook(webhookRequest(receiver.url), clientOptions)).toMatchObject({ kind: 'delivered', status: 200 });
  });

  it('when a rejection happens, then the reason names scheme, host and status, not the query, secret or response body', async () => {
    const receiver = await startReceiver((res) => res.writeHead(403).end('denied: internal-detail'));
    const attempt = await deliverWebhook(webhookRequest(`${receiver.url}/hook?sig=s3cr3t`), clientOptions);
    expect(attempt).toMatchObject({ kind: 'rejected', status: 403, reason: `${receiver.url} answered HTTP 403` });
    expect(JSON.stringify(attempt)).not.toMatch(/s3cr3t|internal-detail|whsec_/);
  });

  it('when production mode targets https://127.0.0.1, then it is rejected and no request reaches the receiver', async () => {
    const receiver = await startReceiver(answer(200));
    const attempt = await deliverWebhook(webhookRequest(receiver.url), { ...clientOptions, local: false });
    expect(attempt).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/refused.*loopback/) as unknown });
    expect(receiver.requests).toHaveLength(0);
  });

  it('when production mode targets localhost, then it is rejected and no request reaches the receiver', async () => {
    const receiver = await startReceiver(answer(200));
    const attempt = await deliverWebhook(webhookRequest(receiver.url.replace('127.0.0.1', 'localhost')), { ...clientOptions, local: false });
    expect(attempt.kind).toBe('rejected');
    expect(receiver.requests).toHaveLength(0);
  });

  it('when local mode delivers to localhost, then the name resolves through the guarded lookup and is delivered', async () => {
    const receiver = await startReceiver(answer(200));
    const attempt = await deliverWebhook(webhookRequest(receiver.url.replace('127.0.0.1', 'localhost')), clientOptions);
    expect(attempt).toMatchObject({ kind: 'delivered', status: 200 });
  });

  it('when the certificate is not trusted (no ca given), then the attempt is rejected as a TLS failure and no request arrives', async () => {
    const receiver = await startReceiver(answer(200));
    const { ca: _ca, ...withoutCa } = clientOptions;
    const attempt = await deliverWebhook(webhookRequest(receiver.url), withoutCa);
    expect(attempt).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/TLS failed/) as unknown });
    expect(receiver.requests).toHaveLength(0);
  });

  it('when local mode is given a ca that is not the receiver certificate, then the attempt is rejected as a TLS failure and no request arrives', async () => {
    const receiver = await startReceiver(answer(200));
    const attempt = await deliverWebhook(webhookRequest(receiver.url), { ...clientOptions, ca: rootCertificates[0] ?? '' });
    expect(attempt).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/TLS failed \(CERT_UNTRUSTED\)/) as unknown });
    expect(receiver.requests).toHaveLength(0);
  });

  it('when production mode targets http:, then it is rejected without connecting', async () => {
    const attempt = await deliverWebhook(webhookRequest('http://soar.example.com/hook'), { ...clientOptions, local: false });
    expect(attempt).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/https:/) as unknown });
  });
});

describe('deliverWithRetry against a receiver', () => {
  it('when the receiver answers 500 then 200, then the delivery succeeds on attempt 2 after one backoff', async () => {
    const receiver = await startReceiver(answer(500), answer(200));
    const { delays, sleep } = recordingSleep();
    const result = await deliverWithRetry(() => deliverWebhook(webhookRequest(receiver.url), clientOptions), { sleep, random: () => 0.5 });
    expect(result).toMatchObject({ attempts: 2, final: { kind: 'delivered', status: 200 } });
    expect(delays).toEqual([500]);
    expect(receiver.requests.map((request) => request.headers['x-argus-delivery'])).toEqual(['dlv-0001', 'dlv-0001']);
  });

  it('when the receiver always answers 500, then exactly maxAttempts requests arrive and the final outcome is retryable', async () => {
    const receiver = await startReceiver(answer(500));
    const { delays, sleep } = recordingSleep();
    const result = await deliverWithRetry(() => deliverWebhook(webhookRequest(receiver.url), clientOptions), { maxAttempts: 4, sleep, random: () => 1 });
    expect(result).toMatchObject({ attempts: 4, final: { kind: 'retryable', status: 500 } });
    expect(receiver.requests).toHaveLength(4);
    expect(delays).toEqual([1000, 2000, 4000]);
  });

  it('when the receiver answers 429 with Retry-After: 2, then the wait before the retry is at least 2 seconds', async () => {
    const receiver = await startReceiver(answer(429, { 'retry-after': '2' }), answer(200));
    const { delays, sleep } = recordingSleep();
    const result = await deliverWithRetry(() => deliverWebhook(webhookRequest(receiver.url), clientOptions), { sleep, random: () => 0 });
    expect(result).toMatchObject({ attempts: 2, final: { kind: 'delivered' } });
    expect(delays).toEqual([2000]);
  });

  it('when Retry-After asks for more than maxDelayInMs, then the retries stop with the retryable outcome', async () => {
    const receiver = await startReceiver(answer(503, { 'retry-after': '120' }), answer(200));
    const { delays, sleep } = recordingSleep();
    const result = await deliverWithRetry(() => deliverWebhook(webhookRequest(receiver.url), clientOptions), { sleep, maxDelayInMs: 30_000 });
    expect(result).toMatchObject({ attempts: 1, final: { kind: 'retryable', status: 503, retryAfterInMs: 120_000 } });
    expect(delays).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('TargetCircuitBreaker against a receiver', () => {
  /** The delivering function's loop: skip (dead-letter) while the breaker is open, else deliver with retries. */
  async function deliverAll(url: string, count: number, breaker: TargetCircuitBreaker): Promise<Array<WebhookAttempt['kind'] | 'targetUnavailable'>> {
    const outcomes: Array<WebhookAttempt['kind'] | 'targetUnavailable'> = [];
    for (let index = 0; index < count; index++) {
      if (breaker.isOpen()) {
        outcomes.push('targetUnavailable');
        continue;
      }
      const { final } = await deliverWithRetry(
        () => deliverWebhook(webhookRequest(url, { deliveryId: `dlv-${index}` }), clientOptions),
        { sleep: recordingSleep().sleep },
      );
      breaker.record(final);
      outcomes.push(final.kind);
    }
    return outcomes;
  }

  it('when three deliveries fail in a row, then the breaker opens and the next deliveries are not attempted', async () => {
    const receiver = await startReceiver(answer(400));
    const breaker = new TargetCircuitBreaker();
    const outcomes = await deliverAll(receiver.url, 5, breaker);
    expect(outcomes).toEqual(['rejected', 'rejected', 'rejected', 'targetUnavailable', 'targetUnavailable']);
    expect(breaker.isOpen()).toBe(true);
    expect(receiver.requests).toHaveLength(3);
  });

  it('when a delivery succeeds after two failures, then the breaker is reset and stays closed', async () => {
    const receiver = await startReceiver(answer(400), answer(400), answer(200), answer(400), answer(400), answer(200));
    const breaker = new TargetCircuitBreaker();
    const outcomes = await deliverAll(receiver.url, 6, breaker);
    expect(outcomes).toEqual(['rejected', 'rejected', 'delivered', 'rejected', 'rejected', 'delivered']);
    expect(breaker.isOpen()).toBe(false);
    expect(breaker.consecutiveFailures).toBe(0);
  });

  it('when 10 deliveries go to an always-500 receiver, then at most threshold * maxAttempts requests are made (no retry storm)', async () => {
    const receiver = await startReceiver(answer(500));
    const breaker = new TargetCircuitBreaker({ threshold: 3 });
    const outcomes = await deliverAll(receiver.url, 10, breaker);
    expect(receiver.requests.length).toBeLessThanOrEqual(breaker.threshold * DEFAULT_MAX_ATTEMPTS);
    expect(receiver.requests).toHaveLength(12);
    expect(outcomes.filter((outcome) => outcome === 'targetUnavailable')).toHaveLength(7);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('when Retry-After is delta-seconds, then it is that many milliseconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
  });

  it('when Retry-After is an HTTP-date, then it is the time until that date', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
  });

  it('when Retry-After is a date in the past, then it is zero', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('when Retry-After is absent or malformed, then there is none', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('TargetCircuitBreaker cool-down', () => {
  const failed: WebhookAttempt = { kind: 'retryable', status: 503, reason: 'down', durationInMs: 1 };
  const delivered: WebhookAttempt = { kind: 'delivered', status: 200, durationInMs: 1 };

  it('when the breaker opened, then it stays open for the cool-down and lets one delivery through after it', () => {
    let now = 0;
    const breaker = new TargetCircuitBreaker({ threshold: 2, coolDownInMs: 60_000, nowInMs: () => now });
    breaker.record(failed);
    breaker.record(failed);
    expect(breaker.isOpen()).toBe(true);
    now = 59_999;
    expect(breaker.isOpen()).toBe(true);
    now = 60_000;
    expect(breaker.isOpen()).toBe(false);
    // Half open: one more failure opens it again at once.
    breaker.record(failed);
    expect(breaker.isOpen()).toBe(true);
    now = 120_000;
    expect(breaker.isOpen()).toBe(false);
    breaker.record(delivered);
    expect(breaker.isOpen()).toBe(false);
    expect(breaker.consecutiveFailures).toBe(0);
  });
});
