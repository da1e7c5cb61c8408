import { ingestNodeWebhook } from '../../functions/ingestNodeWebhook';
import { putCluster } from '../../functions/putCluster';
import { generateIngestionKey } from '../../shared/clusters/ingestionKey';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { decodeNodeInput } from '../../shared/node/decodeNodeInput';
import { falcoAlertEvent, fileAccessEvent, processExecEvent } from '../../shared/node/exampleNodeEvents';
import { setNodeEventPublisherForTests } from '../../shared/services';
import { ApiHarness, roleCast } from '../support/apiHarness';
import { RecordingPublisher } from '../support/recordingPublisher';

const SUB = '5d4c3b2a-1f0e-4d9c-8b7a-6e5d4c3b2a1f';
const OTHER_SUB = '9a8b7c6d-5e4f-4321-8fed-cba987654321';
const { reader, admin, owner, stranger } = roleCast('8');
const AKS_ID = `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod`;
const arcIdOf = (clusterName: string) => `/subscriptions/${SUB}/resourceGroups/argus-registered-clusters/providers/Microsoft.Kubernetes/connectedClusters/${clusterName}`;

const shell = (pid: number) => processExecEvent({ binary: '/bin/bash', arguments: '-c id', pid });
const shadowRead = fileAccessEvent({ path: '/etc/shadow' });
const falco = falcoAlertEvent({ rule: 'Terminal shell in container' });
const ndjson = (events: readonly unknown[]) => events.map((event) => JSON.stringify(event)).join('\n');

