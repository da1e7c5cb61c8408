import { auditEvent, container, workloadObject } from '../../../shared/detection/exampleEvents';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { type IngestionDependencies } from '../../../shared/ingestion/processEventBatch';
import { SelfSpecifiedWorkloads } from '../../../shared/store/selfSpecifiedWorkloads';
import { isTransientStoreError } from '../../../shared/store/transientFaults';
import { listWorkloads } from '../../../shared/store/workloadInventoryStore';
import { aksMessage, aksResourceId, auditBatch, benignEvent, diagnosticRecord } from '../../support/auditMessages';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { planSubscriptions } from '../../support/planSubscriptions';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/**
 * The live workload inventory through the audit pipeline: what a `kubectl apply` of a Deployment and the controllers'
 * answers to it leave in the workloads container, what a replay and a quiet batch cost.
 */

const NOW = new Date('2026-11-22T10:30:00.000Z');
const PLAN_ENABLED_AT = '2026-11-22T09:00:00.000Z';
const at = (second: number) => `2026-11-22T10:10:${String(second).padStart(2, '0')}.${String(100000 + second * 7919).slice(-6)}Z`;

const CONTROLLER_UA = (account: string) => `kube-controller-manager/v1.30.5 (linux/amd64) kubernetes/74e84a9/system:serviceaccount:kube-system:${account}`;
const KUBECTL_UA = 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9';

const podSpec = (image: string) => ({
  containers: [container({ name: 'web', image, ports: [{ containerPort: 8080, protocol: 'TCP' }], securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } })],
});

/** The Deployment as the API server stores it: the manifest plus server-set metadata, defaults and status. */
function storedDeployment(image: string, resourceVersion: string, generation: number): Record<string, unknown> {
  const manifest = workloadObject('deployments', podSpec(image), 'web', 'shop');
  return {
    ...manifest,
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: '0c7e5a1d-9f3b-4c2e-8d6a-5b4f3e2d1c0a',
      resourceVersion,
      generation,
      creationTimestamp: '2026-11-22T10:10:00Z',
      annotations: { 'deployment.kubernetes.io/revision': String(generation) },
    },
    spec: { ...(manifest.spec as object), replicas: 3, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
    status: { observedGeneration: generation, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 },
  };
}

