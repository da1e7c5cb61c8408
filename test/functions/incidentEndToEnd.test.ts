import type { Timer } from '@azure/functions';
import { correlateIncidents } from '../../functions/correlateIncidents';
import { getIncident, type IncidentWithAlerts } from '../../functions/getIncident';
import { listIncidents } from '../../functions/listIncidents';
import { type Alert } from '../../shared/alerts/alert';
import { type Incident } from '../../shared/alerts/incident';
import { bindingEvent, container, execEvent, workloadEvent } from '../../shared/detection/exampleEvents';
import { processAuditBatch } from '../../shared/ingestion/processAuditBatch';
import { setAlertEventPublisherForTests } from '../../shared/services';
import { changePlan, upsertPlan } from '../../shared/store/planStore';
import { ApiHarness, roleCast } from '../support/apiHarness';
import { aksMessage, aksResourceId, auditBatch, diagnosticRecord } from '../support/auditMessages';
import { invocationContext } from '../support/httpRequests';
import { ingestionDependencies } from '../support/ingestionDependencies';
import { RecordingPublisher } from '../support/recordingPublisher';
import { storedAlertsOf } from '../support/storedAlerts';

/*
 * Issue 17, "Done when" 3: an RBAC escalation followed by a privileged pod and an exec into it forms one incident listed
 * through the API. The audit events of one AKS cluster go as Event Hubs batches (AKS diagnostic records, one partition
 * each) through processAuditBatch into the store the routes read; the correlation timer runs as the host runs it (the
 * real clock, so the story happened minutes ago); a SecurityReader lists and reads the incident with a real token.
 */

const STORY = 'e2e00000-0000-4000-8000-000000000001';
const NEAR_MISS = 'e2e00000-0000-4000-8000-000000000002';
const SHARED_POD = 'e2e00000-0000-4000-8000-000000000003';
const CLUSTER = 'aks-shop-prod';
const OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };
const TIMER: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
const { reader } = roleCast('1');

/** kubectl on an analyst's Mac, as the API server logs its user agent. */
const KUBECTL = 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46';
const MALLORY = 'mallory@contoso.com';
const MALLORY_IP = '198.51.100.77';

/** The story's first event: 40 minutes before the test runs, on a whole second (the correlation reads the last 7 days by the real clock). */
const STORY_START_IN_MS = Math.floor((Date.now() - 40 * 60_000) / 1000) * 1000;
/** An RFC 3339 time with microseconds, as the API server writes it, `offsetInMs` after the story's start. */
const at = (offsetInMs: number): string => new Date(STORY_START_IN_MS + offsetInMs).toISOString().replace(/Z$/, '305Z');

interface Actor {
  user: string;
  sourceIP: string;
}

/** `kubectl create clusterrolebinding <name> --clusterrole=cluster-admin --user=<subject>` by `actor`. */
function clusterAdminBindingEvent(actor: Actor, subject: string, auditID: string, time: string): Record<string, unknown> {
  return bindingEvent(
    { name: `${subject.split('@')[0] ?? 'user'}-cluster-admin`, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: subject }] },
    { ...actor, userAgent: KUBECTL, auditID, time },
  );
}

/** `kubectl apply -f node-debugger.yaml`: a pod in `shop` with a privileged container. */
function privilegedPodEvent(actor: Actor, pod: string, auditID: string, time: string): Record<string, unknown> {
  const spec = { containers: [container({ name: 'debugger', image: 'docker.io/library/alpine:3.20', command: ['sleep', 'infinity'], securityContext: { privileged: true } })] };
  return workloadEvent('pods', spec, { ...actor, namespace: 'shop', name: pod, userAgent: KUBECTL, auditID, time });
}

/** `kubectl exec -it <pod> -c <container> -- /bin/sh`: logged at ResponseStarted (the stream stays open). */
function execIntoEvent(actor: Actor, pod: string, containerName: string, auditID: string, time: string): Record<string, unknown> {
  return execEvent({ ...actor, namespace: 'shop', pod, container: containerName, command: ['/bin/sh'], userAgent: KUBECTL, auditID, time });
}

