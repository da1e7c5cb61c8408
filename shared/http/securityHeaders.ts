import { HttpResponse, type HttpHandler, type HttpResponseInit } from '@azure/functions';

/**
 * The headers every API response carries, whatever the route and whatever the outcome (errors too):
 * - `cache-control: no-store`: answers hold tenant data (alerts, clusters, role assignments); no browser,
 *   proxy or CDN may keep a copy. A route that sets its own `cache-control` keeps it: that is a decision
 *   made in that route's code, in review, and the route table test lists every route that differs.
 * - `x-content-type-options: nosniff`: a browser takes the declared content type and never runs a JSON or
 *   CEF text answer as script or HTML. Always set: it has no other value.
 */
export const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * Headers that name the server software: dropped if a handler sets them. The local runtime (node:http) adds
 * neither; in Azure the Functions host's Kestrel adds `Server`, which the app cannot remove (README, security).
 */
export const BANNER_HEADERS = ['server', 'x-powered-by'] as const;

/** `handler` with the API's response headers added to whatever it answers. */
export function withSecurityHeaders(handler: HttpHandler): HttpHandler {
  return async (request, context) => addSecurityHeaders(await handler(request, context));
}

/** The response with the security headers: the route's own `cache-control` kept, banners dropped. */
export function addSecurityHeaders(response: HttpResponseInit | HttpResponse | undefined): HttpResponseInit | HttpResponse {
  if (response instanceof HttpResponse) {
    setSecurityHeaders(response.headers);
    return response;
  }
  const headers = new Headers(response?.headers);
  setSecurityHeaders(headers);
  return { ...response, headers: Object.fromEntries(headers) };
}

function setSecurityHeaders(headers: Headers): void {
  if (!headers.has('cache-control')) headers.set('cache-control', SECURITY_HEADERS['cache-control']);
  headers.set('x-content-type-options', SECURITY_HEADERS['x-content-type-options']);
  for (const name of BANNER_HEADERS) headers.delete(name);
}
