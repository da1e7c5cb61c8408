import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { StatusCodes } from '@azure/cosmos';

/**
 * A real HTTPS proxy in front of a Cosmos endpoint (the in-process server in tests) that forwards every
 * request and, on demand, answers some with an error status or cuts their connection. The SDK sees
 * genuine HTTP and socket failures, so its own retry policies run exactly as in Azure, and tests can
 * count the Cosmos requests a piece of code makes.
 */

/** What a request does, as far as tests care. `metadata` is everything outside a container's documents. */
export const RequestKind = { read: 'read', query: 'query', write: 'write', metadata: 'metadata' } as const;
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

export interface ProxiedRequest {
  method: string;
  /** The URL path without the query string, e.g. `/dbs/argus/colls/alerts/docs/abc`. */
  path: string;
  kind: RequestKind;
}

/** Which requests a fault applies to; every request when absent. */
export type RequestMatch = (request: ProxiedRequest) => boolean;

export interface FailNextOptions {
  status: number;
  /** Added to (and overriding) the defaults: for 429 `x-ms-retry-after-ms: 1` and `x-ms-substatus: 3200`. */
  headers?: Record<string, string>;
  match?: RequestMatch;
}

export interface RequestCounts {
  /** Requests that reached the proxy, faulted or not. */
  requests: number;
  /** Of those, the ones answered with an injected status or cut off. */
  faults: number;
}

export interface ProxyStats extends RequestCounts {
  byKind: Record<RequestKind, RequestCounts>;
  /** Keyed by HTTP method, e.g. `POST`. */
  byMethod: Record<string, RequestCounts>;
}

export interface FaultInjectingProxy {
  /** e.g. `https://127.0.0.1:49152/` */
  endpoint: string;
  /** Answers the next `count` matching requests with `status` and a Cosmos-shaped JSON error body, without forwarding them. */
  failNext(count: number, options: FailNextOptions): void;
  /**
   * Destroys the connection of the next `count` matching requests before they are forwarded: the store
   * never sees them. The SDK retries a dropped read or query itself (after 1 s each), never a write.
   */
  dropNext(count: number, match?: RequestMatch): void;
  /** Forwards the next `count` matching requests, then destroys the connection instead of answering: done, but the caller never learns it. */
  dropResponseOfNext(count: number, match?: RequestMatch): void;
  /** Injected faults not yet used up: a test asserts 0 to prove its faults were really hit. */
  pendingFaults(): number;
  stats(): ProxyStats;
  resetStats(): void;
  close(): Promise<void>;
}

type Fault = { kind: 'fail'; status: number; headers: Record<string, string> } | { kind: 'drop' } | { kind: 'drop-response' };

interface FaultRule {
  remaining: number;
  match: RequestMatch;
  fault: Fault;
}

const DOCUMENTS_PATH = /^\/dbs\/[^/]+\/colls\/[^/]+\/docs(\/[^/]+)?\/?$/;

/** Headers about one connection, not the message: never copied across the proxy. */
const HOP_BY_HOP_HEADERS = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

/** The error codes Cosmos puts in its error bodies, by status (the SDK's own names: 429 → TooManyRequests). */
const COSMOS_ERROR_CODES = new Map<number, string>(
  Object.entries(StatusCodes).flatMap(([name, status]) => (typeof status === 'number' ? [[status, name] as const] : [])),
);

/** The in-process server's own self-signed pair, so the SDK's trust settings are the same with or without the proxy. */
function readServerCertificate(): { cert: Buffer; key: Buffer } {
  const packageRoot = join(dirname(require.resolve('@vercel/cosmosdb-server')), '..');
  return { cert: readFileSync(join(packageRoot, 'cert.pem')), key: readFileSync(join(packageRoot, 'key.pem')) };
}