describe('incident end to end', () => {
  const harness = new ApiHarness();
  const alertHub = new RecordingPublisher();

  beforeAll(async () => {
    await harness.start();
    setAlertEventPublisherForTests(alertHub);
    const enabledAt = new Date(STORY_START_IN_MS - 60 * 60_000);
    for (const subscriptionId of [STORY, NEAR_MISS, SHARED_POD]) {
      await upsertPlan(harness.database, changePlan(subscriptionId, undefined, { enabled: true, by: OWNER, now: enabledAt }));
      await harness.grant(subscriptionId, reader, 'SecurityReader');
    }
  }, 60_000);
  afterAll(async () => {
    setAlertEventPublisherForTests(undefined);
    await harness.stop();
  });

  /** Each event as one AKS diagnostic record in its own Event Hubs message and batch, on partitions 0, 1, 2, ... */
  async function ingest(subscriptionId: string, events: readonly Record<string, unknown>[]): Promise<void> {
    const dependencies = ingestionDependencies(harness.database, new Date());
    for (const [index, event] of events.entries()) {
      const message = aksMessage([diagnosticRecord(event, { resourceId: aksResourceId(subscriptionId, CLUSTER) })]);
      await processAuditBatch(auditBatch([message], { partitionId: String(index), enqueuedTimeUtc: new Date().toISOString() }), dependencies);
    }
  }

  const runCorrelationTimer = () => correlateIncidents(TIMER, invocationContext('correlateIncidents'));
  const list = (subscriptionId: string) =>
    harness.call(listIncidents, 'GET', `/api/subscriptions/${subscriptionId}/incidents`, { params: { subscriptionId }, as: reader });
  const get = (subscriptionId: string, incidentId: string) =>
    harness.call(getIncident, 'GET', `/api/subscriptions/${subscriptionId}/incidents/${incidentId}`, { params: { subscriptionId, incidentId }, as: reader });
  const typesOf = (alerts: readonly Pick<Alert, 'alertType'>[]) => alerts.map((alert) => alert.alertType).sort();

  /** The one incident the API lists for the subscription, checked against what `GET .../incidents/{id}` returns. */
  async function onlyIncidentOf(subscriptionId: string): Promise<{ incident: Incident; withAlerts: IncidentWithAlerts }> {
    const listed = await list(subscriptionId);
    expect(listed.status).toBe(200);
    const { value } = listed.jsonBody as { value: Incident[] };
    expect(value).toHaveLength(1);
    const incident = value[0] as Incident;
    const read = await get(subscriptionId, incident.id);
    expect(read.status).toBe(200);
    return { incident, withAlerts: read.jsonBody as IncidentWithAlerts };
  }

  it('when mallory binds herself to cluster-admin, creates a privileged pod 2 minutes later and execs into it a minute after, then the API lists one incident of those alerts in kill-chain order', async () => {
    const mallory = { user: MALLORY, sourceIP: MALLORY_IP };
    await ingest(STORY, [
      clusterAdminBindingEvent(mallory, MALLORY, '5f0c2a7e-1d3b-4e69-8a4f-6b2d9c0e7a01', at(0)),
      privilegedPodEvent(mallory, 'node-debugger', '9b4e7d13-6a20-4c85-b1f3-2e8d5a7c9f02', at(2 * 60_000)),
      execIntoEvent(mallory, 'node-debugger', 'debugger', 'c3a81f56-0e7d-4b29-9d64-7f1b3e5a2c03', at(3 * 60_000)),
    ]);
    const alerts = await storedAlertsOf(harness.database, STORY);
    expect(typesOf(alerts)).toEqual([
      'K8S_ClusterAdminBinding',
      'K8S_ExecIntoPod',
      'K8S_ExecIntoPrivilegedPod',
      'K8S_PrivilegedContainer',
      'K8S_RbacChangeFollowedByWorkload',
    ]);
    expect(await list(STORY)).toMatchObject({ status: 200, jsonBody: { value: [] } });

    await runCorrelationTimer();

    const { incident, withAlerts } = await onlyIncidentOf(STORY);
    expect([...incident.alertIds].sort()).toEqual(alerts.map((alert) => alert.id).sort());
    // Kill-chain order, then start time: the privileged pod and the sequence it completed start together (their order
    // then follows the alert ids), the exec into the privileged pod a minute later.
    const summaries = incident.alertSummaries.map((summary) => [summary.intent, summary.alertType]);
    expect(summaries[0]).toEqual(['Persistence', 'K8S_ClusterAdminBinding']);
    expect(summaries.slice(1, 3).sort()).toEqual([
      ['PrivilegeEscalation', 'K8S_PrivilegedContainer'],
      ['PrivilegeEscalation', 'K8S_RbacChangeFollowedByWorkload'],
    ]);
    expect(summaries.slice(3)).toEqual([
      ['PrivilegeEscalation', 'K8S_ExecIntoPrivilegedPod'],
      ['Execution', 'K8S_ExecIntoPod'],
    ]);
    expect(incident.intents).toEqual(['Persistence', 'PrivilegeEscalation', 'Execution']);
    // The worst alerts (the two sequences) are Medium: one step above.
    expect(alerts.map((alert) => alert.severity).filter((severity) => severity === 'High')).toEqual([]);
    expect(incident.severity).toBe('High');
    expect(incident.sharedEntities).toEqual(
      expect.arrayContaining([
        { type: 'account', name: MALLORY },
        { type: 'ip', address: MALLORY_IP },
        { type: 'K8s-pod', namespace: 'shop', name: 'node-debugger' },
      ]),
    );
    expect(incident).toMatchObject({
      isIncident: true,
      correlationKey: expect.stringMatching(/^\S+$/) as string,
      status: 'Active',
      correlationState: 'current',
      compromisedEntity: CLUSTER,
      clusterResourceId: `/subscriptions/${STORY}/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/${CLUSTER}`,
      startTimeUtc: new Date(STORY_START_IN_MS).toISOString(),
      endTimeUtc: new Date(STORY_START_IN_MS + 3 * 60_000).toISOString(),
    });

    expect(withAlerts).toMatchObject({ ...incident, missingAlertIds: [] });
    expect(withAlerts.alerts.map((alert) => alert.id)).toEqual(incident.alertIds);
    expect(withAlerts.alerts.map((alert) => alert.intent)).toEqual(['Persistence', 'PrivilegeEscalation', 'PrivilegeEscalation', 'PrivilegeEscalation', 'Execution']);
    // The timer published the formed incident for the push export.
    expect(alertHub.take().map((body) => JSON.parse(body) as { type: string; incidentId: string })).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'incidentChanged', incidentId: incident.id })]),
    );

    // The next run (nothing new) keeps the one incident and its id.
    await runCorrelationTimer();
    expect((await onlyIncidentOf(STORY)).incident).toMatchObject({ id: incident.id, version: incident.version });
  });

  it('when three different users each make one of the three requests from their own addresses, then the alerts are raised but form no incident', async () => {
    await ingest(NEAR_MISS, [
      clusterAdminBindingEvent({ user: MALLORY, sourceIP: MALLORY_IP }, MALLORY, '1e6b9d40-7c2a-4f53-a8e1-0d4c7b2f9a11', at(0)),
      privilegedPodEvent({ user: 'dana@contoso.com', sourceIP: '203.0.113.24' }, 'node-debugger', '4a8f2c61-3b7e-4d90-9c15-e6a0b8d3f712', at(2 * 60_000)),
      execIntoEvent({ user: 'ops@contoso.com', sourceIP: '192.0.2.80' }, 'web-7d9f8c6b5-x2k4q', 'web', '7d3e5a92-8f1c-4b06-b4a7-2c9e6f0d1813', at(3 * 60_000)),
    ]);
    // Each request alone alerts; neither sequence does (no identity made two of them, no exec into the privileged pod).
    expect(typesOf(await storedAlertsOf(harness.database, NEAR_MISS))).toEqual(['K8S_ClusterAdminBinding', 'K8S_ExecIntoPod', 'K8S_PrivilegedContainer']);

    await runCorrelationTimer();

    expect(await list(NEAR_MISS)).toMatchObject({ status: 200, jsonBody: { value: [] } });
  });

  it('when another user execs into the privileged pod after an escalation by a third, then the alerts about the pod form an incident and the escalation stays out of it', async () => {
    await ingest(SHARED_POD, [
      clusterAdminBindingEvent({ user: MALLORY, sourceIP: MALLORY_IP }, MALLORY, '2f7c0e51-8d3b-4a64-9b2f-1e5d8c3a0b21', at(0)),
      privilegedPodEvent({ user: 'dana@contoso.com', sourceIP: '203.0.113.24' }, 'node-debugger', '5b9a3d72-4c8f-4e01-ad26-f7b1c9e4a022', at(2 * 60_000)),
      execIntoEvent({ user: 'ops@contoso.com', sourceIP: '192.0.2.80' }, 'node-debugger', 'debugger', '8e4f6b03-9a2d-4c17-b5b8-3d0a7e1f2c23', at(3 * 60_000)),
    ]);
    const alerts = await storedAlertsOf(harness.database, SHARED_POD);
    expect(typesOf(alerts)).toEqual(['K8S_ClusterAdminBinding', 'K8S_ExecIntoPod', 'K8S_ExecIntoPrivilegedPod', 'K8S_PrivilegedContainer']);

    await runCorrelationTimer();

    const { incident } = await onlyIncidentOf(SHARED_POD);
    expect(incident.alertSummaries.map((summary) => summary.alertType)).toEqual(['K8S_PrivilegedContainer', 'K8S_ExecIntoPrivilegedPod', 'K8S_ExecIntoPod']);
    expect(incident.sharedEntities).toContainEqual({ type: 'K8s-pod', namespace: 'shop', name: 'node-debugger' });
    expect(incident.sharedEntities).not.toContainEqual({ type: 'account', name: MALLORY });
    expect(incident.severity).toBe('High');
  });
});
