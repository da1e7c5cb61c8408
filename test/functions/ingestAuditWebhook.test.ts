import { deleteCluster } from '../../functions/deleteCluster';
import { ingestAuditWebhook } from '../../functions/ingestAuditWebhook';
import { putCluster } from '../../functions/putCluster';
import { generateIngestionKey } from '../../shared/clusters/ingestionKey';
import { auditEvent, container, workloadEvent } from '../../shared/detection/exampleEvents';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { decodeAuditInput } from '../../shared/kubernetes/decodeAuditInput';
import { setAuditEventPublisherForTests } from '../../shared/services';
import { RecordingPublisher } from '../support/recordingPublisher';
import { ApiHarness, roleCast } from '../support/apiHarness';

const SUB = '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f';
const OTHER_SUB = '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968';
const { reader, admin, owner, stranger } = roleCast('f');
const AKS_ID = `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod`;

const privilegedPod = (auditID: string) => workloadEvent('pods', { containers: [container({ securityContext: { privileged: true } })] }, { auditID, name: `pod-${auditID}` });
const eventList = (items: unknown[]) => ({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });

describe('POST /api/ingest/audit (ingestAuditWebhook)', () => {
  let harness: ApiHarness;
  const publisher = new RecordingPublisher();

  beforeAll(async () => {
    harness = await new ApiHarness().start();
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
    setAuditEventPublisherForTests(publisher);
  });
  afterAll(async () => {
    setAuditEventPublisherForTests(undefined);
    await harness.stop();
  });
  beforeEach(() => {
    publisher.take();
    publisher.failWith = undefined;
  });

  const register = async (clusterName: string, body?: unknown): Promise<string> => {
    const response = await harness.call(putCluster, 'PUT', `/api/subscriptions/${SUB}/clusters/${clusterName}`, {
      params: { subscriptionId: SUB, clusterName },
      as: owner,
      ...(body === undefined ? {} : { body }),
    });
    expect([200, 201]).toContain(response.status);
    return (response.jsonBody as { ingestionKey: string }).ingestionKey;
  };
  const post = (body: unknown, authorization: string | undefined, headers: Record<string, string> = {}) =>
    harness.call(ingestAuditWebhook, 'POST', '/api/ingest/audit', {
      as: null,
      body,
      headers: { ...(authorization === undefined ? {} : { authorization }), ...headers },
    });
  const decodePublished = () => publisher.take().map((message) => decodeAuditInput(message));
  const errorOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { error: { code: string; message: string } }).error;

  describe('forwarding', () => {
    it('when a registered cluster posts an EventList with its key, then every event is forwarded, decodable and tagged with that cluster', async () => {
      const key = await register('kind-dev');
      const items = [privilegedPod('p-1'), auditEvent({ verb: 'get', resource: 'secrets', namespace: 'default', name: 's', auditID: 'g-1' })];
      const response = await post(eventList(items), `Bearer ${key}`);

      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
      expect(response.jsonBody).toEqual({ accepted: 2, tooLarge: 0 });
      const decoded = decodePublished();
      expect(decoded.flatMap((d) => d.skipped)).toEqual([]);
      const records = decoded.flatMap((d) => d.records);
      expect(records.map((r) => r.event.auditID)).toEqual(['p-1', 'g-1']);
      const arc = parseClusterResourceId(`/subscriptions/${SUB}/resourceGroups/argus-registered-clusters/providers/Microsoft.Kubernetes/connectedClusters/kind-dev`);
      expect(records.map((r) => r.cluster)).toEqual([arc, arc]);
    });

    it('when the cluster was registered with its AKS resource id, then the events are tagged with it', async () => {
      const key = await register('aks-prod', { resourceId: AKS_ID });
      expect((await post(eventList([privilegedPod('aks-1')]), `Bearer ${key}`)).status).toBe(200);
      expect(decodePublished().flatMap((d) => d.records.map((r) => r.cluster))).toEqual([parseClusterResourceId(AKS_ID)]);
    });

    it('when two clusters post, then each cluster\'s messages are published with its resource id as the partition key (one cluster, one partition, in order)', async () => {
      const first = await register('ordered-a');
      const second = await register('ordered-b');
      await post(eventList([privilegedPod('a-1'), privilegedPod('a-2')]), `Bearer ${first}`);
      await post(eventList([privilegedPod('b-1')]), `Bearer ${second}`);
      await post(eventList([privilegedPod('a-3')]), `Bearer ${first}`);

      const arcId = (name: string) => `/subscriptions/${SUB}/resourceGroups/argus-registered-clusters/providers/Microsoft.Kubernetes/connectedClusters/${name}`;
      const keys = [...publisher.partitionKeys];
      const clusters = decodePublished().map((d) => d.records[0]?.cluster.resourceId);
      expect(keys).toEqual(clusters);
      expect(new Set(keys)).toEqual(new Set([arcId('ordered-a'), arcId('ordered-b')]));
    });

    it('when one audit Event or a JSON array of events is posted, then it is accepted too', async () => {
      const key = await register('single-and-array');
      expect((await post(privilegedPod('one'), `Bearer ${key}`)).jsonBody).toEqual({ accepted: 1, tooLarge: 0 });
      expect((await post([privilegedPod('two'), privilegedPod('three')], `bearer ${key}`)).jsonBody).toEqual({ accepted: 2, tooLarge: 0 });
      expect(decodePublished().flatMap((d) => d.records.map((r) => r.event.auditID))).toEqual(['one', 'two', 'three']);
    });

    it('when the EventList is empty (or its items null, as Go writes an empty list), then 200 with nothing forwarded', async () => {
      const key = await register('empty-lists');
      expect((await post(eventList([]), `Bearer ${key}`)).jsonBody).toEqual({ accepted: 0, tooLarge: 0 });
      expect((await post({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: null }, `Bearer ${key}`)).jsonBody).toEqual({ accepted: 0, tooLarge: 0 });
      expect(publisher.take()).toEqual([]);
    });

    it('when one event is too large for an Event Hubs message even without its objects, then the others are forwarded and it is counted', async () => {
      const key = await register('too-large');
      const huge = auditEvent({ verb: 'create', resource: 'configmaps', namespace: 'default', annotations: { note: 'x'.repeat(1100 * 1024) }, auditID: 'huge' });
      const bigObjects = auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', requestObject: { blob: 'y'.repeat(1100 * 1024) }, auditID: 'big-objects' });
      const response = await post(eventList([privilegedPod('small'), huge, bigObjects]), `Bearer ${key}`);
      expect(response.status).toBe(200);
      expect(response.jsonBody).toEqual({ accepted: 2, tooLarge: 1 });
      const records = decodePublished().flatMap((d) => d.records);
      expect(records.map((r) => r.event.auditID)).toEqual(['small', 'big-objects']);
      expect(records[1]?.event.requestObject).toBe('skipped-too-big-size-object');
    });

    it('when events are forwarded, then one log line names the cluster and the counts, never the key or a payload', async () => {
      const key = await register('log-check');
      const response = await post(eventList([privilegedPod('logged')]), `Bearer ${key}`);
      const lines = response.context.logs.map((l) => l.message);
      expect(lines).toEqual([expect.stringMatching(/connectedClusters\/log-check: 1 events forwarded in 1 messages, 0 trimmed, 0 too large, \d+ ms$/) as string]);
      expect(lines.join('\n')).not.toContain(key.split('.').at(-1));
      expect(lines.join('\n')).not.toContain('pod-logged');
    });
  });

  describe('authentication', () => {
    let key: string;
    beforeAll(async () => {
      key = await register('auth-cluster');
    });

    const refusedWith401 = (response: Awaited<ReturnType<typeof post>>) => {
      expect(response.status).toBe(401);
      expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer' });
      expect(errorOf(response)).toEqual({ code: 'Unauthorized', message: 'A valid cluster ingestion key is required.' });
    };

    it.each([
      ['no Authorization header', () => undefined],
      ['another scheme', () => `Basic ${Buffer.from(`x:${key}`).toString('base64')}`],
      ['a malformed key', () => 'Bearer argus1.not-a-key'],
      ['the key with a changed secret', () => `Bearer ${key.slice(0, -2)}${key.endsWith('AA') ? 'BA' : 'AA'}`],
      ['a well-formed key that was never issued', () => `Bearer ${generateIngestionKey(SUB, 'auth-cluster').key}`],
      ['a key for a cluster that is not registered', () => `Bearer ${generateIngestionKey(SUB, 'nobody').key}`],
      ['the key of another subscription', () => `Bearer ${key.replace(SUB, OTHER_SUB)}`],
    ])('when the request has %s, then it is 401 with the same generic answer and nothing is forwarded', async (_situation, authorization) => {
      refusedWith401(await post(eventList([privilegedPod('x')]), authorization()));
      expect(publisher.take()).toEqual([]);
    });

    it("when an Owner's Entra ID token is presented, then it is 401: only ingestion keys open the webhook", async () => {
      refusedWith401(await post(eventList([privilegedPod('x')]), `Bearer ${await harness.tokenFor(owner)}`));
    });

    it('when the cluster is deleted, then its key is refused at once', async () => {
      const revoked = await register('revoked');
      expect((await post(eventList([]), `Bearer ${revoked}`)).status).toBe(200);
      const deleted = await harness.call(deleteCluster, 'DELETE', `/api/subscriptions/${SUB}/clusters/revoked`, { params: { subscriptionId: SUB, clusterName: 'revoked' }, as: owner });
      expect(deleted.status).toBe(204);
      refusedWith401(await post(eventList([privilegedPod('after-delete')]), `Bearer ${revoked}`));
      expect(publisher.take()).toEqual([]);
    });

    it('when the key is rotated without a grace, then the old key is refused at once and the new one works', async () => {
      const old = await register('rotated');
      const fresh = await register('rotated');
      refusedWith401(await post(eventList([]), `Bearer ${old}`));
      expect((await post(eventList([]), `Bearer ${fresh}`)).status).toBe(200);
    });

    it('when the key is rotated with a grace, then the old key works until the grace ends and is refused after', async () => {
      const old = await register('graceful');
      const fresh = await register('graceful', { previousKeyValidForMinutes: 30 });
      expect((await post(eventList([]), `Bearer ${old}`)).status).toBe(200);
      expect((await post(eventList([]), `Bearer ${fresh}`)).status).toBe(200);
      // The grace ends: as if 30 minutes had passed.
      const container = harness.database.container('clusters');
      const { resource } = await container.item('graceful', SUB).read<Record<string, unknown>>();
      await container.items.upsert({ ...resource, previousKeyExpiresAtUtc: new Date(Date.now() - 1000).toISOString() });
      refusedWith401(await post(eventList([]), `Bearer ${old}`));
      expect((await post(eventList([]), `Bearer ${fresh}`)).status).toBe(200);
    });

    it('when a refused request is logged, then the reason is logged without the key', async () => {
      const response = await post(eventList([]), `Bearer ${generateIngestionKey(SUB, 'auth-cluster').key}`);
      const text = response.context.logs.map((l) => l.message).join('\n');
      expect(text).toContain('key not current for cluster auth-cluster');
      expect(text).not.toContain('argus1.');
    });
  });

  describe('bad bodies', () => {
    let key: string;
    beforeAll(async () => {
      key = await register('body-cluster');
    });

    it('when Content-Length says more than 8 MiB, then it is 413 before the body is read', async () => {
      const response = await post(eventList([]), `Bearer ${key}`, { 'content-length': String(8 * 1024 * 1024 + 1) });
      expect(response.status).toBe(413);
      expect(errorOf(response).code).toBe('RequestBodyTooLarge');
    });

    it('when the body is over 8 MiB without saying so, then it is 413 and nothing is forwarded', async () => {
      const body = JSON.stringify(eventList([auditEvent({ verb: 'get', resource: 'pods', annotations: { pad: 'z'.repeat(8 * 1024 * 1024) } })]));
      const response = await post(body, `Bearer ${key}`);
      expect(response.status).toBe(413);
      expect(errorOf(response)).toMatchObject({ code: 'RequestBodyTooLarge', message: expect.stringMatching(/^body must be at most 8388608 bytes/) as string });
      expect(publisher.take()).toEqual([]);
    });

    it('when the body is not JSON, then it is 400 naming the body', async () => {
      const response = await post('{"kind":"EventList","items":[', `Bearer ${key}`);
      expect(response.status).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'InvalidRequestBody', message: expect.stringMatching(/^body must be valid JSON/) as string });
    });

    it.each([
      ['another kind of list', { kind: 'PodList', items: [] }, /^kind /],
      ['an object that is not an audit event', { hello: 'world' }, /^kind /],
      ['an EventList whose items is not an array', { kind: 'EventList', items: { a: 1 } }, /^items must be an array/],
      ['an EventList with a non-object item', eventList([privilegedPod('ok'), 'text']), /^items\[1\] must be a JSON object/],
      ['an array with a non-object element', [privilegedPod('ok'), null], /^body\[1\] must be a JSON object/],
      ['a JSON string', '"EventList"', /^body must be /],
    ])('when the body is %s, then it is 400 naming the field and nothing is forwarded', async (_situation, body, message) => {
      const response = await post(body, `Bearer ${key}`);
      expect(response.status).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'InvalidRequestBody', message: expect.stringMatching(message) as string });
      expect(publisher.take()).toEqual([]);
    });
  });

  describe('when the audit hub cannot be reached', () => {
    it('then it is 503 with Retry-After and a generic message, so the API server sends the batch again', async () => {
      const key = await register('hub-down');
      publisher.failWith = new Error('connect ECONNREFUSED argus-hub.servicebus.windows.net');
      const response = await post(eventList([privilegedPod('retry-me')]), `Bearer ${key}`);
      expect(response.status).toBe(503);
      expect(response.headers).toMatchObject({ 'retry-after': '10', 'cache-control': 'no-store' });
      expect(errorOf(response).code).toBe('ServiceUnavailable');
      expect(JSON.stringify(response.jsonBody)).not.toContain('servicebus');
      expect(response.context.logs.some((l) => l.level === 'error' && l.message.includes('connectedClusters/hub-down'))).toBe(true);

      publisher.failWith = undefined;
      expect((await post(eventList([privilegedPod('retry-me')]), `Bearer ${key}`)).jsonBody).toEqual({ accepted: 1, tooLarge: 0 });
    });
  });
});
