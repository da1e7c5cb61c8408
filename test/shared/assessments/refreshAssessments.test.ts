import { Item, Items } from '@azure/cosmos';
import { refreshAssessments } from '../../../shared/assessments/refreshAssessments';
import { type ClusterSource, type SubscriptionProblem } from '../../../shared/azure/clusterSource';
import { AssessmentStatusCode } from '../../../shared/posture/assessment';
import { type ArmJson, type ClusterFacts } from '../../../shared/posture/clusterCheck';
import { clusterChecks } from '../../../shared/posture/checks/cluster';
import { exampleCluster, hardenedCluster, hardenedClusterFacts } from '../../../shared/posture/exampleClusters';
import { listAssessments } from '../../../shared/store/assessmentStore';
import { changePlan, upsertPlan } from '../../../shared/store/planStore';
import { recordUsage, usageHourOf } from '../../../shared/store/usageStore';
import { type AssessmentChangedEvent } from '../../../shared/messaging/assessmentChangedEvents';
import { type Assessment } from '../../../shared/posture/evaluateClusterChecks';
import { upsertAssessmentExemption } from '../../../shared/store/assessmentExemptionStore';
import { RecordingPublisher } from '../../support/recordingPublisher';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { type PolicyStateSource } from '../../../shared/azure/policyStateSource';
import { type JsonObject } from '../../../shared/kubernetes/jsonValues';
import { workloadControls } from '../../../shared/posture/checks/workload';
import { type InventoryDocument, createInventoryDocumentId } from '../../../shared/posture/workloadInventory';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

const NOW = '2026-11-02T10:15:30.000Z';
const LATER = '2026-11-02T16:15:30.000Z';
const by = { principalId: 'test-setup', principalName: 'test setup' };

function clusterOf(subscriptionId: string, name: string, hardened: boolean): ArmJson {
  const resource = { id: `/subscriptions/${subscriptionId}/resourcegroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`, name };
  return hardened ? hardenedCluster({}, resource) : exampleCluster({}, resource);
}

/** An in-memory cluster source that records which subscriptions it was asked for. */
class MemoryClusterSource implements ClusterSource {
  readonly asked: string[][] = [];
  problems: SubscriptionProblem[] = [];
  constructor(public clusters: ArmJson[], private readonly facts: (cluster: ArmJson, now: string) => Partial<ClusterFacts> = () => ({})) {}
  listClusters(subscriptionIds: readonly string[]) {
    this.asked.push([...subscriptionIds]);
    return Promise.resolve({ clusters: this.clusters, problems: this.problems });
  }
  factsOf(cluster: ArmJson, now: string): Promise<ClusterFacts> {
    return Promise.resolve({ ...this.facts(cluster, now), now });
  }
}

