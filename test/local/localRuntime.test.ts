import type { EventHubHandler, InvocationContext, RetryContext } from '@azure/functions';
import { SignJWT, type JWTPayload } from 'jose';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { createMemoryLogger } from '../../local/localLogger';
import { startLocalRuntime, type LocalRuntime } from '../../local/localRuntime';
import { mintLocalToken } from '../../local/mintLocalToken';
import { defineEventHubFunction, defineHttpFunction, defineTimerFunction } from '../../shared/functions/defineFunction';
import { getServices } from '../../shared/services';
import { createTemporaryDirectory } from '../support/temporaryDirectory';
import { createTestSigningKey } from '../support/testKeys';

interface Delivery {
  messages: unknown[];
  metadata: Record<string, unknown>;
  retryContext: RetryContext | undefined;
}

const deliveries: Delivery[] = [];
const flakyAttempts: (RetryContext | undefined)[] = [];
const timerRuns: { isPastDue: boolean }[] = [];

const recordBatch: EventHubHandler = (messages: unknown, context: InvocationContext) => {
  deliveries.push({ messages: messages as unknown[], metadata: context.triggerMetadata ?? {}, retryContext: context.retryContext });
  return Promise.resolve();
};

/** Test-only functions, defined with the same pattern as the app's own (outside the host nothing registers). */
const testDefinitions = [
  defineHttpFunction('echo', {
    route: 'echo/{id:int}/{*rest}',
    methods: ['POST', 'PUT'],
    handler: async (request) => ({
      status: 201,
      headers: { 'x-echo': 'yes', 'content-type': 'application/json' },
      cookies: [{ name: 'session', value: 'a b', path: '/', httpOnly: true, sameSite: 'Strict' }],
      body: JSON.stringify({
        method: request.method,
        params: request.params,
        query: request.query.getAll('tag'),
        header: request.headers.get('x-test'),
        body: await request.text(),
      }),
    }),
  }),
  defineHttpFunction('explode', {
    route: 'explode',
    methods: ['GET'],
    handler: () => Promise.reject(new Error('secret detail that must not reach the caller')),
  }),
  defineEventHubFunction('consumeTestHub', {
    eventHubName: '%TEST_HUB_NAME%',
    consumerGroup: '%TEST_CONSUMER_GROUP%',
    connection: 'EVENTHUB',
    cardinality: 'many',
    handler: recordBatch,
  }),
  defineEventHubFunction('consumeFlakyHub', {
    eventHubName: 'flaky',
    connection: 'EVENTHUB',
    cardinality: 'many',
    retry: { strategy: 'fixedDelay', maxRetryCount: 3, delayInterval: 10 },
    handler: (_messages, context) => {
      flakyAttempts.push(context.retryContext);
      return (context.retryContext?.retryCount ?? 0) < 2 ? Promise.reject(new Error('transient')) : Promise.resolve();
    },
  }),
  defineTimerFunction('tick', {
    schedule: '* * * * * *',
    runOnStartup: true,
    handler: (timer) => {
      timerRuns.push({ isPastDue: timer.isPastDue });
      return Promise.resolve();
    },
  }),
];

