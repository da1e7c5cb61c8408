import type { AddressInfo } from 'node:net';
import { type Container, type ErrorResponse } from '@azure/cosmos';
import { createHttpsServer } from '@vercel/cosmosdb-server';
import { createCosmosClient } from '../../shared/store/createCosmosClient';
import { isTransientStoreError } from '../../shared/store/transientFaults';
import { startFaultInjectingCosmos, type FaultInjectingCosmos } from './faultInjectingCosmos';
import { type ProxiedRequest, startFaultInjectingProxy } from './faultInjectingProxy';

const SUBSCRIPTION = '00000000-1111-4222-8333-444444444444';
const writes = (r: ProxiedRequest): boolean => r.kind === 'write';
const reads = (r: ProxiedRequest): boolean => r.kind === 'read';

interface PlanDocument {
  id: string;
  subscriptionId: string;
  tier: string;
}

let documentCount = 0;
function newDocument(tier = 'free'): PlanDocument {
  documentCount += 1;
  return { id: `plan-${documentCount}`, subscriptionId: SUBSCRIPTION, tier };
}

/** What a rejected store call threw. */
async function failureOf(call: Promise<unknown>): Promise<ErrorResponse> {
  try {
    await call;
  } catch (error) {
    return error as ErrorResponse;
  }
  throw new Error('expected the call to fail');
}