/** A `kubectl apply` that creates shop/web, what the controllers do about it, and two later changes by hand. */
function rolloutEvents(): Record<string, unknown>[] {
  const manifest = workloadObject('deployments', podSpec('contoso.azurecr.io/shop/web:1.4.2'), 'web', 'shop');
  (manifest.spec as Record<string, unknown>).replicas = 3;
  const replicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-7d9f8c6b5',
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' },
      annotations: { 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4', 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '0c7e5a1d-9f3b-4c2e-8d6a-5b4f3e2d1c0a', controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' } }, template: { metadata: { labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' } }, spec: podSpec('contoso.azurecr.io/shop/web:1.4.2') } },
  };
  const pod = (suffix: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-7d9f8c6b5-',
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8c6b5', uid: '5e2d9c8b-7a6f-4e3d-9c2b-1a0f9e8d7c6b', controller: true, blockOwnerDeletion: true }],
    },
    spec: podSpec('contoso.azurecr.io/shop/web:1.4.2'),
    suffix,
  });
  const pods = ['x2k4q', 'b7m9z', 'q4w8n'].map((suffix, index) => {
    const { suffix: _suffix, ...body } = pod(suffix);
    return auditEvent({
      verb: 'create',
      resource: 'pods',
      namespace: 'shop',
      user: 'system:serviceaccount:kube-system:replicaset-controller',
      userAgent: CONTROLLER_UA('replicaset-controller'),
      sourceIP: '172.31.14.7',
      requestObject: body,
      responseObject: { ...body, metadata: { ...body.metadata, name: `web-7d9f8c6b5-${suffix}`, uid: `9d1c2b3a-4e5f-4a6b-8c7d-${String(index).padStart(12, '0')}`, resourceVersion: String(481520 + index) } },
      time: at(2 + index),
      auditID: `inv-pod-${suffix}`,
    });
  });
  const setImage = { spec: { template: { spec: { containers: [{ image: 'contoso.azurecr.io/shop/web:1.5.0', name: 'web' }] } } } };
  return [
    auditEvent({
      verb: 'create',
      resource: 'deployments',
      apiGroup: 'apps',
      namespace: 'shop',
      name: 'web',
      requestURI: '/apis/apps/v1/namespaces/shop/deployments?fieldManager=kubectl-client-side-apply&fieldValidation=Strict',
      userAgent: KUBECTL_UA,
      requestObject: manifest,
      responseObject: storedDeployment('contoso.azurecr.io/shop/web:1.4.2', '481516', 1),
      time: at(0),
      auditID: 'inv-create-web',
    }),
    auditEvent({
      verb: 'create',
      resource: 'replicasets',
      apiGroup: 'apps',
      namespace: 'shop',
      user: 'system:serviceaccount:kube-system:deployment-controller',
      userAgent: CONTROLLER_UA('deployment-controller'),
      sourceIP: '172.31.14.7',
      requestObject: replicaSet,
      responseObject: { ...replicaSet, metadata: { ...replicaSet.metadata, uid: '5e2d9c8b-7a6f-4e3d-9c2b-1a0f9e8d7c6b', resourceVersion: '481518' } },
      time: at(1),
      auditID: 'inv-create-rs',
    }),
    ...pods,
    auditEvent({
      verb: 'update',
      resource: 'deployments',
      apiGroup: 'apps',
      subresource: 'status',
      namespace: 'shop',
      name: 'web',
      user: 'system:serviceaccount:kube-system:deployment-controller',
      userAgent: CONTROLLER_UA('deployment-controller'),
      sourceIP: '172.31.14.7',
      requestObject: storedDeployment('contoso.azurecr.io/shop/web:1.4.2', '481516', 1),
      responseObject: storedDeployment('contoso.azurecr.io/shop/web:1.4.2', '481530', 1),
      time: at(8),
      auditID: 'inv-status',
    }),
    // kubectl scale deployment web --replicas=5
    auditEvent({
      verb: 'patch',
      resource: 'deployments',
      apiGroup: 'apps',
      subresource: 'scale',
      namespace: 'shop',
      name: 'web',
      userAgent: KUBECTL_UA,
      requestObject: { spec: { replicas: 5 } },
      responseObject: { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', namespace: 'shop', resourceVersion: '481540' }, spec: { replicas: 5 }, status: { replicas: 3, selector: 'app=web' } },
      time: at(20),
      auditID: 'inv-scale',
    }),
    // kubectl set image deployment/web web=contoso.azurecr.io/shop/web:1.5.0
    auditEvent({
      verb: 'patch',
      resource: 'deployments',
      apiGroup: 'apps',
      namespace: 'shop',
      name: 'web',
      userAgent: KUBECTL_UA,
      requestObject: setImage,
      responseObject: { ...storedDeployment('contoso.azurecr.io/shop/web:1.5.0', '481560', 2), spec: { ...(storedDeployment('contoso.azurecr.io/shop/web:1.5.0', '481560', 2).spec as object), replicas: 5 } },
      time: at(30),
      auditID: 'inv-set-image',
    }),
  ];
}

