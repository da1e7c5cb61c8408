import { type Alert } from '../../../shared/alerts/alert';
import { aggregateFindings } from '../../../shared/alerts/aggregateFindings';
import { auditEvent, container, controllerPodEvent, workloadObject } from '../../../shared/detection/exampleEvents';
import { allRules } from '../../../shared/detection/rules';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { changePlan, getPlan, upsertPlan } from '../../../shared/store/planStore';
import { aksMessage, aksResourceId, auditBatch, diagnosticRecord } from '../../support/auditMessages';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { evaluate } from '../../support/ruleHarness';
import { storedAlertsOf } from '../../support/storedAlerts';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/**
 * Issue 13, part 1: the pod-spec rules judge pod creates by any identity, and aggregate under the owning
 * workload, so a Deployment write and its ReplicaSet's pods are one alert whichever is seen, and in
 * whichever order they arrive.
 */

const NOW = new Date('2026-11-22T10:30:00.000Z');
const OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };
const privilegedSpec = { containers: [container({ name: 'web', securityContext: { privileged: true } })] };
const time = (second: number) => `2026-11-22T10:10:${String(second).padStart(2, '0')}.000000Z`;

/** `kubectl create deployment`: at Metadata level (no body) or at RequestResponse level (the manifest). */
function deploymentCreate(level: 'Metadata' | 'RequestResponse'): Record<string, unknown> {
  return auditEvent({
    verb: 'create',
    resource: 'deployments',
    apiGroup: 'apps',
    namespace: 'shop',
    name: 'web',
    auditID: `deployment-${level}`,
    time: time(0),
    ...(level === 'RequestResponse' ? { requestObject: workloadObject('deployments', privilegedSpec, 'web', 'shop') } : {}),
  });
}

/** The replicaset controller creates the Deployment's pods (ReplicaSet `web-7d9f8c6b5`). */
function replicaSetPods(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) =>
    controllerPodEvent(privilegedSpec, {
      namespace: 'shop',
      owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' },
      labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' },
      auditID: `pod-${index}`,
      time: time(index + 1),
    }),
  );
}

function privilegedAlerts(events: readonly Record<string, unknown>[]): Alert[] {
  const { findings } = evaluate(allRules, events);
  return aggregateFindings(findings, { windowInMs: 3_600_000, now: NOW }).filter((alert) => alert.alertType === 'K8S_PrivilegedContainer');
}

describe('pod-spec alerts aggregate under the owning workload', () => {
  it('when a Deployment is created at Metadata level and its ReplicaSet creates three privileged pods, then there is exactly one privileged-container alert with count 3', () => {
    const alerts = privilegedAlerts([deploymentCreate('Metadata'), ...replicaSetPods(3)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.count).toBe(3);
    expect(alerts[0]?.entities).toEqual(expect.arrayContaining([{ type: 'K8s-workload', kind: 'deployments', name: 'web', namespace: 'shop' }]));
  });

  it('when the Deployment is logged at RequestResponse level, then its write and the three pods are one alert with count 4 whose evidence lists both kinds of event', () => {
    const alerts = privilegedAlerts([deploymentCreate('RequestResponse'), ...replicaSetPods(3)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.count).toBe(4);
    expect(alerts[0]?.evidenceAuditIds).toEqual(['deployment-RequestResponse', 'pod-0', 'pod-1', 'pod-2']);
    expect(alerts[0]?.entities).toEqual(
      expect.arrayContaining([
        { type: 'account', name: 'dana@contoso.com' },
        { type: 'account', name: 'system:serviceaccount:kube-system:replicaset-controller' },
      ]),
    );
  });

  it('when the pods arrive before the Deployment write, then they still fold into the same single alert', () => {
    const [first, ...rest] = privilegedAlerts([...replicaSetPods(3), deploymentCreate('RequestResponse')]);
    expect(rest).toEqual([]);
    expect(first?.count).toBe(4);
  });

  it('when two different Deployments run privileged pods, then each is its own alert', () => {
    const other = controllerPodEvent(privilegedSpec, {
      namespace: 'shop',
      owner: { kind: 'ReplicaSet', name: 'api-5c8d7f9b6' },
      labels: { app: 'api', 'pod-template-hash': '5c8d7f9b6' },
      auditID: 'other-pod',
      time: time(9),
    });
    expect(privilegedAlerts([...replicaSetPods(2), other]).map((alert) => alert.count).sort()).toEqual([1, 2]);
  });
});

describe('pod-spec alerts aggregate under the owning workload, through the pipeline', () => {
  let cosmos: TestCosmos;
  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos.close();
  });

  it('when the pods come in one batch and the Deployment write in a later one, then the stored alert is one with count 4', async () => {
    const subscriptionId = '7e000000-0000-4000-8000-0000000000a1';
    await upsertPlan(cosmos.database, changePlan(subscriptionId, await getPlan(cosmos.database, subscriptionId), { enabled: true, by: OWNER, now: new Date('2026-11-22T09:00:00Z') }));
    const resourceId = aksResourceId(subscriptionId);
    const message = (events: readonly Record<string, unknown>[]) => aksMessage(events.map((event) => diagnosticRecord(event, { resourceId })));
    const dependencies = ingestionDependencies(cosmos.database, NOW);

    await processAuditBatch(auditBatch([message(replicaSetPods(3))], { partitionId: 'owner-0', firstSequenceNumber: 0 }), dependencies);
    await processAuditBatch(auditBatch([message([deploymentCreate('RequestResponse')])], { partitionId: 'owner-0', firstSequenceNumber: 1 }), dependencies);

    const alerts = (await storedAlertsOf(cosmos.database, subscriptionId)).filter((alert) => alert.alertType === 'K8S_PrivilegedContainer');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.count).toBe(4);
    expect(alerts[0]?.evidenceAuditIds.sort()).toEqual(['deployment-RequestResponse', 'pod-0', 'pod-1', 'pod-2']);
  });
});