describe('faultInjectingProxy', () => {
  it('when the SDK creates, reads and queries through the proxy, then every request reaches the store through it', async () => {
    const store = createHttpsServer();
    let storeRequests = 0;
    store.on('request', () => (storeRequests += 1));
    await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
    const storeEndpoint = `https://127.0.0.1:${(store.address() as AddressInfo).port}/`;
    const proxy = await startFaultInjectingProxy(storeEndpoint);
    const client = createCosmosClient({ endpoint: proxy.endpoint, databaseName: 'argus', allowSelfSignedCertificate: true });
    try {
      const { database } = await client.databases.createIfNotExists({ id: 'argus' });
      const { container } = await database.containers.createIfNotExists({ id: 'plans', partitionKey: { paths: ['/subscriptionId'] } });
      const document = newDocument();
      await container.items.create(document);
      await container.item(document.id, SUBSCRIPTION).read();
      await container.items.query({ query: 'SELECT * FROM c WHERE c.tier = "free"' }, { partitionKey: SUBSCRIPTION }).fetchAll();
      const { resource: account } = await client.getDatabaseAccount();

      const stats = proxy.stats();
      expect(stats.requests).toBeGreaterThanOrEqual(6);
      expect(storeRequests).toBe(stats.requests);
      expect(account?.writableLocations.map((l) => l.databaseAccountEndpoint)).toEqual([proxy.endpoint]);
      expect(account?.readableLocations.map((l) => l.databaseAccountEndpoint)).toEqual([proxy.endpoint]);
    } finally {
      client.dispose();
      await proxy.close();
      await new Promise<void>((resolve) => {
        store.close(() => resolve());
        store.closeAllConnections();
      });
    }
  });

  describe('with the production client', () => {
    let cosmos: FaultInjectingCosmos;
    let plans: Container;

    beforeAll(async () => {
      cosmos = await startFaultInjectingCosmos();
      plans = cosmos.database.container('plans');
    });
    afterAll(async () => {
      await cosmos.close();
    });
    beforeEach(() => {
      cosmos.proxy.resetStats();
    });
    afterEach(() => {
      // Every injected fault was hit: a test whose fault went unused proved nothing.
      expect(cosmos.proxy.pendingFaults()).toBe(0);
    });

    it('when documents are created, read, queried and replaced with their etag, then the answers pass through unchanged', async () => {
      const document = newDocument('standard');
      const { resource: created } = await plans.items.create(document);
      const { resource: read, etag } = await plans.item(document.id, SUBSCRIPTION).read<PlanDocument>();
      const { resources: found } = await plans.items
        .query<PlanDocument>({ query: 'SELECT * FROM c WHERE c.id = @id', parameters: [{ name: '@id', value: document.id }] }, { partitionKey: SUBSCRIPTION })
        .fetchAll();
      const { resource: replaced } = await plans
        .item(document.id, SUBSCRIPTION)
        .replace({ ...document, tier: 'premium' }, { accessCondition: { type: 'IfMatch', condition: etag } });

      expect(created).toMatchObject(document);
      expect(read).toMatchObject(document);
      expect(found.map((f) => f.id)).toEqual([document.id]);
      expect(replaced).toMatchObject({ ...document, tier: 'premium' });
      const stats = cosmos.proxy.stats();
      expect(stats.byKind.write).toEqual({ requests: 2, faults: 0 });
      expect(stats.byKind.read).toEqual({ requests: 1, faults: 0 });
      expect(stats.byKind.query.requests).toBeGreaterThanOrEqual(1);
      expect(stats.faults).toBe(0);
    });

    it('when a replace carries a stale etag, then the store refuses it with 412 through the proxy, not transient', async () => {
      const document = newDocument();
      const { etag } = await plans.items.create(document);
      await plans.item(document.id, SUBSCRIPTION).replace({ ...document, tier: 'standard' });

      const error = await failureOf(
        plans.item(document.id, SUBSCRIPTION).replace({ ...document, tier: 'premium' }, { accessCondition: { type: 'IfMatch', condition: etag } }),
      );

      expect(error.code).toBe(412);
      expect(isTransientStoreError(error)).toBe(false);
    });

    it.each([408, 449, 503])('when a write is answered %i, then the caller gets that error, classified transient, and nothing is stored', async (status) => {
      cosmos.proxy.failNext(1, { status, match: writes });
      const document = newDocument();

      const error = await failureOf(plans.items.create(document));

      expect(error.code).toBe(status);
      expect(isTransientStoreError(error)).toBe(true);
      expect(cosmos.proxy.stats().byKind.write).toEqual({ requests: 1, faults: 1 });
      expect((await plans.item(document.id, SUBSCRIPTION).read()).resource).toBeUndefined();
    });

    it('when a read is answered 503, then the caller gets a transient error and the next read succeeds', async () => {
      const document = newDocument();
      await plans.items.create(document);
      cosmos.proxy.failNext(1, { status: 503, match: reads });

      const error = await failureOf(plans.item(document.id, SUBSCRIPTION).read());

      expect(error.code).toBe(503);
      expect(isTransientStoreError(error)).toBe(true);
      expect((await plans.item(document.id, SUBSCRIPTION).read()).resource).toMatchObject(document);
    });

    it("when fewer 429s than the SDK's 9 retries are injected, then the SDK absorbs them and the write succeeds", async () => {
      cosmos.proxy.failNext(9, { status: 429, match: writes });
      const document = newDocument();

      const { resource } = await plans.items.create(document);

      expect(resource).toMatchObject(document);
      expect(cosmos.proxy.stats().byKind.write).toEqual({ requests: 10, faults: 9 });
    });

    it("when more 429s than the SDK's retries are injected, then the throttle reaches the caller, classified transient", async () => {
      cosmos.proxy.failNext(10, { status: 429, match: writes });

      const error = await failureOf(plans.items.create(newDocument()));

      expect(error.code).toBe(429);
      expect(error.substatus).toBe(3200);
      expect(error.retryAfterInMs).toBe(1);
      expect(isTransientStoreError(error)).toBe(true);
      expect(cosmos.proxy.stats().byKind.write).toEqual({ requests: 10, faults: 10 });
    });

    it('when the connection of a write is dropped before the store sees it, then the error is transient and nothing is stored', async () => {
      cosmos.proxy.dropNext(1, writes);
      const document = newDocument();

      const error = await failureOf(plans.items.create(document));

      expect(error.code).toBe('ECONNRESET');
      expect(isTransientStoreError(error)).toBe(true);
      expect((await plans.item(document.id, SUBSCRIPTION).read()).resource).toBeUndefined();
    });

    it('when the response to a write is dropped after the store applied it, then the error is transient yet the document exists', async () => {
      cosmos.proxy.dropResponseOfNext(1, writes);
      const document = newDocument();

      const error = await failureOf(plans.items.create(document));

      expect(isTransientStoreError(error)).toBe(true);
      expect((await plans.item(document.id, SUBSCRIPTION).read()).resource).toMatchObject(document);
      expect(cosmos.proxy.stats().byKind.write).toEqual({ requests: 1, faults: 1 });
    });

    it.each([400, 413])('when a write is answered %i, then the caller gets that error, classified not transient', async (status) => {
      cosmos.proxy.failNext(1, { status, match: writes });

      const error = await failureOf(plans.items.create(newDocument()));

      expect(error.code).toBe(status);
      expect(error.body?.code).toBe(status === 400 ? 'BadRequest' : 'RequestEntityTooLarge');
      expect(isTransientStoreError(error)).toBe(false);
    });

    it('when faults are asked for writes only, then reads and queries pass untouched until a write uses them', async () => {
      const document = newDocument();
      await plans.items.create(document);
      cosmos.proxy.failNext(1, { status: 503, match: writes });

      await plans.item(document.id, SUBSCRIPTION).read();
      await plans.items.query('SELECT * FROM c', { partitionKey: SUBSCRIPTION }).fetchAll();
      expect(cosmos.proxy.pendingFaults()).toBe(1);
      await expect(plans.item(document.id, SUBSCRIPTION).replace(document)).rejects.toMatchObject({ code: 503 });
    });

    it('when stats are reset, then the counts start again from zero', async () => {
      await plans.items.create(newDocument());
      expect(cosmos.proxy.stats().requests).toBeGreaterThan(0);

      cosmos.proxy.resetStats();

      expect(cosmos.proxy.stats()).toEqual({
        requests: 0,
        faults: 0,
        byKind: {
          read: { requests: 0, faults: 0 },
          query: { requests: 0, faults: 0 },
          write: { requests: 0, faults: 0 },
          metadata: { requests: 0, faults: 0 },
        },
        byMethod: {},
      });
    });
  });

  describe('with the throttling retries lowered to 1', () => {
    let cosmos: FaultInjectingCosmos;

    beforeAll(async () => {
      cosmos = await startFaultInjectingCosmos({ retryOptions: { maxRetryAttemptCount: 1 } });
    });
    afterAll(async () => {
      await cosmos.close();
    });

    it('when one 429 is injected, then the single retry absorbs it', async () => {
      cosmos.proxy.failNext(1, { status: 429, match: writes });

      await expect(cosmos.database.container('plans').items.create(newDocument())).resolves.toBeDefined();
      expect(cosmos.proxy.pendingFaults()).toBe(0);
    });

    it('when two 429s are injected, then the second reaches the caller, classified transient', async () => {
      cosmos.proxy.resetStats();
      cosmos.proxy.failNext(2, { status: 429, match: writes });

      const error = await failureOf(cosmos.database.container('plans').items.create(newDocument()));

      expect(error.code).toBe(429);
      expect(isTransientStoreError(error)).toBe(true);
      expect(cosmos.proxy.stats().byKind.write).toEqual({ requests: 2, faults: 2 });
    });
  });

  it('when the proxy is asked for a negative number of faults, then it refuses', async () => {
    const proxy = await startFaultInjectingProxy('https://127.0.0.1:1/');
    try {
      expect(() => proxy.failNext(-1, { status: 503 })).toThrow(RangeError);
    } finally {
      await proxy.close();
    }
  });
});
