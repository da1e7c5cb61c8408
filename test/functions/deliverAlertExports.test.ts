import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo } from 'node:net';
import { InvocationContext } from '@azure/functions';
import { deliverAlertExports } from '../../functions/deliverAlertExports';
import { putExportSettings } from '../../functions/putExportSettings';
import { startWebhookReceiver } from '../../local/webhookReceiver';
import { type Alert, AlertStatus } from '../../shared/alerts/alert';
import { TargetCircuitBreaker } from '../../shared/export/deliveryRetry';
import { deliverExportChanges, deliveryIdOf } from '../../shared/export/deliverExportChanges';
import { deliverWebhook } from '../../shared/export/deliverWebhook';
import { DEFAULT_MAX_ATTEMPTS } from '../../shared/export/deliveryRetry';
import { type EventHubTarget, type ExportSettings } from '../../shared/export/exportTargets';
import { verifyWebhookSignature } from '../../shared/export/webhookSignature';
import { alertChangedEventOf, type AlertChangedEvent } from '../../shared/messaging/alertChangedEvents';
import { openWebhookSecret } from '../../shared/export/webhookSecrets';
import { getServices, setExportEventHubSenderForTests } from '../../shared/services';
import { listDeadLetters } from '../../shared/store/deadLetterStore';
import { listExportDeadLetters, writeExportDeadLetters } from '../../shared/store/exportDeadLetterStore';
import { getExportSettings } from '../../shared/store/exportSettingsStore';
import { variedAlert } from '../support/alertFixtures';
import { ApiHarness, roleCast } from '../support/apiHarness';
import { applyAppSettings } from '../support/appSettings';
import { auditBatch, triggerMetadataOf } from '../support/auditMessages';
import { RecordingPublisher } from '../support/recordingPublisher';
import { assessmentChangedEventOf } from '../../shared/messaging/assessmentChangedEvents';
import { exampleCluster } from '../../shared/posture/exampleClusters';
import { type Assessment, type ClusterAssessmentResult, evaluateClusterChecks, nextAssessment } from '../../shared/posture/evaluateClusterChecks';

/*
 * The push export's trigger as the host runs it: a batch of alert-changed events with its trigger
 * metadata, the subscription's targets from the store, webhooks posted for real to local receivers
 * (local mode allows http and loopback), Event Hub targets through a recording fake.
 */

const ALERT_EVENTS_HUB = 'argus-alert-events';
const { admin } = roleCast('d');

interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  validSignature: boolean;
}