/** Routine traffic that changes no workload: leader-election leases, a node's and a pod's status, reads. */
function quietEvents(): Record<string, unknown>[] {
  const node = 'aks-nodepool1-31415926-vmss000000';
  return [
    benignEvent('quiet-lease', at(40)),
    auditEvent({
      verb: 'patch',
      resource: 'nodes',
      subresource: 'status',
      name: node,
      user: `system:node:${node}`,
      userAgent: 'kubelet/v1.30.5 (linux/amd64) kubernetes/74e84a9',
      sourceIP: '10.224.0.4',
      requestObject: { status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-11-22T10:10:41Z' }] } },
      time: at(41),
      auditID: 'quiet-node-status',
    }),
    auditEvent({
      verb: 'patch',
      resource: 'pods',
      subresource: 'status',
      namespace: 'shop',
      name: 'web-7d9f8c6b5-x2k4q',
      user: `system:node:${node}`,
      userAgent: 'kubelet/v1.30.5 (linux/amd64) kubernetes/74e84a9',
      sourceIP: '10.224.0.4',
      requestObject: { status: { phase: 'Running', podIP: '10.244.0.12' } },
      time: at(42),
      auditID: 'quiet-pod-status',
    }),
    auditEvent({ verb: 'get', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', time: at(43), auditID: 'quiet-get' }),
    auditEvent({ verb: 'list', resource: 'pods', namespace: 'shop', time: at(44), auditID: 'quiet-list' }),
  ];
}

let cosmos: TestCosmos;
const newSubscription = planSubscriptions(() => cosmos.database, { idPrefix: '7f000000-0000-4000-8000', enabledAtUtc: PLAN_ENABLED_AT });

beforeAll(async () => {
  cosmos = await startTestCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

function dependencies(overrides: Partial<IngestionDependencies> = {}): IngestionDependencies {
  return ingestionDependencies(cosmos.database, NOW, overrides);
}

function messageOf(subscriptionId: string, events: readonly Record<string, unknown>[]): Record<string, unknown> {
  return aksMessage(events.map((event) => diagnosticRecord(event, { resourceId: aksResourceId(subscriptionId) })));
}

describe('processAuditBatch: the workload inventory', () => {
  it('when a Deployment is applied, its ReplicaSet and pods created, its status updated, scaled and its image set, then one document holds the new image, written once', async () => {
    const sub = await newSubscription();
    const { summary } = await processAuditBatch(auditBatch([messageOf(sub, rolloutEvents())], { partitionId: 'inv-rollout' }), dependencies());

    const { workloads } = await listWorkloads(cosmos.database, sub, {}, { top: 10 });
    expect(workloads.map(({ kind, namespace, name }) => ({ kind, namespace, name }))).toEqual([{ kind: 'Deployment', namespace: 'shop', name: 'web' }]);
    const [web] = workloads;
    expect(web).toMatchObject({
      cluster: `/subscriptions/${sub}/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod`,
      partial: false,
      specFrom: 'self',
      deleted: false,
      firstSeenUtc: at(0),
      lastChangedUtc: at(30),
      lastAuditId: 'inv-set-image',
      updatedUtc: NOW.toISOString(),
    });
    expect(web?.object).toMatchObject({ spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.5.0' }] } } } });
    expect(web?.object?.spec).not.toHaveProperty('replicas');
    expect(web?.object).not.toHaveProperty('status');
    // Create, ReplicaSet, 3 pods and set-image are changes; the status update and the scale are not.
    // The Deployment's own create opens its changes: the document is created without a read.
    expect(summary.inventory).toEqual({ changes: 6, reads: 0, writes: 1, skipped: 0 });
    // The usage document (a read and a write) and the one workload (a write).
    // Beside them, the stateful rules' state documents of the rules these events feed (counted apart).
    expect(summary.cosmos).toEqual({ reads: 1 + summary.stateful.reads, writes: 2 + summary.stateful.writes, conflicts: 0 });
  });

  it('when the same batch is delivered again, then the inventory refuses the create, is read, and nothing changes', async () => {
    const sub = await newSubscription();
    const batch = auditBatch([messageOf(sub, rolloutEvents())], { partitionId: 'inv-replay' });
    await processAuditBatch(batch, dependencies());
    const before = (await listWorkloads(cosmos.database, sub, {}, { top: 10 })).workloads;

    const { summary } = await processAuditBatch(batch, dependencies({ now: () => new Date('2026-11-22T11:00:00.000Z') }));

    expect(summary.inventory).toEqual({ changes: 6, reads: 1, writes: 0, skipped: 0 });
    // A replay: the stateful rules read their state and write nothing either.
    expect(summary.stateful.writes).toBe(0);
    // The usage document and the workload are read; the workload's create-first is refused (a conflict, nothing written).
    expect(summary.cosmos).toEqual({ reads: 2 + summary.stateful.reads, writes: 1, conflicts: 1 });
    expect((await listWorkloads(cosmos.database, sub, {}, { top: 10 })).workloads).toEqual(before);
  });

  it('when the rollout arrives cut into two batches, then the second one folds into the document of the first', async () => {
    const sub = await newSubscription();
    const events = rolloutEvents();
    await processAuditBatch(auditBatch([messageOf(sub, events.slice(0, 5))], { partitionId: 'inv-split' }), dependencies());
    const { summary } = await processAuditBatch(auditBatch([messageOf(sub, events.slice(5))], { partitionId: 'inv-split', firstSequenceNumber: 1 }), dependencies());

    expect(summary.inventory).toEqual({ changes: 1, reads: 1, writes: 1, skipped: 0 });
    const { workloads } = await listWorkloads(cosmos.database, sub, {}, { top: 10 });
    expect(workloads).toHaveLength(1);
    expect(workloads[0]).toMatchObject({ firstSeenUtc: at(0), lastAuditId: 'inv-set-image' });
  });

  it('when the pods of a Deployment seen written by its own object churn in a later batch, then the instance that saw it neither reads nor writes the inventory', async () => {
    const sub = await newSubscription();
    const selfSpecifiedWorkloads = new SelfSpecifiedWorkloads();
    await processAuditBatch(auditBatch([messageOf(sub, rolloutEvents())], { partitionId: 'inv-churn' }), dependencies({ selfSpecifiedWorkloads }));
    const before = (await listWorkloads(cosmos.database, sub, {}, { top: 10 })).workloads;
    // The ReplicaSet's pods again, later (a rescheduling): folded changes of the Deployment.
    const churn = rolloutEvents()
      .filter((event) => String(event.auditID).startsWith('inv-pod-'))
      .map((event, index) => ({ ...event, auditID: `inv-churn-${index}`, requestReceivedTimestamp: at(50 + index), stageTimestamp: at(50 + index) }));
    expect(churn.length).toBeGreaterThan(0);
    const second = auditBatch([messageOf(sub, churn)], { partitionId: 'inv-churn', firstSequenceNumber: 1 });

    const remembered = await processAuditBatch(second, dependencies({ selfSpecifiedWorkloads }));
    const forgotten = await processAuditBatch(second, dependencies({ selfSpecifiedWorkloads: new SelfSpecifiedWorkloads() }));

    expect(remembered.summary.inventory).toEqual({ changes: churn.length, reads: 0, writes: 0, skipped: 1 });
    // The same changes on an instance that never saw the Deployment: one read, and the fold changes nothing.
    expect(forgotten.summary.inventory).toEqual({ changes: churn.length, reads: 1, writes: 0, skipped: 0 });
    expect((await listWorkloads(cosmos.database, sub, {}, { top: 10 })).workloads).toEqual(before);
  });

  it('when a batch holds only leases, node and pod status and reads, then the inventory makes no read and no write', async () => {
    const sub = await newSubscription();
    const { summary } = await processAuditBatch(auditBatch([messageOf(sub, quietEvents())], { partitionId: 'inv-quiet' }), dependencies());

    expect(summary.analyzed).toBe(5);
    expect(summary.inventory).toEqual({ changes: 0, reads: 0, writes: 0, skipped: 0 });
    expect(summary.cosmos).toEqual({ reads: 1 + summary.stateful.reads, writes: 1 + summary.stateful.writes, conflicts: 0 });
    expect((await listWorkloads(cosmos.database, sub, { includeDeleted: true }, { top: 10 })).workloads).toEqual([]);
  });

  it('when the workloads container is throttled, then the batch throws a transient fault for the retry, and the retry records the workload', async () => {
    const sub = await newSubscription();
    const batch = auditBatch([messageOf(sub, rolloutEvents())], { partitionId: 'inv-fault' });
    const database = cosmos.database;
    const throttled = new Proxy(database, {
      get(target, property, receiver) {
        if (property !== 'container') return Reflect.get(target, property, receiver) as unknown;
        return (id: string) => {
          const real = target.container(id);
          if (id !== 'workloads') return real;
          const throttle = () => Promise.reject(Object.assign(new Error('Request rate is large'), { code: 429, substatus: 3200 }));
          return { id, item: () => ({ read: throttle }), items: { create: throttle } };
        };
      },
    });

    const failure = await processAuditBatch(batch, dependencies({ database: throttled })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isTransientStoreError(failure)).toBe(true);

    await processAuditBatch(batch, dependencies());
    expect((await listWorkloads(cosmos.database, sub, {}, { top: 10 })).workloads.map((w) => w.name)).toEqual(['web']);
  });
});