describe('refreshAssessments', () => {
  let cosmos: TestCosmos;
  let sequence = 0;
  const newSubscription = async (enabled = true): Promise<string> => {
    sequence++;
    const id = `0a0a0a0a-0000-4000-8000-${sequence.toString(16).padStart(12, '0')}`;
    await upsertPlan(cosmos.database, changePlan(id, undefined, { enabled, by, now: new Date(NOW) }));
    return id;
  };
  const writeCounter = () => {
    const upserts = jest.spyOn(Items.prototype, 'upsert');
    const deletes = jest.spyOn(Item.prototype, 'delete');
    return {
      count: () => ({ upserts: upserts.mock.calls.length, deletes: deletes.mock.calls.length }),
      restore: () => {
        upserts.mockRestore();
        deletes.mockRestore();
      },
    };
  };

  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos.close();
  });

  it('when a subscription is refreshed, then each cluster has one assessment per check with the checks\' statuses', async () => {
    const sub = await newSubscription();
    const source = new MemoryClusterSource([clusterOf(sub, 'aks-default', false), clusterOf(sub, 'aks-hardened', true)], (cluster, now) =>
      cluster['name'] === 'aks-hardened' ? hardenedClusterFacts(now) : {},
    );
    const result = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });

    expect(result.subscriptions).toEqual([{ subscriptionId: sub, clusters: 2, written: 2 * clusterChecks.length, deleted: 0, unchanged: 0, exported: 2 * clusterChecks.length, problems: [] }]);
    const stored = await listAssessments(cosmos.database, sub);
    expect(stored).toHaveLength(2 * clusterChecks.length);
    const hardened = stored.filter((assessment) => assessment.resourceDetails.id.endsWith('/aks-hardened'));
    expect(hardened.every((assessment) => assessment.status.code === AssessmentStatusCode.Healthy)).toBe(true);
    const byDefault = stored.filter((assessment) => assessment.resourceDetails.id.endsWith('/aks-default'));
    expect(byDefault.some((assessment) => assessment.status.code === AssessmentStatusCode.Unhealthy)).toBe(true);
  });

  it('when a refresh gives the same results, then it writes nothing to the store', async () => {
    const sub = await newSubscription();
    const source = new MemoryClusterSource([clusterOf(sub, 'aks-a', false), clusterOf(sub, 'aks-b', true)]);
    await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });
    const before = await listAssessments(cosmos.database, sub);

    const counter = writeCounter();
    try {
      const again = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
      expect(counter.count()).toEqual({ upserts: 0, deletes: 0 });
      expect(again.subscriptions[0]).toMatchObject({ written: 0, deleted: 0, unchanged: 2 * clusterChecks.length });
    } finally {
      counter.restore();
    }
    expect(await listAssessments(cosmos.database, sub)).toEqual(before);
  });

  it('when one cluster changes, then only its changed assessments are written and the history records the change', async () => {
    const sub = await newSubscription();
    const source = new MemoryClusterSource([clusterOf(sub, 'aks-a', false), clusterOf(sub, 'aks-b', false)]);
    await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });
    source.clusters = [exampleCluster({ networkProfile: { networkPolicy: 'cilium' } }, { id: String(source.clusters[0]?.['id']), name: 'aks-a' }), clusterOf(sub, 'aks-b', false)];

    const counter = writeCounter();
    try {
      const result = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
      expect(result.subscriptions[0]?.written).toBeGreaterThanOrEqual(1);
      expect(counter.count().upserts).toBe(result.subscriptions[0]?.written);
    } finally {
      counter.restore();
    }
    const changed = (await listAssessments(cosmos.database, sub, { name: 'network-policy' })).find((assessment) => assessment.resourceDetails.id.endsWith('/aks-a'));
    expect(changed?.status.code).toBe(AssessmentStatusCode.Healthy);
    expect(changed?.statusChangeDate).toBe(LATER);
    expect(changed?.statusHistory.map((change) => change.code)).toEqual([AssessmentStatusCode.Unhealthy, AssessmentStatusCode.Healthy]);
  });

  it('when a cluster is gone, then its assessments are deleted; when the listing had a problem, then nothing is deleted', async () => {
    const sub = await newSubscription();
    const source = new MemoryClusterSource([clusterOf(sub, 'aks-a', false), clusterOf(sub, 'aks-b', false)]);
    await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });
    source.clusters = [clusterOf(sub, 'aks-a', false)];
    source.problems = [{ subscriptionId: sub, kind: 'throttled', detail: 'Resource Graph answered 429' }];

    const partial = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
    expect(partial.subscriptions[0]).toMatchObject({ deleted: 0, problems: ['throttled: Resource Graph answered 429'] });
    expect(await listAssessments(cosmos.database, sub)).toHaveLength(2 * clusterChecks.length);

    source.problems = [];
    const complete = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
    expect(complete.subscriptions[0]).toMatchObject({ deleted: clusterChecks.length });
    const left = await listAssessments(cosmos.database, sub);
    expect(left.every((assessment) => assessment.resourceDetails.id.endsWith('/aks-a'))).toBe(true);
  });

  it('when a subscription\'s plan is not enabled, then its clusters are not read and nothing is written', async () => {
    const off = await newSubscription(false);
    const never = '0b0b0b0b-0000-4000-8000-000000000001';
    const source = new MemoryClusterSource([clusterOf(off, 'aks-a', false)]);
    const result = await refreshAssessments({ subscriptionIds: [off, never], clusterSource: source, database: cosmos.database, now: NOW });
    expect(result).toEqual({ subscriptions: [], skipped: [off, never] });
    expect(source.asked).toEqual([]);
    expect(await listAssessments(cosmos.database, off)).toEqual([]);
  });

  it('when Argus metered audit events of a cluster and knows its hub, then the coverage check gets both facts', async () => {
    const sub = await newSubscription();
    const hour = usageHourOf(Date.parse(NOW) - 2 * 3_600_000);
    await recordUsage(cosmos.database, [{ subscriptionId: sub, signal: 'audit', hourStartUtc: hour, position: { stream: 'hub/0', sequenceNumber: 1 }, eventsByCluster: { 'aks-hardened': 3 } }], new Date(NOW));
    const hardenedFacts = hardenedClusterFacts(NOW);
    const seen: ClusterFacts[] = [];
    const source: ClusterSource = {
      listClusters: () => Promise.resolve({ clusters: [clusterOf(sub, 'aks-hardened', true)], problems: [] }),
      factsOf: (_cluster, now) => Promise.resolve({ now, diagnosticSettings: hardenedFacts.diagnosticSettings }),
    };
    const result = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW, argusAuditHub: hardenedFacts.argusAuditHub });
    expect(result.subscriptions[0]?.written).toBe(clusterChecks.length);
    const stored = await listAssessments(cosmos.database, sub);
    // Healthy coverage needs both the hub (from the option) and the last audit event (from the usage meter).
    expect(stored.filter((assessment) => assessment.status.code !== AssessmentStatusCode.Healthy).map((assessment) => assessment.name)).toEqual(seen);
    expect(stored.find((assessment) => assessment.name === 'argus-audit-coverage')?.status.code).toBe(AssessmentStatusCode.Healthy);
  });

  it('when 200 clusters are refreshed twice, then the first writes one document per check and cluster and the second none (measured)', async () => {
    const sub = await newSubscription();
    const clusters = Array.from({ length: 200 }, (_, index) => clusterOf(sub, `aks-${index.toString().padStart(3, '0')}`, index % 2 === 0));
    // The facts stay those of NOW (the last audit event does not move), so the second refresh sees the same results.
    const source = new MemoryClusterSource(clusters, (cluster) => (Number(String(cluster['name']).slice(4)) % 2 === 0 ? hardenedClusterFacts(NOW) : {}));

    const counter = writeCounter();
    try {
      const firstStart = performance.now();
      const first = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });
      const firstInMs = performance.now() - firstStart;
      const firstWrites = counter.count().upserts;
      const secondStart = performance.now();
      const second = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
      const secondInMs = performance.now() - secondStart;

      expect(first.subscriptions[0]?.written).toBe(200 * clusterChecks.length);
      expect(firstWrites).toBe(200 * clusterChecks.length);
      expect(second.subscriptions[0]?.written).toBe(0);
      expect(counter.count().upserts).toBe(firstWrites);
      process.stdout.write(
        `refresh of 200 clusters x ${clusterChecks.length} checks: first ${Math.round(firstInMs)} ms, ${firstWrites} writes; unchanged ${Math.round(secondInMs)} ms, 0 writes\n`,
      );
    } finally {
      counter.restore();
    }
  }, 120_000);

  describe('export of status changes', () => {
    const networkPolicyOf = (assessments: readonly Assessment[], cluster: string) =>
      assessments.find((assessment) => assessment.name === 'network-policy' && assessment.resourceDetails.id.endsWith(`/${cluster}`));

    it('when a status changes, then only that assessment gets a new version, a write-time stamp and one published event; details alone are not exported', async () => {
      const sub = await newSubscription();
      const source = new MemoryClusterSource([clusterOf(sub, 'aks-a', false)]);
      const publisher = new RecordingPublisher();
      const first = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW, publisher, stamp: () => '2026-11-02T10:15:31.000Z' });
      expect(first.subscriptions[0]?.exported).toBe(clusterChecks.length);
      const firstEvents = publisher.take().map((body) => JSON.parse(body) as AssessmentChangedEvent);
      expect(firstEvents).toHaveLength(clusterChecks.length);
      expect(new Set(firstEvents.map((event) => event.type))).toEqual(new Set(['assessmentChanged']));
      expect(firstEvents.every((event) => event.version === 1 && event.exportedChangeUtc === '2026-11-02T10:15:31.000Z' && event.assessment.id === event.assessmentId)).toBe(true);

      // The network policy turns Healthy; the Kubernetes version moves (only details of other checks change).
      source.clusters = [exampleCluster({ networkProfile: { networkPolicy: 'cilium' } }, { id: String(source.clusters[0]?.['id']), name: 'aks-a' })];
      const second = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER, publisher, stamp: () => '2026-11-02T16:15:32.000Z' });
      expect(second.subscriptions[0]?.exported).toBe(1);
      const [event] = publisher.take().map((body) => JSON.parse(body) as AssessmentChangedEvent);
      expect(event).toMatchObject({ type: 'assessmentChanged', subscriptionId: sub, version: 2, exportedChangeUtc: '2026-11-02T16:15:32.000Z', assessment: { name: 'network-policy', status: { code: 'Healthy' } } });
      const stored = networkPolicyOf(await listAssessments(cosmos.database, sub), 'aks-a');
      expect(stored).toMatchObject({ version: 2, exportedChangeUtc: '2026-11-02T16:15:32.000Z', statusChangeDate: LATER });

      const third = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER, publisher });
      expect(third.subscriptions[0]).toMatchObject({ written: 0, exported: 0 });
      expect(publisher.take()).toEqual([]);
    });

    it('when a write outlasts the settle time, then the change is stamped again after it', async () => {
      const sub = await newSubscription();
      const source = new MemoryClusterSource([clusterOf(sub, 'aks-slow', false)]);
      // Every read of the clock is 30 s later than the one before: each write looks slower than the settle time.
      let clock = Date.parse(NOW);
      const stamp = () => new Date((clock += 30_000)).toISOString();
      await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW, stamp, restampAfterInMs: 10_000, checks: clusterChecks.slice(0, 1) });
      const [stored] = await listAssessments(cosmos.database, sub);
      // stamp 1 (+30 s) written, clock read 2 (+60 s) says it was slow, stamp 3 (+90 s) written again.
      expect(stored?.exportedChangeUtc).toBe(new Date(Date.parse(NOW) + 90_000).toISOString());
    });

    it('when an exemption covers a changed assessment, then its published event carries the exemption', async () => {
      const sub = await newSubscription();
      const source = new MemoryClusterSource([clusterOf(sub, 'aks-x', false)]);
      await upsertAssessmentExemption(cosmos.database, {
        name: 'calico-next-quarter',
        subscriptionId: sub,
        checkName: 'network-policy',
        scope: `/subscriptions/${sub}`,
        category: 'waiver',
        reason: 'Calico is rolled out next quarter',
        createdBy: 'olivia',
        createdUtc: NOW,
      });
      const publisher = new RecordingPublisher();
      await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW, publisher });
      const events = publisher.take().map((body) => JSON.parse(body) as AssessmentChangedEvent);
      expect(events.find((event) => event.assessment.name === 'network-policy')?.assessment.exemption).toMatchObject({ category: 'waiver' });
      expect(events.find((event) => event.assessment.name === 'private-cluster')?.assessment.exemption).toBeUndefined();
    });

    it('when publishing fails, then the assessments are written, the run names the failure, and nothing throws', async () => {
      const sub = await newSubscription();
      const publisher = new RecordingPublisher();
      publisher.failWith = new Error('hub unavailable');
      const result = await refreshAssessments({ subscriptionIds: [sub], clusterSource: new MemoryClusterSource([clusterOf(sub, 'aks-p', false)]), database: cosmos.database, now: NOW, publisher });
      expect(result.subscriptions[0]?.problems).toEqual([expect.stringContaining('pushFailed')]);
      expect(await listAssessments(cosmos.database, sub)).toHaveLength(clusterChecks.length);
    });
  });

  describe('a subscription Argus may not read', () => {
    const refused = (sub: string): SubscriptionProblem => ({ subscriptionId: sub, kind: 'noReadAccess', detail: 'HTTP 403 AuthorizationFailed' });

    it('when it was never readable, then each check says NotApplicable noReadAccess on the subscription, with the grant to run; once readable, they give way to the clusters', async () => {
      const sub = await newSubscription();
      const source = new MemoryClusterSource([]);
      source.problems = [refused(sub)];
      const result = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });
      expect(result.subscriptions[0]).toMatchObject({ written: clusterChecks.length, problems: ['noReadAccess: HTTP 403 AuthorizationFailed'] });
      const stored = await listAssessments(cosmos.database, sub);
      expect(stored).toHaveLength(clusterChecks.length);
      for (const assessment of stored) {
        expect(assessment.resourceDetails.id).toBe(`/subscriptions/${sub}`);
        expect(assessment.status).toMatchObject({ code: 'NotApplicable', cause: 'noReadAccess' });
        expect(assessment.status.description).toContain(`az role assignment create --assignee`);
      }

      source.problems = [];
      source.clusters = [clusterOf(sub, 'aks-now-readable', false)];
      const readable = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
      expect(readable.subscriptions[0]).toMatchObject({ deleted: clusterChecks.length, written: clusterChecks.length });
      expect((await listAssessments(cosmos.database, sub)).every((assessment) => assessment.resourceDetails.id.endsWith('/aks-now-readable'))).toBe(true);
    });

    it('when access is withdrawn, then the clusters\' assessments turn NotApplicable noReadAccess (a status change, exported) and come back when it is granted again', async () => {
      const sub = await newSubscription();
      const source = new MemoryClusterSource([clusterOf(sub, 'aks-r', false)]);
      await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });
      source.clusters = [];
      source.problems = [refused(sub)];
      const withdrawn = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
      expect(withdrawn.subscriptions[0]).toMatchObject({ deleted: 0 });
      const during = await listAssessments(cosmos.database, sub);
      expect(during).toHaveLength(clusterChecks.length);
      expect(during.every((assessment) => assessment.resourceDetails.id.endsWith('/aks-r') && assessment.status.cause === 'noReadAccess')).toBe(true);
      expect(networkPolicyVersion(during)).toBe(2);

      source.clusters = [clusterOf(sub, 'aks-r', false)];
      source.problems = [];
      await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: '2026-11-02T22:15:30.000Z' });
      const after = await listAssessments(cosmos.database, sub);
      expect(after.find((assessment) => assessment.name === 'network-policy')?.status.code).toBe('Unhealthy');
      expect(networkPolicyVersion(after)).toBe(3);
    });

    const networkPolicyVersion = (assessments: readonly Assessment[]) => assessments.find((assessment) => assessment.name === 'network-policy')?.version;
  });

  describe('workload assessments from the inventory', () => {
    const manifest = (file: string) => parse(readFileSync(path.join(__dirname, '../../fixtures/manifests/valid', file), 'utf8')) as JsonObject;
    const inventoryOf = (sub: string, cluster: string, object: JsonObject, deleted = false): InventoryDocument => {
      const metadata = object['metadata'] as { name: string; namespace: string };
      const kind = object['kind'] as InventoryDocument['kind'];
      return {
        id: createInventoryDocumentId(sub, cluster, kind, metadata.namespace, metadata.name),
        subscriptionId: sub,
        cluster,
        kind,
        namespace: metadata.namespace,
        name: metadata.name,
        object,
        specHash: 'h',
        partial: false,
        specFrom: 'object' as InventoryDocument['specFrom'],
        firstSeenUtc: NOW,
        lastChangedUtc: NOW,
        lastAuditId: 'a',
        deleted,
        updatedUtc: NOW,
      };
    };
    const seed = async (documents: readonly InventoryDocument[]) => {
      for (const document of documents) await cosmos.database.container('workloads').items.upsert(document);
    };
    const workloadAssessment = async (sub: string, control: string) =>
      (await listAssessments(cosmos.database, sub, { name: control })).find((assessment) => assessment.metadata.categories.includes('Workload'));

    it('when the inventory holds a privileged DaemonSet, then its control is Unhealthy with the DaemonSet as sub-assessment; once it is deleted, the next refresh makes it Healthy', async () => {
      const sub = await newSubscription();
      const cluster = `/subscriptions/${sub}/resourceGroups/rg-w/providers/Microsoft.ContainerService/managedClusters/aks-w`;
      const daemonSet = inventoryOf(sub, cluster, manifest('privileged-daemonset.yaml'));
      await seed([inventoryOf(sub, cluster, manifest('restricted-deployment.yaml')), daemonSet, inventoryOf(sub, cluster, manifest('root-pod.yaml'))]);
      const source = new MemoryClusterSource([clusterOf(sub, 'aks-w', false)]);
      const first = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });
      expect(first.subscriptions[0]?.written).toBe(clusterChecks.length + workloadControls.length);
      const privileged = await workloadAssessment(sub, 'pss-privileged');
      expect(privileged).toMatchObject({ status: { code: 'Unhealthy' }, subAssessments: [{ namespace: 'monitoring', kind: 'DaemonSet', name: 'node-agent', sources: ['auditStream'] }] });
      expect(await listAssessments(cosmos.database, sub, { category: 'Workload' })).toHaveLength(workloadControls.length);

      await seed([{ ...daemonSet, deleted: true, deletedUtc: LATER }]);
      const second = await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
      expect(second.subscriptions[0]?.exported).toBeGreaterThanOrEqual(1);
      expect(await workloadAssessment(sub, 'pss-privileged')).toMatchObject({ status: { code: 'Healthy' }, version: 2, statusHistory: [{ code: 'Unhealthy' }, { code: 'Healthy' }] });
    });

    it('when ARM refuses the subscription, then the cluster checks turn noReadAccess but the workload assessments stay as the inventory says', async () => {
      const sub = await newSubscription();
      const cluster = `/subscriptions/${sub}/resourceGroups/rg-w/providers/Microsoft.ContainerService/managedClusters/aks-x`;
      await seed([inventoryOf(sub, cluster, manifest('privileged-daemonset.yaml'))]);
      const source = new MemoryClusterSource([clusterOf(sub, 'aks-x', false)]);
      await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: NOW });
      source.clusters = [];
      source.problems = [{ subscriptionId: sub, kind: 'noReadAccess', detail: 'HTTP 403 AuthorizationFailed' }];
      await refreshAssessments({ subscriptionIds: [sub], clusterSource: source, database: cosmos.database, now: LATER });
      expect((await listAssessments(cosmos.database, sub, { name: 'network-policy' }))[0]?.status.cause).toBe('noReadAccess');
      expect((await workloadAssessment(sub, 'pss-privileged'))?.status.code).toBe('Unhealthy');
    });

    it('when an AKS cluster runs the Azure Policy add-on, then its component states join the workload assessments with their source; a cluster without it is not asked', async () => {
      const sub = await newSubscription();
      const withAddon = { ...clusterOf(sub, 'aks-policy', true) };
      const withoutAddon = clusterOf(sub, 'aks-nopolicy', false);
      const asked: string[] = [];
      const policyStates: PolicyStateSource = {
        listComponentPolicyStates: (clusterResourceId) => {
          asked.push(clusterResourceId.split('/').at(-1) ?? '');
          return Promise.resolve({
            ok: true,
            clusterResourceId,
            states: [
              {
                resourceId: clusterResourceId,
                componentId: 'edge/legacy-proxy',
                componentType: 'pod',
                componentName: 'legacy-proxy',
                complianceState: 'NonCompliant',
                policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/95edb821-ddaf-4404-9732-666045e056b4',
                policyDefinitionAction: 'audit',
                timestamp: NOW,
              },
            ],
          });
        },
      };
      const result = await refreshAssessments({ subscriptionIds: [sub], clusterSource: new MemoryClusterSource([withAddon, withoutAddon]), database: cosmos.database, now: NOW, policyStateSource: policyStates });
      expect(result.subscriptions[0]?.problems).toEqual([]);
      expect(asked).toEqual(['aks-policy']);
      const privileged = (await listAssessments(cosmos.database, sub, { name: 'pss-privileged' }))[0];
      expect(privileged).toMatchObject({ status: { code: 'Unhealthy' }, additionalData: { sources: 'auditStream,azurePolicy' }, subAssessments: [{ namespace: 'edge', kind: 'Pod', name: 'legacy-proxy', sources: ['azurePolicy'] }] });
    });
  });
});
