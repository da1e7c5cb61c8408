import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HttpRequest, HttpResponse, type Cookie, type HttpHandler, type HttpResponseInit } from '@azure/functions';
import { serialize } from 'cookie';
import { createInvocationContext } from './createInvocationContext';
import type { LocalLogger } from './localLogger';
import { compileRouteTemplate, type RouteTemplate } from './routeTemplate';

/** Anything the local host serves: an app HTTP function, or a local-only endpoint written the same way. */
export interface HttpEndpoint {
  name: string;
  route: string;
  methods: readonly string[];
  handler: HttpHandler;
}

export interface HttpHostOptions {
  endpoints: readonly HttpEndpoint[];
  /** host.json `extensions.http.routePrefix` ("api"). */
  routePrefix: string;
  logger: LocalLogger;
  /** Azure's default request size limit is 100 MB. */
  maxRequestBodyInBytes?: number;
}

interface CompiledEndpoint extends HttpEndpoint {
  template: RouteTemplate;
  methodSet: Set<string>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * Serves HTTP functions the way the Functions host does: `/{routePrefix}/{route}`, route parameters,
 * query, headers and body handed over as the library's own `HttpRequest`, the returned
 * `HttpResponseInit`/`HttpResponse` written back; 404 for unknown routes or methods (as Azure answers),
 * 500 with an empty body when a handler throws.
 */
export function createHttpRequestListener(options: HttpHostOptions): RequestListener {
  const endpoints = compileEndpoints(options.endpoints, options.routePrefix);
  const limit = options.maxRequestBodyInBytes ?? 100 * 1024 * 1024;
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.log('error', 'http', 'unexpected host error:', error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const found = findEndpoint(endpoints, method, url.pathname);
    if (!found) {
      req.resume();
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    const body = await readBody(req, limit);
    if (body === 'too-large') {
      res.writeHead(413, { 'content-type': 'text/plain' }).end(`Request body larger than ${limit} bytes.`);
      return;
    }
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(req),
      params: found.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const context = createInvocationContext({ functionName: found.endpoint.name, triggerType: 'httpTrigger', logger: options.logger });
    const started = performance.now();
    let result: HttpResponseInit | HttpResponse | undefined;
    try {
      result = await found.endpoint.handler(request, context);
    } catch (error) {
      options.logger.log('error', found.endpoint.name, `${method} ${url.pathname} failed:`, error);
      res.writeHead(500, { 'content-length': '0' }).end();
      return;
    }
    const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
    const payload = Buffer.from(await response.arrayBuffer());
    const headers: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    if (response.cookies.length > 0) headers['set-cookie'] = response.cookies.map(toSetCookie);
    headers['content-length'] = String(payload.length);
    res.writeHead(response.status, headers).end(method === 'HEAD' ? undefined : payload);
    const elapsedInMs = Math.round(performance.now() - started);
    options.logger.log('information', found.endpoint.name, `${method} ${url.pathname} -> ${response.status} (${elapsedInMs} ms)`);
  }
}

/** Cookies as the host writes them (the library itself uses the `cookie` package). */
function toSetCookie(cookie: Cookie): string {
  return serialize(cookie.name, cookie.value, {
    ...(cookie.domain === undefined ? {} : { domain: cookie.domain }),
    ...(cookie.path === undefined ? {} : { path: cookie.path }),
    ...(cookie.expires === undefined ? {} : { expires: new Date(cookie.expires) }),
    ...(cookie.maxAge === undefined ? {} : { maxAge: cookie.maxAge }),
    ...(cookie.secure === undefined ? {} : { secure: cookie.secure }),
    ...(cookie.httpOnly === undefined ? {} : { httpOnly: cookie.httpOnly }),
    ...(cookie.sameSite === undefined ? {} : { sameSite: cookie.sameSite.toLowerCase() as 'strict' | 'lax' | 'none' }),
  });
}

function compileEndpoints(endpoints: readonly HttpEndpoint[], routePrefix: string): CompiledEndpoint[] {
  const compiled = endpoints.map((endpoint) => ({
    ...endpoint,
    template: compileRouteTemplate([routePrefix, endpoint.route].filter((s) => s.length > 0).join('/')),
    methodSet: new Set(endpoint.methods.map((m) => m.toUpperCase())),
  }));
  const seen = new Map<string, string>();
  for (const endpoint of compiled) {
    for (const method of endpoint.methodSet) {
      const key = `${method} ${endpoint.template.template.toLowerCase()}`;
      const other = seen.get(key);
      if (other !== undefined) throw new Error(`Functions "${other}" and "${endpoint.name}" both serve ${key}.`);
      seen.set(key, endpoint.name);
    }
  }
  // Like ASP.NET routing: more literal segments first, catch-alls last.
  return compiled.sort((a, b) => specificity(b.template.template) - specificity(a.template.template));
}

function specificity(template: string): number {
  return template.split('/').reduce((score, segment) => {
    if (segment.startsWith('{*')) return score - 100;
    return score + (segment.startsWith('{') ? 1 : 10);
  }, 0);
}

function findEndpoint(
  endpoints: CompiledEndpoint[],
  method: string,
  path: string,
): { endpoint: CompiledEndpoint; params: Record<string, string> } | undefined {
  for (const endpoint of endpoints) {
    if (!endpoint.methodSet.has(method)) continue;
    const params = endpoint.template.match(path);
    if (params) return { endpoint, params };
  }
  return undefined;
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Drains an oversized body instead of stopping, so the 413 reaches the client on a healthy socket.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? 'too-large' : Buffer.concat(chunks);
}
