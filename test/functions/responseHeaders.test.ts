import { basename, extname, join } from 'node:path';
import type * as AzureFunctions from '@azure/functions';
import { HttpResponse, InvocationContext, type HttpHandler, type HttpResponseInit } from '@azure/functions';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import type { HttpFunctionDefinition } from '../../shared/functions/defineFunction';
import { addSecurityHeaders, withSecurityHeaders } from '../../shared/http/securityHeaders';
import { httpRequest } from '../support/httpRequests';
import { LocalRuntimeHarness } from '../support/localRuntimeHarness';
import { runTokenCommand } from '../support/localTokens';

/*
 * Every answer of the API carries `cache-control: no-store` (tenant data) and `x-content-type-options: nosniff`,
 * and no banner naming the server software. Checked over real HTTP on the local runtime for every HTTP function
 * definition in functions/, unauthenticated and with an Owner's token; and for what the Functions host registers.
 */

const SUB = '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c';

/** Routes that answer without a token. Every other route must refuse an anonymous caller with 401. */
const ANONYMOUS_FUNCTIONS: ReadonlySet<string> = new Set(['health']);

/** Functions whose callers hold a cluster's ingestion key, not a user's token: a user's token gets 401 there too. */
const INGESTION_KEY_FUNCTIONS: ReadonlySet<string> = new Set(['ingestAuditWebhook', 'ingestNodeWebhook']);

/** Routes that deliberately answer with a `cache-control` other than `no-store`, and why. None today. */
const CACHE_CONTROL_EXCEPTIONS: Readonly<Record<string, string>> = {};

/** Route parameter values: real-looking where the handler validates the shape, a placeholder elsewhere. */
const PARAMETER_VALUES: Readonly<Record<string, string>> = {
  subscriptionId: SUB,
  principalId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  action: 'dismiss',
};

interface RouteCase {
  name: string;
  method: string;
  path: string;
}

const definitions = loadFunctionDefinitions().filter((d): d is HttpFunctionDefinition => d.kind === 'http');
const routes: RouteCase[] = definitions.flatMap((d) =>
  (d.options.methods ?? []).map((method) => ({ name: d.name, method: method.toUpperCase(), path: pathOf(d.options.route) })),
);

function pathOf(route: string): string {
  return route.replace(/\{\*?([A-Za-z]+)(?::[^}]*)?\}/g, (_match, name: string) => encodeURIComponent(PARAMETER_VALUES[name] ?? `probe-${name.toLowerCase()}`));
}

/** The three properties, as one value so that a failure shows all of them. */
function headerPropertiesOf(headers: Headers): Record<string, string | null> {
  return {
    'cache-control': headers.get('cache-control'),
    'x-content-type-options': headers.get('x-content-type-options'),
    server: headers.get('server'),
    'x-powered-by': headers.get('x-powered-by'),
  };
}

function expectedFor(name: string): Record<string, string | null> {
  return { 'cache-control': CACHE_CONTROL_EXCEPTIONS[name] ?? 'no-store', 'x-content-type-options': 'nosniff', server: null, 'x-powered-by': null };
}