interface RecordingReceiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** A webhook receiver that records every request and answers `status`; the signature is checked with `secret()`. */
async function startRecordingReceiver(secret: () => string, status = 200): Promise<RecordingReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const signature = req.headers['x-argus-signature'];
      requests.push({ headers: req.headers, body: body.toString('utf8'), validSignature: verifyWebhookSignature(secret(), body, typeof signature === 'string' ? signature : undefined) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok\n' : 'no\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/argus`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface WebhookEnvelope {
  id: string;
  type: string;
  subscriptionId: string;
  alertId: string;
  version: number;
  changedAtUtc: string;
  format: string;
  data: Alert;
}

describe('deliverAlertExports', () => {
  const harness = new ApiHarness();
  let restoreSettings: () => void;
  let subscriptionCounter = 0;
  let alertCounter = 0;
  let batchCounter = 0;
  /** What each Event Hub target (by hub name) was sent. */
  const hubSenders = new Map<string, RecordingPublisher>();
  const receivers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    await harness.start();
    restoreSettings = applyAppSettings({ SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS: '0' });
    setExportEventHubSenderForTests((target: EventHubTarget) => {
      let sender = hubSenders.get(target.eventHubName);
      if (sender === undefined) {
        sender = new RecordingPublisher();
        hubSenders.set(target.eventHubName, sender);
      }
      return sender;
    });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    setExportEventHubSenderForTests(undefined);
    restoreSettings();
    await harness.stop();
  });

  async function freshSubscription(): Promise<string> {
    subscriptionCounter++;
    const subscriptionId = `5d000000-0000-4000-8000-${subscriptionCounter.toString(16).padStart(12, '0')}`;
    await harness.grant(subscriptionId, admin, 'SecurityAdmin');
    return subscriptionId;
  }

  /** Sets the targets through the API, as an admin would; the secrets shown once, by target name. */
  async function putTargets(subscriptionId: string, targets: unknown[]): Promise<Map<string, string>> {
    const response = await harness.call(putExportSettings, 'PUT', `/api/subscriptions/${subscriptionId}/exportSettings`, { params: { subscriptionId }, as: admin, body: { targets } });
    expect(response.status).toBe(200);
    const body = response.jsonBody as { targets: { name: string; secret?: string }[] };
    return new Map(body.targets.flatMap((t) => (t.secret === undefined ? [] : [[t.name, t.secret] as const])));
  }

  function alertOf(subscriptionId: string, version = 1, overrides: Partial<Alert> = {}): Alert {
    const alert = variedAlert(alertCounter++, subscriptionId);
    return { ...alert, status: AlertStatus.Active, version, lastModifiedUtc: new Date(Date.parse('2026-11-22T11:00:00.000Z') + alertCounter * 1000).toISOString(), ...overrides };
  }

  /** Runs the function on a batch of event bodies; the batch's partition and the invocation's logs. */
  async function runBatch(bodies: readonly unknown[]): Promise<{ partitionId: string; logs: { level: string; message: string }[] }> {
    batchCounter++;
    const partitionId = `export-${batchCounter}`;
    const batch = auditBatch(bodies, { eventHubName: ALERT_EVENTS_HUB, consumerGroup: 'argus-export', partitionId });
    const logs: { level: string; message: string }[] = [];
    const context = new InvocationContext({
      functionName: 'deliverAlertExports',
      invocationId: `test-${batchCounter}`,
      triggerMetadata: triggerMetadataOf(batch),
      logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
    });
    await deliverAlertExports([...bodies], context);
    return { partitionId, logs };
  }

  const eventBody = (alert: Alert): string => JSON.stringify(alertChangedEventOf(alert));

  it('when a webhook target is set, then each alert arrives once at its latest version, signed, with its delivery id and a JSON envelope', async () => {
    const sub = await freshSubscription();
    let secret = '';
    const receiver = await startRecordingReceiver(() => secret);
    receivers.push(receiver);
    secret = (await putTargets(sub, [{ name: 'soar', kind: 'webhook', format: 'json', url: receiver.url }])).get('soar') as string;
    expect(secret).toMatch(/^whsec_/);

    const a1 = alertOf(sub, 1);
    const a2 = { ...a1, version: 2, status: AlertStatus.InProgress, lastModifiedUtc: '2026-11-22T12:00:00.000Z' };
    const a3 = { ...a1, version: 3, status: AlertStatus.Resolved, lastModifiedUtc: '2026-11-22T12:00:05.000Z' };
    const b1 = alertOf(sub, 1);
    // Out of order and repeated, as at-least-once publishing may hand them over; one as parsed JSON.
    const { logs } = await runBatch([eventBody(a2), eventBody(b1), eventBody(a3), eventBody(a1), JSON.parse(eventBody(a3)) as unknown]);

    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.every((r) => r.validSignature)).toBe(true);
    const envelopes = receiver.requests.map((r) => JSON.parse(r.body) as WebhookEnvelope);
    expect(envelopes.map((e) => [e.alertId, e.version])).toEqual([
      [b1.id, 1],
      [a1.id, 3],
    ]);
    const forA = envelopes[1] as WebhookEnvelope;
    expect(forA).toMatchObject({ type: 'alertChanged', subscriptionId: sub, changedAtUtc: a3.lastModifiedUtc, format: 'json' });
    expect(forA.data).toMatchObject({ id: a1.id, version: 3, status: 'Resolved' });
    expect(forA.data).not.toHaveProperty('ingestedThrough');
    const deliveryId = deliveryIdOf(sub, 'soar', { alertId: a1.id, version: 3 });
    expect(forA.id).toBe(deliveryId);
    expect(receiver.requests[1]?.headers).toMatchObject({ 'x-argus-delivery': deliveryId, 'x-argus-event': 'alertChanged', 'content-type': 'application/json' });
    expect(receiver.requests[1]?.headers['x-argus-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await listExportDeadLetters(harness.database, sub, 10)).toEqual([]);
  });

  it('when the target is the local webhook receiver, then it verifies every delivery signature', async () => {
    const sub = await freshSubscription();
    const lines: string[] = [];
    const secrets = await putTargets(sub, [{ name: 'local', kind: 'webhook', format: 'json', url: 'http://127.0.0.1:9/' }]);
    const receiver = await startWebhookReceiver({ port: 0, secret: secrets.get('local') as string, print: (line) => lines.push(line) });
    receivers.push(receiver);
    await putTargets(sub, [{ name: 'local', kind: 'webhook', format: 'json', url: receiver.url }]);

    const alerts = [alertOf(sub), alertOf(sub, 4)];
    await runBatch(alerts.map(eventBody));

    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.startsWith('✓ signature valid'))).toBe(true);
    expect(lines.map((line) => /delivery ([0-9a-f-]+)/.exec(line)?.[1])).toEqual(alerts.map((a) => deliveryIdOf(sub, 'local', { alertId: a.id, version: a.version })));
    expect(await listExportDeadLetters(harness.database, sub, 10)).toEqual([]);
  });

  it('when a webhook target takes cef, then the body is the alert as one CEF line', async () => {
    const sub = await freshSubscription();
    let secret = '';
    const receiver = await startRecordingReceiver(() => secret);
    receivers.push(receiver);
    secret = (await putTargets(sub, [{ name: 'siem', kind: 'webhook', format: 'cef', url: receiver.url }])).get('siem') as string;
    const alert = alertOf(sub, 2);

    await runBatch([eventBody(alert)]);

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.validSignature).toBe(true);
    expect(request?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(request?.headers['x-argus-delivery']).toBe(deliveryIdOf(sub, 'siem', { alertId: alert.id, version: 2 }));
    expect(request?.body).toMatch(/^CEF:0\|Argus\|Argus\|[^\n]*\n$/);
    expect(request?.body).toContain(`externalId=${alert.id}`);
    expect(request?.body).toContain('cn1=2');
  });

  it('when an Event Hub target is set, then it gets each alert record at its latest version with the subscription as partition key', async () => {
    const sub = await freshSubscription();
    await putTargets(sub, [{ name: 'sentinel', kind: 'eventHub', format: 'ocsf', fullyQualifiedNamespace: 'contoso-siem.servicebus.windows.net', eventHubName: `hub-${sub}` }]);
    const a1 = alertOf(sub, 1);
    const a2 = { ...a1, version: 2, lastModifiedUtc: '2026-11-22T12:30:00.000Z' };
    const b1 = alertOf(sub, 5);

    await runBatch([eventBody(a1), eventBody(b1), eventBody(a2)]);

    const sender = hubSenders.get(`hub-${sub}`) as RecordingPublisher;
    expect(sender.partitionKeys).toEqual([sub, sub]);
    const records = sender.takeParsed<{ class_uid: number; finding_info: { uid: string }; metadata: { uid: string } }>();
    expect(records.map((r) => r.class_uid)).toEqual([2004, 2004]);
    expect(records.map((r) => r.metadata.uid)).toEqual([`${b1.id}:5`, `${a1.id}:2`]);
  });

  it('when a target is disabled, then it gets nothing while the enabled ones get everything', async () => {
    const sub = await freshSubscription();
    let secret = '';
    const disabled = await startRecordingReceiver(() => secret);
    receivers.push(disabled);
    secret = (
      await putTargets(sub, [
        { name: 'off', kind: 'webhook', enabled: false, url: disabled.url },
        { name: 'off-hub', kind: 'eventHub', enabled: false, fullyQualifiedNamespace: 'contoso.servicebus.windows.net', eventHubName: `off-${sub}` },
        { name: 'on-hub', kind: 'eventHub', fullyQualifiedNamespace: 'contoso.servicebus.windows.net', eventHubName: `on-${sub}` },
      ])
    ).get('off') as string;

    await runBatch([eventBody(alertOf(sub)), eventBody(alertOf(sub))]);

    expect(disabled.requests).toEqual([]);
    expect(hubSenders.get(`off-${sub}`)?.bodies ?? []).toEqual([]);
    expect(hubSenders.get(`on-${sub}`)?.bodies).toHaveLength(2);
  });

  it('when the subscription has no export settings, then nothing is delivered and nothing fails', async () => {
    const sub = await freshSubscription();
    const sentBefore = [...hubSenders.values()].reduce((n, s) => n + s.bodies.length, 0);
    const { logs } = await runBatch([eventBody(alertOf(sub)), eventBody(alertOf(sub))]);
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(logs.some((l) => l.message.includes('"subscriptionsWithTargets":0') && l.message.includes('"delivered":0'))).toBe(true);
    expect([...hubSenders.values()].reduce((n, s) => n + s.bodies.length, 0)).toBe(sentBefore);
    expect(await listExportDeadLetters(harness.database, sub, 10)).toEqual([]);
  });

  it('when an event body is invalid, then it is dead-lettered as invalidAlertEvent and the others are still delivered', async () => {
    const sub = await freshSubscription();
    await putTargets(sub, [{ name: 'hub', kind: 'eventHub', fullyQualifiedNamespace: 'contoso.servicebus.windows.net', eventHubName: `valid-${sub}` }]);
    const good = [alertOf(sub), alertOf(sub)];
    const mismatched = { ...alertChangedEventOf(alertOf(sub)), alertId: 'another-alert' };

    const { partitionId } = await runBatch([eventBody(good[0] as Alert), 'not json', JSON.stringify(mismatched), eventBody(good[1] as Alert)]);

    const delivered = hubSenders.get(`valid-${sub}`)?.takeParsed<{ id: string }>() ?? [];
    expect(delivered.map((a) => a.id)).toEqual(good.map((a) => a.id));
    const letters = await listDeadLetters(harness.database, partitionId);
    expect(letters.map((l) => [l.sequenceNumber, l.reason])).toEqual([
      [1, 'invalidAlertEvent'],
      [2, 'invalidAlertEvent'],
    ]);
    expect(letters[0]).toMatchObject({ eventHubName: ALERT_EVENTS_HUB, partitionId });
    // A dead letter keeps its own event, never the rest of the batch.
    expect(letters[0]).not.toHaveProperty('messages');
    expect(letters[0]?.raw).toBe('not json');
  });

  it('when a webhook receiver refuses every delivery, then all are dead-lettered and, after the breaker opens, no more requests are made', async () => {
    const sub = await freshSubscription();
    let secret = '';
    const refusing = await startRecordingReceiver(() => secret, 400);
    receivers.push(refusing);
    secret = (await putTargets(sub, [{ name: 'broken', kind: 'webhook', url: refusing.url }])).get('broken') as string;
    const alerts = [alertOf(sub), alertOf(sub), alertOf(sub), alertOf(sub), alertOf(sub)];

    await runBatch(alerts.map(eventBody));

    // 400 is final (no retry); the breaker opens after 3 failed deliveries in a row.
    expect(refusing.requests).toHaveLength(3);
    const letters = await listExportDeadLetters(harness.database, sub, 20);
    expect(letters).toHaveLength(5);
    const byAlert = new Map(letters.map((l) => [l.alertId, l]));
    expect(alerts.map((a) => byAlert.get(a.id)?.reason)).toEqual(['deliveryFailed', 'deliveryFailed', 'deliveryFailed', 'targetUnavailable', 'targetUnavailable']);
    expect(byAlert.get(alerts[0]?.id as string)).toMatchObject({ targetName: 'broken', targetKind: 'webhook', status: 400, attempts: 1, alertVersion: 1 });
    expect(letters.every((l) => !l.detail.includes('/hooks/argus'))).toBe(true);
  });

  it('when a webhook receiver answers 500 to everything, then each delivery is retried, all are dead-lettered, and the requests stay within threshold × attempts', async () => {
    // Through deliverExportChanges with the real webhook client and the waits skipped: the function's own
    // backoff (1 s base, full jitter) would take tens of seconds for this.
    const sub = await freshSubscription();
    let secret = '';
    const failing = await startRecordingReceiver(() => secret, 500);
    receivers.push(failing);
    secret = (await putTargets(sub, [{ name: 'down', kind: 'webhook', url: failing.url }])).get('down') as string;
    const settings = (await getExportSettings(harness.database, sub)) as ExportSettings;
    const events: AlertChangedEvent[] = Array.from({ length: 8 }, () => alertChangedEventOf(alertOf(sub)));
    const threshold = 3;
    const breaker = new TargetCircuitBreaker({ threshold });

    const summary = await deliverExportChanges(events, {
      exportSettingsOf: (subscriptionId) => Promise.resolve(subscriptionId === sub ? settings : undefined),
      eventHubSender: () => new RecordingPublisher(),
      webhookSecretOf: (subscriptionId, target) => openWebhookSecret(getServices().secrets, subscriptionId, target),
      postWebhook: (request) => deliverWebhook(request, { local: true, userAgent: 'Argus/test' }),
      retry: { sleep: () => Promise.resolve() },
      breakerOf: () => breaker,
      writeDeadLetters: (letters) => writeExportDeadLetters(harness.database, letters),
      productVersion: 'test',
      now: () => new Date(),
    });

    expect(failing.requests).toHaveLength(threshold * DEFAULT_MAX_ATTEMPTS);
    expect(failing.requests.every((r) => r.validSignature)).toBe(true);
    // Every attempt of one delivery carries the same delivery id.
    expect(new Set(failing.requests.map((r) => r.headers['x-argus-delivery'])).size).toBe(threshold);
    expect(summary).toMatchObject({ delivered: 0, deadLettered: 8, webhookAttempts: threshold * DEFAULT_MAX_ATTEMPTS });
    const letters = await listExportDeadLetters(harness.database, sub, 20);
    expect(letters).toHaveLength(8);
    expect(letters.filter((l) => l.reason === 'deliveryFailed').every((l) => l.status === 500 && l.attempts === DEFAULT_MAX_ATTEMPTS)).toBe(true);
    expect(letters.filter((l) => l.reason === 'targetUnavailable')).toHaveLength(8 - threshold);
  });
});

describe('deliverAlertExports: assessment changes', () => {
  const harness = new ApiHarness();
  let restoreSettings: () => void;
  const hubSenders = new Map<string, RecordingPublisher>();
  const receivers: { close(): Promise<void> }[] = [];
  const sub = '5d000000-0000-4000-8000-0000000a0001';
  const NOW = '2026-11-22T11:00:00.000Z';

  beforeAll(async () => {
    await harness.start();
    restoreSettings = applyAppSettings({ SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS: '0' });
    setExportEventHubSenderForTests((target: EventHubTarget) => {
      const sender = hubSenders.get(target.eventHubName) ?? new RecordingPublisher();
      hubSenders.set(target.eventHubName, sender);
      return sender;
    });
    await harness.grant(sub, admin, 'SecurityAdmin');
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    setExportEventHubSenderForTests(undefined);
    restoreSettings();
    await harness.stop();
  });

  /** The network-policy assessment of a default cluster, at `version`, as the refresh writes it. */
  function networkPolicyAssessment(version: number): Assessment {
    const cluster = exampleCluster({}, { id: `/subscriptions/${sub}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks-1`, name: 'aks-1' });
    const result = evaluateClusterChecks(cluster, { now: NOW }).find((candidate) => candidate.checkName === 'network-policy');
    const first = nextAssessment(undefined, result as ClusterAssessmentResult, NOW) as Assessment;
    return { ...first, version, exportedChangeUtc: new Date(Date.parse(NOW) + version * 1000).toISOString() };
  }

  async function run(bodies: readonly unknown[]): Promise<void> {
    const batch = auditBatch(bodies, { eventHubName: ALERT_EVENTS_HUB, consumerGroup: 'argus-export', partitionId: 'assessments' });
    await deliverAlertExports([...bodies], new InvocationContext({ functionName: 'deliverAlertExports', invocationId: 'assessments', triggerMetadata: triggerMetadataOf(batch) }));
  }

  it('when assessment changes reach a webhook, an OCSF Event Hub and a CEF Event Hub, then each gets the latest version in its format, an alert beside them is untouched', async () => {
    let secret = '';
    const receiver = await startRecordingReceiver(() => secret);
    receivers.push(receiver);
    const secrets = await harness.call(putExportSettings, 'PUT', `/api/subscriptions/${sub}/exportSettings`, {
      params: { subscriptionId: sub },
      as: admin,
      body: {
        targets: [
          { name: 'soar', kind: 'webhook', format: 'json', url: receiver.url },
          { name: 'sentinel', kind: 'eventHub', format: 'ocsf', fullyQualifiedNamespace: 'contoso.servicebus.windows.net', eventHubName: 'ocsf-hub' },
          { name: 'arcsight', kind: 'eventHub', format: 'cef', fullyQualifiedNamespace: 'contoso.servicebus.windows.net', eventHubName: 'cef-hub' },
        ],
      },
    });
    secret = (secrets.jsonBody as { targets: { name: string; secret?: string }[] }).targets.find((target) => target.name === 'soar')?.secret as string;

    const v1 = networkPolicyAssessment(1);
    const v2 = { ...networkPolicyAssessment(2), status: { code: 'Healthy' as const, description: 'Network policy: cilium.' } };
    await run([JSON.stringify(assessmentChangedEventOf(v2)), JSON.stringify(assessmentChangedEventOf(v1))]);

    expect(receiver.requests).toHaveLength(1);
    const envelope = JSON.parse(receiver.requests[0]?.body ?? '{}') as Record<string, unknown>;
    expect(receiver.requests[0]?.validSignature).toBe(true);
    expect(receiver.requests[0]?.headers['x-argus-event']).toBe('assessmentChanged');
    expect(envelope).toMatchObject({ type: 'assessmentChanged', subscriptionId: sub, assessmentId: v1.id, version: 2, changedAtUtc: v2.exportedChangeUtc, data: { kind: 'assessment', name: 'network-policy', status: { code: 'Healthy' } } });
    expect(envelope).not.toHaveProperty('alertId');
    expect(envelope['id']).toBe(deliveryIdOf(sub, 'soar', assessmentChangedEventOf(v2)));
    expect(envelope['id']).not.toBe(deliveryIdOf(sub, 'soar', { alertId: v1.id, version: 2 }));

    const [ocsf] = hubSenders.get('ocsf-hub')?.take() ?? [];
    expect(JSON.parse(ocsf ?? '{}')).toMatchObject({ class_uid: 2003, activity_id: 2, compliance: { control: 'network-policy', status_id: 1, status: 'Pass' }, metadata: { uid: `${v1.id}:2` } });
    const [cef] = hubSenders.get('cef-hub')?.take() ?? [];
    expect(cef).toMatch(/^CEF:0\|Argus\|Argus\|[^|]+\|assessment:network-policy\|[^|]+\|0\|/);
  });

  it('when a webhook keeps refusing an assessment change, then the dead letter names the assessment and its version', async () => {
    const refusing = await startRecordingReceiver(() => 'x', 400);
    receivers.push(refusing);
    await harness.call(putExportSettings, 'PUT', `/api/subscriptions/${sub}/exportSettings`, { params: { subscriptionId: sub }, as: admin, body: { targets: [{ name: 'soar', kind: 'webhook', format: 'json', url: refusing.url }] } });
    const v3 = networkPolicyAssessment(3);
    await run([JSON.stringify(assessmentChangedEventOf(v3))]);
    const letters = await listExportDeadLetters(harness.database, sub, 10);
    expect(letters).toEqual([expect.objectContaining({ changeType: 'assessmentChanged', assessmentId: v3.id, assessmentVersion: 3, targetName: 'soar', reason: 'deliveryFailed' })]);
    expect(letters[0]).not.toHaveProperty('alertId');
  });
});