describe('local runtime', () => {
  const dataDir = createTemporaryDirectory();
  const logger = createMemoryLogger();
  const settings = {
    PORT: '0',
    ARGUS_LOCAL_COSMOS_PORT: '0',
    ARGUS_LOCAL_DATA_DIR: dataDir.path,
    TEST_HUB_NAME: 'insights-logs-test',
    TEST_CONSUMER_GROUP: 'argus',
  };
  const savedEnvironment = { ...process.env };
  let runtime: LocalRuntime;

  const api = (path: string): string => `${runtime.url}/api${path}`;
  const postToHub = (hub: string, body: string, contentType = 'application/json'): Promise<Response> =>
    fetch(api(`/local/eventhubs/${hub}/messages`), { method: 'POST', headers: { 'content-type': contentType }, body });

  beforeAll(async () => {
    runtime = await startLocalRuntime({ settings, logger, definitions: [...loadFunctionDefinitions(), ...testDefinitions] });
  });
  afterAll(async () => {
    await runtime.stop();
    process.env = savedEnvironment;
    dataDir.remove();
  });

  describe('HTTP', () => {
    it('when GET /api/health is called over HTTP, then the real function answers 200 ok', async () => {
      const response = await fetch(api('/health'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toMatchObject({ status: 'ok', checks: { store: { status: 'up' } } });
    });

    it('when a request carries params, query, headers and a body, then the handler sees them and its response comes back', async () => {
      const response = await fetch(api('/echo/42/a/b%20c?tag=x&tag=y'), { method: 'PUT', headers: { 'x-test': 'hello' }, body: 'payload' });
      expect(response.status).toBe(201);
      expect(response.headers.get('x-echo')).toBe('yes');
      expect(response.headers.get('set-cookie')).toBe('session=a%20b; Path=/; HttpOnly; SameSite=Strict');
      expect(await response.json()).toEqual({ method: 'PUT', params: { id: '42', rest: 'a/b c' }, query: ['x', 'y'], header: 'hello', body: 'payload' });
    });

    it('when no route matches, or the method or a route constraint does not, then it is 404 as on Azure', async () => {
      expect((await fetch(api('/nothing-here'))).status).toBe(404);
      expect((await fetch(api('/echo/42/a'), { method: 'GET' })).status).toBe(404);
      expect((await fetch(api('/echo/not-a-number/a'), { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${runtime.url}/health`)).status).toBe(404); // outside the route prefix
    });

    it('when a handler throws, then the caller gets an empty 500 and the error is logged', async () => {
      const response = await fetch(api('/explode'));
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('');
      expect(logger.entries.some((e) => e.level === 'error' && e.source === 'explode')).toBe(true);
    });
  });

  describe('identity', () => {
    const callMe = (token: string): Promise<Response> => fetch(api('/me'), { headers: { authorization: `Bearer ${token}` } });

    it('when a token from the local token command is used, then the protected route accepts it', async () => {
      const { token, objectId } = await mintLocalToken(runtime.signingKey, runtime.config.auth, { userName: 'ada' });
      const response = await callMe(token);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ objectId, displayName: 'ada', tenantId: runtime.config.auth.tenantId });
    });

    it('when the local JWKS is fetched, then it publishes the public key only', async () => {
      const { keys } = (await (await fetch(api('/local/identity/keys'))).json()) as { keys: Record<string, unknown>[] };
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: runtime.signingKey.kid });
      expect(keys[0]).not.toHaveProperty('d');
    });

    it.each([
      ['its payload changed', (good: string) => {
        const [h, p, s] = good.split('.');
        const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as JWTPayload;
        return Promise.resolve(`${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['Argus.Admin'] })).toString('base64url')}.${s}`);
      }],
      ['it is signed by another key', async () => {
        const other = await createTestSigningKey(runtime.signingKey.kid);
        const { auth } = runtime.config;
        return new SignJWT({ oid: 'x', tid: auth.tenantId })
          .setProtectedHeader({ alg: 'RS256', kid: other.kid })
          .setIssuer(auth.issuer).setAudience(auth.audiences[0] ?? '').setIssuedAt().setExpirationTime('1h')
          .sign(other.privateKey);
      }],
      ['its alg is none', (good: string) => {
        const [, p] = good.split('.');
        return Promise.resolve(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`);
      }],
      ['it expired', async () =>
        (await mintLocalToken(runtime.signingKey, runtime.config.auth, { userName: 'ada', now: new Date(Date.now() - 3 * 3600_000) })).token],
    ])('when a token is presented and %s, then it is 401', async (_case, tamper) => {
      const good = (await mintLocalToken(runtime.signingKey, runtime.config.auth, { userName: 'ada' })).token;
      const response = await callMe(await tamper(good));
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'Unauthorized', message: 'A valid bearer token is required.' } });
    });
  });

  describe('event hubs', () => {
    beforeEach(() => {
      deliveries.length = 0;
      flakyAttempts.length = 0;
    });

    it('when messages are posted to a hub, then the bound function gets them parsed, with Azure-shaped trigger metadata', async () => {
      const response = await postToHub('insights-logs-test', JSON.stringify([{ records: [{ category: 'kube-audit' }] }, 'plain text', { n: 3 }]));
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ hubName: 'insights-logs-test', accepted: 3 });
      await runtime.eventHubs.whenIdle();

      expect(deliveries).toHaveLength(1);
      const [delivery] = deliveries;
      expect(delivery?.messages).toEqual([{ records: [{ category: 'kube-audit' }] }, 'plain text', { n: 3 }]);
      const metadata = delivery?.metadata ?? {};
      expect(metadata['partitionContext']).toMatchObject({ eventHubName: 'insights-logs-test', consumerGroup: 'argus', partitionId: '0' });
      const sequenceNumbers = metadata['sequenceNumberArray'] as number[];
      expect(sequenceNumbers).toHaveLength(3);
      expect(sequenceNumbers[1]).toBe((sequenceNumbers[0] ?? NaN) + 1);
      const enqueued = metadata['enqueuedTimeUtcArray'] as string[];
      expect(enqueued).toHaveLength(3);
      for (const time of enqueued) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/); // no "Z", as the host sends it
      expect(metadata['offsetArray']).toEqual(expect.arrayContaining([expect.stringMatching(/^\d+$/)]));
      expect((metadata['systemPropertiesArray'] as unknown[])[0]).toMatchObject({ sequenceNumber: sequenceNumbers[0] });
      expect(delivery?.retryContext).toBeUndefined();
    });

    it('when more messages arrive than the batch size in host.json, then they come in batches of at most that size, in order', async () => {
      const messages = Array.from({ length: 150 }, (_, i) => ({ i }));
      expect((await postToHub('insights-logs-test', JSON.stringify(messages))).status).toBe(202);
      await runtime.eventHubs.whenIdle();
      expect(deliveries.map((d) => d.messages.length)).toEqual([64, 64, 22]);
      expect(deliveries.flatMap((d) => d.messages)).toEqual(messages);
    });

    it('when the function fails transiently and has a retry policy, then the batch is retried with a retry context until it succeeds', async () => {
      expect((await postToHub('flaky', '{"x":1}')).status).toBe(202);
      await runtime.eventHubs.whenIdle();
      expect(flakyAttempts).toEqual([
        { retryCount: 0, maxRetryCount: 3 },
        { retryCount: 1, maxRetryCount: 3 },
        { retryCount: 2, maxRetryCount: 3 },
      ]);
    });

    it('when a non-JSON content type is posted, then the body is one text event', async () => {
      expect((await postToHub('insights-logs-test', 'line one\nline two', 'text/plain')).status).toBe(202);
      await runtime.eventHubs.whenIdle();
      expect(deliveries.flatMap((d) => d.messages)).toEqual(['line one\nline two']);
    });

    it('when the body is not valid JSON, then it is 400 naming the problem and nothing is enqueued', async () => {
      const response = await postToHub('insights-logs-test', '{"records": [');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'InvalidJson' } });
      await runtime.eventHubs.whenIdle();
      expect(deliveries).toHaveLength(0);
    });

    it('when the hub has no bound function, then it is 404 listing the hubs that have one', async () => {
      const response = await postToHub('typo-hub', '{}');
      expect(response.status).toBe(404);
      const { error } = (await response.json()) as { error: { message: string } };
      expect(error.message).toContain('insights-logs-test');
    });

    it('when one event exceeds the Event Hubs size limit, then it is 413 and nothing is enqueued', async () => {
      const response = await postToHub('insights-logs-test', JSON.stringify(['x'.repeat(1024 * 1024 + 1)]));
      expect(response.status).toBe(413);
    });
  });

  describe('timers', () => {
    it('when a timer runs on startup and every second, then it has run more than once within three seconds', async () => {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(timerRuns.length).toBeGreaterThanOrEqual(2);
      expect(runtime.timers.nextOccurrences().map((next) => next.name)).toContain('tick');
    });
  });

  describe('persistence', () => {
    it('when data is written and the runtime stops and starts again, then the data is still there', async () => {
      const document = { id: 'alert-1', subscriptionId: '00000000-0000-0000-0000-000000000001', status: 'Active' };
      await getServices().database.container('alerts').items.create(document);
      await runtime.stop();

      runtime = await startLocalRuntime({ settings, logger, definitions: loadFunctionDefinitions() });
      const { resource } = await getServices().database.container('alerts').item('alert-1', document.subscriptionId).read<typeof document>();
      expect(resource).toMatchObject(document);
      expect(logger.entries.some((e) => e.source === 'store' && e.message.includes('restored 1 documents'))).toBe(true);
    });
  });
});

describe('local runtime start-up', () => {
  it('when the HTTP port is taken, then start-up fails naming the PORT setting and leaves nothing running', async () => {
    const { createServer } = await import('node:http');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const dataDir = createTemporaryDirectory();
    const savedEnvironment = { ...process.env };
    try {
      await expect(
        startLocalRuntime({
          settings: { PORT: String(port), ARGUS_LOCAL_COSMOS_PORT: '0', ARGUS_LOCAL_DATA_DIR: dataDir.path },
          logger: createMemoryLogger(),
          definitions: [],
        }),
      ).rejects.toThrow(`Port ${port} for the HTTP functions is already in use; stop the other process or set PORT to a free port.`);
    } finally {
      process.env = savedEnvironment;
      blocker.close();
      dataDir.remove();
    }
  });

  it('when it runs inside Azure App Service, then it refuses to start', async () => {
    await expect(startLocalRuntime({ settings: { WEBSITE_INSTANCE_ID: 'abc' }, definitions: [] })).rejects.toThrow(/refuses to start inside Azure/);
  });
});