export async function startFaultInjectingProxy(targetEndpoint: string, host = '127.0.0.1'): Promise<FaultInjectingProxy> {
  const target = new URL(targetEndpoint);
  const upstreamAgent = new Agent({ rejectUnauthorized: false, keepAlive: false });
  const rules: FaultRule[] = [];
  let stats = emptyStats();
  let proxyOrigin = '';

  const server = createServer(readServerCertificate(), (req, res) => {
    const request = classify(req);
    const fault = takeFault(rules, request);
    count(stats, request, fault !== undefined);
    if (fault === undefined) forward(req, res, false);
    else if (fault.kind === 'fail') afterRequestBody(req, () => answerWithError(res, fault.status, fault.headers));
    else if (fault.kind === 'drop') afterRequestBody(req, () => req.socket.destroy());
    else forward(req, res, true);
  });

  function forward(req: IncomingMessage, res: ServerResponse, dropResponse: boolean): void {
    const upstream = httpsRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: withoutHopByHop(req.headers),
        agent: upstreamAgent,
      },
      (upstreamResponse) => {
        if (dropResponse) {
          upstreamResponse.resume();
          upstreamResponse.once('end', () => req.socket.destroy());
          return;
        }
        const status = upstreamResponse.statusCode ?? 502;
        const headers = withoutHopByHop(upstreamResponse.headers);
        if (req.method === 'GET' && pathOf(req) === '/') {
          // The account answer names the server's own address as its read and write locations: point
          // those at the proxy so that an SDK following them still comes through here.
          readAll(upstreamResponse, (body) => {
            const rewritten = Buffer.from(body.toString('utf8').replaceAll(target.origin, proxyOrigin));
            res.writeHead(status, { ...headers, 'content-length': String(rewritten.length) }).end(rewritten);
          });
          return;
        }
        res.writeHead(status, headers);
        upstreamResponse.pipe(res);
      },
    );
    upstream.once('error', () => {
      if (res.headersSent) res.destroy();
      else answerWithError(res, 502, {});
    });
    req.pipe(upstream);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  proxyOrigin = `https://${host}:${port}`;

  const addRule = (count: number, match: RequestMatch | undefined, fault: Fault): void => {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    if (count > 0) rules.push({ remaining: count, match: match ?? (() => true), fault });
  };

  return {
    endpoint: `${proxyOrigin}/`,
    failNext: (count, { status, headers = {}, match }) => addRule(count, match, { kind: 'fail', status, headers }),
    dropNext: (count, match) => addRule(count, match, { kind: 'drop' }),
    dropResponseOfNext: (count, match) => addRule(count, match, { kind: 'drop-response' }),
    pendingFaults: () => rules.reduce((sum, rule) => sum + rule.remaining, 0),
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        upstreamAgent.destroy();
      }),
  };
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0] ?? '/';
}

function classify(req: IncomingMessage): ProxiedRequest {
  const method = req.method ?? 'GET';
  const path = pathOf(req);
  if (!DOCUMENTS_PATH.test(path)) return { method, path, kind: RequestKind.metadata };
  if (method === 'GET') return { method, path, kind: RequestKind.read };
  const isQuery =
    isTrue(req.headers['x-ms-documentdb-isquery']) ||
    isTrue(req.headers['x-ms-cosmos-is-query-plan-request']) ||
    (req.headers['content-type'] ?? '').startsWith('application/query+json');
  return { method, path, kind: isQuery ? RequestKind.query : RequestKind.write };
}

function isTrue(header: string | string[] | undefined): boolean {
  return typeof header === 'string' && header.toLowerCase() === 'true';
}

/** The first rule that matches, in the order the faults were asked for; a rule used up is removed. */
function takeFault(rules: FaultRule[], request: ProxiedRequest): Fault | undefined {
  const index = rules.findIndex((rule) => rule.match(request));
  const rule = rules[index];
  if (rule === undefined) return undefined;
  rule.remaining -= 1;
  if (rule.remaining === 0) rules.splice(index, 1);
  return rule.fault;
}

function emptyStats(): ProxyStats {
  const zero = (): RequestCounts => ({ requests: 0, faults: 0 });
  return { ...zero(), byKind: { read: zero(), query: zero(), write: zero(), metadata: zero() }, byMethod: {} };
}

function count(stats: ProxyStats, request: ProxiedRequest, faulted: boolean): void {
  const byMethod = (stats.byMethod[request.method] ??= { requests: 0, faults: 0 });
  for (const counts of [stats, stats.byKind[request.kind], byMethod]) {
    counts.requests += 1;
    if (faulted) counts.faults += 1;
  }
}

/** Reads the request body to its end first, so that the client has sent everything before it is answered or cut off. */
function afterRequestBody(req: IncomingMessage, then: () => void): void {
  req.once('end', then);
  req.resume();
}

function readAll(stream: IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.once('end', () => then(Buffer.concat(chunks)));
}

function answerWithError(res: ServerResponse, status: number, headers: Record<string, string>): void {
  const code = COSMOS_ERROR_CODES.get(status) ?? `Status${status}`;
  const body = JSON.stringify({ code, message: `Injected by the fault-injecting proxy: ${status} ${code}` });
  const throttled = status === StatusCodes.TooManyRequests ? { 'x-ms-retry-after-ms': '1', 'x-ms-substatus': '3200' } : {};
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-ms-activity-id': randomUUID(),
      'x-ms-request-charge': '0',
      ...throttled,
      ...headers,
    })
    .end(body);
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP_HEADERS) delete copy[name];
  return copy;
}
