import { type InvocationContext } from '@azure/functions';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { type LocalRuntime } from '../../local/localRuntime';
import { type Alert } from '../../shared/alerts/alert';
import { auditEvent, container, workloadEvent } from '../../shared/detection/exampleEvents';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { decodeAuditInput } from '../../shared/kubernetes/decodeAuditInput';
import { defineEventHubFunction } from '../../shared/functions/defineFunction';
import { LocalRuntimeHarness } from '../support/localRuntimeHarness';
import { runTokenCommand } from '../support/localTokens';

const SUB = '2d3c4b5a-6978-4a1b-9c2d-3e4f5a6b7c8d';
const AUDIT_HUB = 'insights-logs-kube-audit';

/**
 * What reached the audit hub, seen as a second consumer group beside the ingestion function: the
 * messages exactly as the Functions trigger hands them over.
 */
const received: unknown[] = [];
const recorder = defineEventHubFunction('recordAuditHub', {
  eventHubName: AUDIT_HUB,
  consumerGroup: 'e2e-recorder',
  connection: 'EVENTHUB',
  cardinality: 'many',
  handler: (messages: unknown, _context: InvocationContext) => {
    received.push(...(messages as unknown[]));
    return Promise.resolve();
  },
});

describe('audit webhook end to end: register a cluster, then its API server posts to /api/ingest/audit over real HTTP', () => {
  const harness = new LocalRuntimeHarness();
  const definitions = loadFunctionDefinitions();
  let runtime: LocalRuntime;
  let owner: Awaited<ReturnType<typeof runTokenCommand>>;
  let ingestionKey: string;
  let webhookUrl: string;
  const call = (method: string, path: string, token: string, body?: unknown): Promise<Response> => harness.call(method, path, token, { body });

  beforeAll(async () => {
    await harness.prepare();
    owner = await runTokenCommand(['--subscription', SUB, '--role', 'Owner', '--user', 'olivia']);
    // The plan is switched on mid-test: the ingestion function must not answer from a cached "disabled".
    runtime = await harness.start({ settings: { SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS: '0' }, definitions: [...definitions, recorder] });
  });
  afterAll(() => harness.stop());

  it('when the Owner registers a cluster, then the key and the webhook URL come back once', async () => {
    const response = await call('PUT', `/subscriptions/${SUB}/clusters/kind-dev`, owner.token);
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { ingestionKey: string; webhookUrl: string };
    ({ ingestionKey, webhookUrl } = body);
    expect(webhookUrl).toBe(`${runtime.url}/api/ingest/audit`);
    expect(JSON.stringify(await (await call('GET', `/subscriptions/${SUB}/clusters/kind-dev`, owner.token)).json())).not.toContain(ingestionKey);
  });

  it('when the cluster posts an EventList with its key, then the embedded audit hub receives AKS-shaped records of that cluster', async () => {
    const items = [
      workloadEvent('pods', { containers: [container({ securityContext: { privileged: true } })] }, { auditID: 'e2e-priv-1', name: 'e2e-pod' }),
      auditEvent({ verb: 'get', resource: 'pods', namespace: 'default', name: 'e2e-pod', auditID: 'e2e-get-1' }),
    ];
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestionKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 2, tooLarge: 0 });

    await runtime.eventHubs.whenIdle();
    const records = received.flatMap((message) => decodeAuditInput(message).records);
    expect(records.map((r) => r.event.auditID)).toEqual(['e2e-priv-1', 'e2e-get-1']);
    const arc = parseClusterResourceId(`/subscriptions/${SUB}/resourceGroups/argus-registered-clusters/providers/Microsoft.Kubernetes/connectedClusters/kind-dev`);
    expect(records.map((r) => r.cluster)).toEqual([arc, arc]);
  });

  it('when the key is wrong, then the webhook answers 401 and nothing reaches the hub', async () => {
    const before = received.length;
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestionKey.slice(0, -2)}AA`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'EventList', items: [auditEvent({ verb: 'get', resource: 'pods' })] }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    await runtime.eventHubs.whenIdle();
    expect(received.length).toBe(before);
  });

  it('when the plan is enabled and the cluster sends a privileged pod, then the ingestion function raises an alert for that cluster', async () => {
    expect((await call('PUT', `/subscriptions/${SUB}/plan`, owner.token, { enabled: true })).status).toBe(200);
    const event = workloadEvent('pods', { containers: [container({ securityContext: { privileged: true } })] }, {
      auditID: 'e2e-priv-after-plan',
      name: 'miner-pod',
      time: new Date(Date.now() + 1000).toISOString(),
    });
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestionKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [event] }),
    });
    expect(response.status).toBe(200);

    await runtime.eventHubs.whenIdle();
    const alerts = (await (await call('GET', `/subscriptions/${SUB}/alerts?alertType=K8S_PrivilegedContainer`, owner.token)).json()) as { value: Alert[] };
    expect(alerts.value).toEqual([expect.objectContaining({ alertType: 'K8S_PrivilegedContainer', compromisedEntity: 'kind-dev', subscriptionId: SUB })]);
  });
});