describe('POST /api/ingest/node (ingestNodeWebhook)', () => {
  let harness: ApiHarness;
  const publisher = new RecordingPublisher();

  beforeAll(async () => {
    harness = await new ApiHarness().start();
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
    setNodeEventPublisherForTests(publisher);
  });
  afterAll(async () => {
    setNodeEventPublisherForTests(undefined);
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
    harness.call(ingestNodeWebhook, 'POST', '/api/ingest/node', {
      as: null,
      body,
      headers: { ...(authorization === undefined ? {} : { authorization }), ...headers },
    });
  const postNdjson = (events: readonly unknown[], authorization: string | undefined) => post(ndjson(events), authorization, { 'content-type': 'application/x-ndjson' });
  /** The events the node-events hub received, one per NDJSON line of every message, taken. */
  const published = () =>
    publisher
      .take()
      .flatMap((message) => message.split('\n'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const errorOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { error: { code: string; message: string } }).error;

  describe('forwarding', () => {
    it('when a registered cluster posts NDJSON with its key, then every event is forwarded as it came, tagged with that cluster', async () => {
      const key = await register('kind-dev');
      const events = [shell(101), shadowRead, falco];
      const response = await postNdjson(events, `Bearer ${key}`);

      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
      expect(response.jsonBody).toEqual({ accepted: 3, tooLarge: 0 });
      expect(published()).toEqual(events.map((event) => ({ ...event, cluster_resource_id: arcIdOf('kind-dev') })));
    });

    it('when a JSON array or one event (falcosidekick posts one alert per request) is posted, then it is accepted too', async () => {
      const key = await register('array-and-single');
      expect((await post([shell(201), shell(202)], `Bearer ${key}`)).jsonBody).toEqual({ accepted: 2, tooLarge: 0 });
      expect((await post(falco, `bearer ${key}`)).jsonBody).toEqual({ accepted: 1, tooLarge: 0 });
      const events = published();
      expect(events).toEqual([shell(201), shell(202), falco].map((event) => ({ ...event, cluster_resource_id: arcIdOf('array-and-single') })));
    });

    it('when the cluster was registered with its AKS resource id, then the events are tagged with it', async () => {
      const key = await register('aks-prod', { resourceId: AKS_ID });
      expect((await postNdjson([shell(301)], `Bearer ${key}`)).status).toBe(200);
      expect(published().map((event) => event['cluster_resource_id'])).toEqual([AKS_ID]);
    });

    it('when events claim another cluster, then the claim is overwritten: a cluster never speaks for another', async () => {
      const key = await register('honest-sender');
      await register('victim');
      const claiming = [
        { ...shell(401), cluster_resource_id: arcIdOf('victim') },
        { ...falco, cluster_resource_id: AKS_ID },
        { ...shadowRead, cluster_resource_id: 42 },
      ];
      expect((await postNdjson(claiming, `Bearer ${key}`)).jsonBody).toEqual({ accepted: 3, tooLarge: 0 });
      expect(published().map((event) => event['cluster_resource_id'])).toEqual([arcIdOf('honest-sender'), arcIdOf('honest-sender'), arcIdOf('honest-sender')]);
    });

    it('when the node pipeline decodes what was forwarded, then every event belongs to the sending cluster, wherever the sender put a claim', async () => {
      const key = await register('decoded-sender');
      await register('victim');
      const victim = arcIdOf('victim');
      const claimedExec = { ...shell(411), cluster_resource_id: victim };
      const events = [
        claimedExec,
        // Fluent Bit without a JSON parser wraps the line in `log`; Vector in `message`. The wrapper's keys count first.
        { log: JSON.stringify(claimedExec), cluster_resource_id: victim },
        { message: JSON.stringify(claimedExec), resourceId: victim },
        // falcosidekick puts its customfields in output_fields.
        { ...falco, resourceId: victim, output_fields: { ...(falco['output_fields'] as object), cluster_resource_id: victim } },
      ];
      expect((await postNdjson(events, `Bearer ${key}`)).jsonBody).toEqual({ accepted: 4, tooLarge: 0 });

      const decoded = publisher.take().map((message) => decodeNodeInput(message));
      expect(decoded.flatMap((d) => d.skipped)).toEqual([]);
      const sender = parseClusterResourceId(arcIdOf('decoded-sender'));
      expect(decoded.flatMap((d) => d.records.map((r) => r.cluster))).toEqual([sender, sender, sender, sender]);
      expect(decoded.flatMap((d) => d.records.map((r) => r.event.type))).toEqual(['process_exec', 'process_exec', 'process_exec', 'falco_alert']);
    });

    it('when the JSON array is empty, then 200 with nothing forwarded', async () => {
      const key = await register('empty-array');
      expect((await post([], `Bearer ${key}`)).jsonBody).toEqual({ accepted: 0, tooLarge: 0 });
      expect(publisher.take()).toEqual([]);
    });

    it('when one event is too large for an Event Hubs message, then the others are forwarded and it is counted', async () => {
      const key = await register('too-large');
      const huge = { ...shell(501), padding: 'x'.repeat(1100 * 1024) };
      const response = await postNdjson([shell(502), huge, falco], `Bearer ${key}`);
      expect(response.status).toBe(200);
      expect(response.jsonBody).toEqual({ accepted: 2, tooLarge: 1 });
      expect(published()).toEqual([shell(502), falco].map((event) => ({ ...event, cluster_resource_id: arcIdOf('too-large') })));
    });

    it('when events are forwarded, then one log line names the cluster and the counts, never the key or a payload', async () => {
      const key = await register('log-check');
      const response = await postNdjson([shadowRead], `Bearer ${key}`);
      const lines = response.context.logs.map((l) => l.message);
      expect(lines).toEqual([expect.stringMatching(/^node webhook: cluster .*connectedClusters\/log-check: 1 events forwarded in 1 messages, 0 too large, \d+ ms$/) as string]);
      expect(lines.join('\n')).not.toContain(key.split('.').at(-1));
      expect(lines.join('\n')).not.toContain('/etc/shadow');
    });
  });

  describe('authentication', () => {
    let key: string;
    beforeAll(async () => {
      key = await register('auth-cluster');
    });

    it.each([
      ['no Authorization header', () => undefined],
      ['another scheme', () => `Basic ${Buffer.from(`x:${key}`).toString('base64')}`],
      ['a malformed key', () => 'Bearer argus1.not-a-key'],
      ['a well-formed key that was never issued', () => `Bearer ${generateIngestionKey(SUB, 'auth-cluster').key}`],
      ['the key of another subscription', () => `Bearer ${key.replace(SUB, OTHER_SUB)}`],
    ])('when the request has %s, then it is 401 and nothing is forwarded', async (_situation, authorization) => {
      const response = await postNdjson([shell(601)], authorization());
      expect(response.status).toBe(401);
      expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer' });
      expect(errorOf(response)).toEqual({ code: 'Unauthorized', message: 'A valid cluster ingestion key is required.' });
      expect(publisher.take()).toEqual([]);
    });

    it("when an Owner's Entra ID token is presented, then it is 401: only ingestion keys open the webhook", async () => {
      expect((await postNdjson([shell(602)], `Bearer ${await harness.tokenFor(owner)}`)).status).toBe(401);
      expect(publisher.take()).toEqual([]);
    });

    it('when the key is rotated without a grace, then the old key is refused and the new one works', async () => {
      const old = await register('rotated');
      const fresh = await register('rotated');
      expect((await post([], `Bearer ${old}`)).status).toBe(401);
      expect((await post([], `Bearer ${fresh}`)).status).toBe(200);
    });
  });

  describe('bad bodies', () => {
    let key: string;
    beforeAll(async () => {
      key = await register('body-cluster');
    });

    it('when Content-Length says more than 8 MiB, then it is 413 before the body is read', async () => {
      const response = await post([], `Bearer ${key}`, { 'content-length': String(8 * 1024 * 1024 + 1) });
      expect(response.status).toBe(413);
      expect(errorOf(response).code).toBe('RequestBodyTooLarge');
    });

    it('when the body is over 8 MiB without saying so, then it is 413 and nothing is forwarded', async () => {
      const body = ndjson(Array.from({ length: 9 }, (_, i) => ({ ...shell(700 + i), padding: 'z'.repeat(1024 * 1024) })));
      const response = await post(body, `Bearer ${key}`);
      expect(response.status).toBe(413);
      expect(errorOf(response)).toMatchObject({ code: 'RequestBodyTooLarge', message: expect.stringMatching(/^body must be at most 8388608 bytes/) as string });
      expect(publisher.take()).toEqual([]);
    });

    it.each([
      ['NDJSON whose third line is not JSON', ndjson([shell(801), falco]) + '\n{"process_exec":', /^line 3 must be a JSON object/],
      ['NDJSON with a line that is not an object', `${ndjson([shell(802)])}\n"text"`, /^line 2 must be a JSON object/],
      ['a JSON array with a non-object element', [shell(803), falco, null], /^body\[2\] must be a JSON object/],
      ['a JSON array that is cut off', `[${JSON.stringify(shell(804))},`, /^body must be valid JSON/],
      ['a JSON string', '"process_exec"', /^body must be NDJSON, a JSON array or one JSON object/],
      ['empty', '', /^body must not be empty/],
    ])('when the body is %s, then it is 400 naming what is wrong and nothing is forwarded', async (_situation, body, message) => {
      const response = await post(body, `Bearer ${key}`);
      expect(response.status).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'InvalidRequestBody', message: expect.stringMatching(message) as string });
      expect(publisher.take()).toEqual([]);
    });
  });

  describe('when the node-events hub cannot be reached', () => {
    it('then it is 503 with Retry-After and a generic message, and the same batch is accepted once the hub is back', async () => {
      const key = await register('hub-down');
      publisher.failWith = new Error('connect ECONNREFUSED argus-hub.servicebus.windows.net');
      const response = await postNdjson([shell(901)], `Bearer ${key}`);
      expect(response.status).toBe(503);
      expect(response.headers).toMatchObject({ 'retry-after': '10', 'cache-control': 'no-store' });
      expect(errorOf(response)).toEqual({ code: 'ServiceUnavailable', message: 'The node events could not be forwarded right now; send them again later.' });
      expect(JSON.stringify(response.jsonBody)).not.toContain('servicebus');
      expect(response.context.logs.some((l) => l.level === 'error' && l.message.startsWith('node webhook: ') && l.message.includes('connectedClusters/hub-down'))).toBe(true);

      publisher.failWith = undefined;
      expect((await postNdjson([shell(901)], `Bearer ${key}`)).jsonBody).toEqual({ accepted: 1, tooLarge: 0 });
      expect(published().map((event) => event['cluster_resource_id'])).toEqual([arcIdOf('hub-down')]);
    });
  });
});