describe('response headers of every HTTP function', () => {
  const harness = new LocalRuntimeHarness();
  let ownerToken: string;

  beforeAll(async () => {
    await harness.prepare();
    ({ token: ownerToken } = await runTokenCommand(['--subscription', SUB, '--role', 'Owner', '--user', 'hedda']));
    await harness.start();
  });
  afterAll(() => harness.stop());

  it('when the functions folder is loaded, then the table holds every HTTP function and every method it serves', () => {
    expect(new Set(routes.map((r) => r.name))).toEqual(new Set(definitions.map((d) => d.name)));
    expect(routes.length).toBeGreaterThanOrEqual(definitions.length);
    expect(routes.map((r) => r.name)).toContain('health');
  });

  describe('over real HTTP on the local runtime', () => {
    it.each(routes)('when $method $path ($name) is called without a token, then the answer carries no-store, nosniff and no banner', async ({ name, method, path }) => {
      const response = await fetch(`${harness.runtime.url}/api/${path}`, { method, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }) });
      await response.arrayBuffer();

      if (!ANONYMOUS_FUNCTIONS.has(name)) expect(response.status).toBe(401);
      expect(headerPropertiesOf(response.headers)).toEqual(expectedFor(name));
    });

    it.each(routes)('when $method $path ($name) is called with an Owner\'s token, then the answer carries no-store, nosniff and no banner', async ({ name, method, path }) => {
      const response = await harness.call(method, `/${path}`, ownerToken, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      await response.arrayBuffer();

      // Past authentication (the user's token is not an ingestion key, so the webhooks still refuse it).
      if (!INGESTION_KEY_FUNCTIONS.has(name)) expect(response.status).not.toBe(401);
      expect(headerPropertiesOf(response.headers)).toEqual(expectedFor(name));
    });
  });

  it('when a route no function serves is called, then the local host\'s own 404 names no server software either', async () => {
    const response = await fetch(`${harness.runtime.url}/api/no-such-route`);
    await response.arrayBuffer();

    expect({ status: response.status, server: response.headers.get('server'), poweredBy: response.headers.get('x-powered-by') }).toEqual({ status: 404, server: null, poweredBy: null });
  });

  describe('as registered with the Functions host', () => {
    const httpFiles = definitions.filter((d) => !ANONYMOUS_FUNCTIONS.has(d.name)).map((d) => `${d.name}.ts`);

    /** Loads the file in a fresh module registry as the host does, and returns the handler it registers. */
    function registeredHandlerOf(file: string): HttpHandler | undefined {
      let handler: HttpHandler | undefined;
      jest.isolateModules(() => {
        jest.doMock('@azure/functions-core', () => ({}), { virtual: true });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { app } = require('@azure/functions') as typeof AzureFunctions;
        jest.spyOn(app, 'http').mockImplementation((_name, options) => (handler = options.handler));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(join(__dirname, '..', '..', 'functions', file));
      });
      return handler;
    }

    it.each(httpFiles)('when the host runs the handler %s registers for a caller without a token, then its 401 carries no-store, nosniff and no banner', async (file) => {
      const handler = registeredHandlerOf(file);
      const name = basename(file, extname(file));
      const result = await handler?.(httpRequest('GET', `/api/${name}`), new InvocationContext({ functionName: name }));
      const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});

      expect(response.status).toBe(401);
      expect(headerPropertiesOf(response.headers)).toEqual(expectedFor(name));
    });
  });
});

describe('addSecurityHeaders', () => {
  it('when a handler answers with its own headers, then they are kept and the security headers are added', () => {
    const response = addSecurityHeaders({ status: 200, jsonBody: { ok: true }, headers: { ETag: '"7"', 'x-ms-continuation': 'abc' } });

    expect(response).toEqual({
      status: 200,
      jsonBody: { ok: true },
      headers: { etag: '"7"', 'x-ms-continuation': 'abc', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    });
  });

  it('when a route sets its own cache-control, then it is kept', () => {
    const response = addSecurityHeaders({ headers: { 'Cache-Control': 'max-age=300' } }) as HttpResponseInit;

    expect(response.headers).toEqual({ 'cache-control': 'max-age=300', 'x-content-type-options': 'nosniff' });
  });

  it('when a handler sets a banner or another content-type-options value, then the banner is dropped and nosniff wins', () => {
    const response = addSecurityHeaders({ headers: [['Server', 'argus/0.1'], ['X-Powered-By', 'node'], ['X-Content-Type-Options', 'sniff']] }) as HttpResponseInit;

    expect(response.headers).toEqual({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });

  it('when a handler answers with an HttpResponse, then its headers are set on it and its body is untouched', async () => {
    const response = addSecurityHeaders(new HttpResponse({ status: 202, body: 'accepted', headers: { location: '/x' } })) as HttpResponse;

    expect(headerPropertiesOf(response.headers)).toEqual(expectedFor('any'));
    expect(response.headers.get('location')).toBe('/x');
    expect(await response.text()).toBe('accepted');
  });

  it('when the wrapped handler throws, then the error reaches the host unchanged (its 500 has no body to protect)', async () => {
    const handler = withSecurityHeaders(() => Promise.reject(new Error('boom')));

    await expect(handler(httpRequest('GET', '/api/x'), new InvocationContext({ functionName: 'x' }))).rejects.toThrow('boom');
  });
});
