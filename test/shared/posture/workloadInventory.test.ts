import { auditEvent, container, controllerPodEvent, workloadObject, workloadPatchEvent } from '../../../shared/detection/exampleEvents';
import {
  applyInventoryChange,
  applyMergePatch,
  createInventoryDocumentId,
  documentKeyOf,
  foldInventoryChanges,
  type InventoryChange,
  inventoryChangeOf,
  type InventoryDocument,
} from '../../../shared/posture/workloadInventory';
import { recordOf, TEST_CLUSTER } from '../../support/ruleHarness';

const CLUSTER = TEST_CLUSTER.resourceId;
const NOW = '2026-11-02T10:20:00.000Z';
const T0 = '2026-11-02T10:15:30.123456Z';
const at = (minutes: number, micros = '000000') => `2026-11-02T10:${String(15 + minutes).padStart(2, '0')}:30.${micros}Z`;

const webSpec = {
  containers: [container({ name: 'web', securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } }), container({ name: 'sidecar', image: 'contoso.azurecr.io/proxy:2.0' })],
};

/** What the API server stores and returns: the manifest plus server-set metadata, defaults and status. */
function asStored(manifest: Record<string, unknown>, resourceVersion = '481516', extra: Record<string, unknown> = {}): Record<string, unknown> {
  const metadata = manifest.metadata as Record<string, unknown>;
  return {
    ...manifest,
    metadata: {
      ...metadata,
      uid: '2f0c7b1e-5d3a-4c8e-9b6f-1a2d3e4f5a6b',
      resourceVersion,
      generation: 1,
      creationTimestamp: '2026-11-02T10:15:30Z',
      annotations: { ...(metadata.annotations as object | undefined), 'deployment.kubernetes.io/revision': resourceVersion },
      managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: '2026-11-02T10:15:30Z' }],
    },
    status: { replicas: 0, observedGeneration: 1 },
    ...extra,
  };
}

const deploymentManifest = () => {
  const manifest = workloadObject('deployments', structuredClone(webSpec), 'web', 'shop');
  (manifest.spec as Record<string, unknown>).replicas = 3;
  return manifest;
};

const createDeployment = (time = T0, auditID = 'a-create-web') =>
  auditEvent({
    verb: 'create',
    resource: 'deployments',
    apiGroup: 'apps',
    namespace: 'shop',
    name: 'web',
    requestObject: deploymentManifest(),
    responseObject: asStored(deploymentManifest()),
    time,
    auditID,
  });

function changeOf(raw: Record<string, unknown>): InventoryChange | undefined {
  return inventoryChangeOf(recordOf(raw).event, CLUSTER);
}

function mustChange(raw: Record<string, unknown>): InventoryChange {
  const change = changeOf(raw);
  if (change === undefined) throw new Error('expected a change');
  return change;
}

/** Folds events in order the way the pipeline does (read the document of the change's key, apply, write), counting writes. */
function fold(events: readonly Record<string, unknown>[], start: Map<string, InventoryDocument> = new Map()) {
  const store = new Map(start);
  let writes = 0;
  for (const raw of events) {
    const change = changeOf(raw);
    if (change === undefined) continue;
    const key = documentKeyOf(change);
    const id = createInventoryDocumentId(TEST_CLUSTER.subscriptionId, key.cluster, key.kind, key.namespace, key.name);
    const result = applyInventoryChange(store.get(id), change, NOW);
    if (result.kind === 'write') {
      expect(result.document.id).toBe(id);
      store.set(id, result.document);
      writes++;
    }
  }
  return { store, writes, documents: [...store.values()] };
}

const only = (documents: InventoryDocument[]): InventoryDocument => {
  expect(documents).toHaveLength(1);
  return documents[0] as InventoryDocument;
};

const podSpecOf = (document: InventoryDocument) => (document.object?.spec as { template: { spec: { containers: { name: string; image: string; securityContext?: unknown }[] } } }).template.spec;

describe('inventoryChangeOf', () => {
  it('when a Deployment is created at RequestResponse level, then the change upserts the stored object without status or volatile metadata', () => {
    const change = mustChange(createDeployment());
    expect(change).toMatchObject({ op: 'upsert', created: true, key: { cluster: CLUSTER, kind: 'Deployment', namespace: 'shop', name: 'web' }, eventTimeUtc: T0, auditId: 'a-create-web' });
    expect(change.object).not.toHaveProperty('status');
    expect(change.object?.metadata).toEqual({ name: 'web', namespace: 'shop' });
    expect(change.object?.spec).not.toHaveProperty('replicas');
    expect(change.ownerKey).toBeUndefined();
  });

  it('when the event records nothing the inventory keeps, then there is no change', () => {
    const noChange = [
      auditEvent({ verb: 'get', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web' }),
      auditEvent({ verb: 'watch', resource: 'pods', namespace: 'shop' }),
      auditEvent({ verb: 'update', resource: 'deployments', apiGroup: 'apps', subresource: 'status', namespace: 'shop', name: 'web', requestObject: asStored(deploymentManifest()) }),
      auditEvent({ verb: 'patch', resource: 'deployments', apiGroup: 'apps', subresource: 'scale', namespace: 'shop', name: 'web', requestObject: { spec: { replicas: 5 } } }),
      auditEvent({ verb: 'create', resource: 'pods', subresource: 'binding', namespace: 'shop', name: 'web-1', requestObject: { target: { kind: 'Node', name: 'aks-nodepool1-0' } } }),
      { ...createDeployment(), responseStatus: { metadata: {}, code: 422 } },
      { ...createDeployment(), stage: 'RequestReceived' },
      { ...createDeployment(), requestURI: '/apis/apps/v1/namespaces/shop/deployments?dryRun=All&fieldManager=kubectl-client-side-apply' },
      auditEvent({ verb: 'create', resource: 'configmaps', namespace: 'shop', name: 'web', requestObject: { kind: 'ConfigMap', data: {} } }),
      auditEvent({ verb: 'deletecollection', resource: 'pods', namespace: 'shop' }),
    ];
    expect(noChange.map((raw) => changeOf(raw))).toEqual(noChange.map(() => undefined));
  });

  it('when the replicaset controller creates a pod of a Deployment, then the change folds it under the Deployment with the template it shows', () => {
    const pod = controllerPodEvent(structuredClone(webSpec), { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' }, labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' } });
    const change = mustChange(pod);
    expect(change.key).toMatchObject({ kind: 'Pod', name: 'web-7d9f8c6b5-x2k4q' });
    expect(change.ownerKey).toEqual({ cluster: CLUSTER, kind: 'Deployment', namespace: 'shop', name: 'web' });
    expect(change.object?.kind).toBe('Deployment');
    expect(getTemplateImages(change.object)).toEqual(['contoso.azurecr.io/shop/web:1.4.2', 'contoso.azurecr.io/proxy:2.0']);
  });

  it('when the job controller creates the pod of a CronJob run at Metadata level, then it is folded under the CronJob by its name, with no spec', () => {
    const pod = auditEvent({ verb: 'create', resource: 'pods', namespace: 'ops', name: 'backup-29372580-q7w2z', user: 'system:serviceaccount:kube-system:job-controller' });
    expect(mustChange(pod)).toMatchObject({ op: 'upsert', partial: true, ownerKey: { kind: 'CronJob', name: 'backup' } });
  });

  it('when a bare pod is created, then it is its own workload', () => {
    const pod = auditEvent({ verb: 'create', resource: 'pods', namespace: 'tools', name: 'debug', requestObject: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'tools' }, spec: { containers: [container()] } } });
    const change = mustChange(pod);
    expect(change.ownerKey).toBeUndefined();
    expect(change.key).toMatchObject({ kind: 'Pod', name: 'debug' });
  });

  it('when a create is logged with a requestObject that has no metadata.namespace (kubectl -n) and no response, then the stored object takes the namespace of objectRef', () => {
    const manifest = workloadObject('deployments', structuredClone(webSpec), 'web', 'shop');
    delete (manifest.metadata as Record<string, unknown>).namespace;
    const change = mustChange(auditEvent({ verb: 'create', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', requestObject: manifest }));
    expect(change.key).toMatchObject({ kind: 'Deployment', namespace: 'shop', name: 'web' });
    expect(change.object?.metadata).toEqual({ name: 'web', namespace: 'shop' });
  });

  it("when objectRef carries an empty namespace, then the namespace of the body's metadata is used", () => {
    const raw = createDeployment();
    (raw.objectRef as Record<string, unknown>).namespace = '';
    const change = mustChange(raw);
    expect(change.key.namespace).toBe('shop');
    expect(change.object?.metadata).toMatchObject({ namespace: 'shop' });
  });

  it('when a patch is logged without its response, then the change carries the patch body, a JSON patch as operations', () => {
    expect(mustChange(workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { spec: { template: { spec: { hostNetwork: true } } } }))).toMatchObject({
      op: 'patch',
      patch: { type: 'merge' },
    });
    expect(mustChange(workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, [{ op: 'add', path: '/spec/template/spec/hostPID', value: true }]))).toMatchObject({
      op: 'patch',
      patch: { type: 'json' },
    });
  });
});

function getTemplateImages(object: Record<string, unknown> | undefined): string[] {
  const containers = ((object?.spec as { template?: { spec?: { containers?: { image: string }[] } } } | undefined)?.template?.spec?.containers ?? []);
  return containers.map((c) => c.image);
}

describe('applyInventoryChange', () => {
  it('when a Deployment is created, then its ReplicaSet and pods add nothing: one document, one write', () => {
    const replicaSet = workloadObject('replicasets', structuredClone(webSpec), 'web-7d9f8c6b5', 'shop');
    (replicaSet.metadata as Record<string, unknown>).ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '2f0c', controller: true, blockOwnerDeletion: true }];
    const replicaSetCreate = auditEvent({ verb: 'create', resource: 'replicasets', apiGroup: 'apps', namespace: 'shop', user: 'system:serviceaccount:kube-system:deployment-controller', requestObject: replicaSet, responseObject: asStored(replicaSet), time: at(0, '200000'), auditID: 'a-rs' });
    const pods = [0, 1, 2].map((n) =>
      controllerPodEvent(structuredClone(webSpec), { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' }, podName: `web-7d9f8c6b5-p${n}x2k`, labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' }, time: at(0, `30000${n}`), auditID: `a-pod-${n}` }),
    );
    const podStatus = auditEvent({ verb: 'patch', resource: 'pods', subresource: 'status', namespace: 'shop', name: 'web-7d9f8c6b5-p0x2k', user: 'system:node:aks-nodepool1-0', requestObject: { status: { phase: 'Running' } }, time: at(1) });
    const { documents, writes } = fold([createDeployment(), replicaSetCreate, ...pods, podStatus]);
    expect(writes).toBe(1);
    const document = only(documents);
    expect(document).toMatchObject({ kind: 'Deployment', namespace: 'shop', name: 'web', partial: false, specFrom: 'self', deleted: false, firstSeenUtc: T0, lastChangedUtc: T0, updatedUtc: NOW });
    expect(document.specHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when the Deployment was written before Argus watched, then its pods fill its document as partial, once for all replicas, until its own write', () => {
    const pods = [0, 1, 2].map((n) =>
      controllerPodEvent(structuredClone(webSpec), { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' }, podName: `web-7d9f8c6b5-p${n}x2k`, labels: { 'pod-template-hash': '7d9f8c6b5' }, time: at(0, `00000${n}`), auditID: `a-pod-${n}` }),
    );
    const fromPods = fold(pods);
    expect(fromPods.writes).toBe(1);
    expect(only(fromPods.documents)).toMatchObject({ kind: 'Deployment', name: 'web', partial: true, specFrom: 'owned' });
    const afterOwnWrite = fold([createDeployment(at(2), 'a-apply')], fromPods.store);
    expect(only(afterOwnWrite.documents)).toMatchObject({ partial: false, specFrom: 'self', firstSeenUtc: at(0, '000000') });
  });

  it('when the Deployment is scaled, by its scale subresource or a replicas patch, then nothing is written', () => {
    const created = fold([createDeployment()]);
    const scaled = fold(
      [
        auditEvent({ verb: 'patch', resource: 'deployments', apiGroup: 'apps', subresource: 'scale', namespace: 'shop', name: 'web', requestObject: { spec: { replicas: 10 } }, time: at(1) }),
        workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { spec: { replicas: 10 } }, { time: at(2), auditID: 'a-replicas', responseObject: asStored({ ...deploymentManifest(), spec: { ...(deploymentManifest().spec as object), replicas: 10 } }, '481999') }),
      ],
      created.store,
    );
    expect(scaled.writes).toBe(0);
  });

  it('when `kubectl set image` sends a strategic merge patch without the response, then the image changes and the other container and fields stay', () => {
    const created = fold([createDeployment()]);
    const setImage = workloadPatchEvent(
      'deployments',
      { namespace: 'shop', name: 'web' },
      { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ image: 'contoso.azurecr.io/shop/web:1.5.0', name: 'web' }] } } } },
      { time: at(3), auditID: 'a-set-image' },
    );
    const patched = fold([setImage], created.store);
    expect(patched.writes).toBe(1);
    const document = only(patched.documents);
    expect(podSpecOf(document).containers.map((c) => [c.name, c.image])).toEqual([
      ['web', 'contoso.azurecr.io/shop/web:1.5.0'],
      ['sidecar', 'contoso.azurecr.io/proxy:2.0'],
    ]);
    expect(podSpecOf(document).containers[0]?.securityContext).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(document).toMatchObject({ partial: false, lastChangedUtc: at(3), lastAuditId: 'a-set-image' });
    expect(document.specHash).not.toBe(only(created.documents).specHash);
  });

  it('when a JSON patch changes the spec of a known Deployment, then it applies to the last known object', () => {
    const created = fold([createDeployment()]);
    const patched = fold(
      [workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, [{ op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'contoso.azurecr.io/proxy:2.1' }, { op: 'add', path: '/spec/template/spec/hostNetwork', value: true }], { time: at(1) })],
      created.store,
    );
    const spec = podSpecOf(only(patched.documents)) as unknown as { hostNetwork: boolean; containers: { image: string }[] };
    expect(spec.hostNetwork).toBe(true);
    expect(spec.containers.map((c) => c.image)).toEqual(['contoso.azurecr.io/shop/web:1.4.2', 'contoso.azurecr.io/proxy:2.1']);
    expect(only(patched.documents).partial).toBe(false);
  });

  it('when a patch arrives for an object never seen, then the document holds what the patch writes and is partial', () => {
    const { documents } = fold([workloadPatchEvent('daemonsets', { namespace: 'monitoring', name: 'agent' }, { spec: { template: { spec: { hostPID: true } } } })]);
    expect(only(documents)).toMatchObject({ kind: 'DaemonSet', partial: true, object: { kind: 'DaemonSet', spec: { template: { spec: { hostPID: true } } } } });
  });

  it('when a status update or a resourceVersion bump is all that changed, then nothing is written', () => {
    const created = fold([createDeployment()]);
    const update = auditEvent({
      verb: 'update',
      resource: 'deployments',
      apiGroup: 'apps',
      namespace: 'shop',
      name: 'web',
      user: 'system:serviceaccount:kube-system:deployment-controller',
      requestObject: asStored(deploymentManifest(), '482000'),
      responseObject: asStored(deploymentManifest(), '482001', { status: { replicas: 3, readyReplicas: 3 } }),
      time: at(4),
      auditID: 'a-bump',
    });
    expect(fold([update], created.store).writes).toBe(0);
  });

  it('when a Deployment is created at Metadata level, then its document is partial with no object, and a later full write completes it', () => {
    const metadataOnly = auditEvent({ verb: 'create', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', auditID: 'a-meta' });
    const first = fold([metadataOnly]);
    const document = only(first.documents);
    expect(document).toMatchObject({ partial: true, deleted: false });
    expect(document.object).toBeUndefined();
    const updateMeta = auditEvent({ verb: 'update', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', time: at(1), auditID: 'a-meta-2' });
    expect(fold([updateMeta], first.store).writes).toBe(0);
    const full = fold([createDeployment(at(2), 'a-full')], first.store);
    expect(only(full.documents)).toMatchObject({ partial: false, firstSeenUtc: T0 });
  });

  it('when a known object is updated at Metadata level, then it keeps its last spec and becomes partial', () => {
    const created = fold([createDeployment()]);
    const updated = fold([auditEvent({ verb: 'update', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', time: at(1), auditID: 'a-meta-update' })], created.store);
    expect(only(updated.documents)).toMatchObject({ partial: true, specHash: only(created.documents).specHash });
  });

  it('when a Deployment is deleted and a late update older than the delete arrives, then the tombstone stays; a new create brings it back', () => {
    const created = fold([createDeployment()]);
    const deleteEvent = auditEvent({ verb: 'delete', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', requestObject: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', propagationPolicy: 'Background' }, responseObject: { kind: 'Status', apiVersion: 'v1', status: 'Success' }, time: at(5), auditID: 'a-delete' });
    const deleted = fold([deleteEvent], created.store);
    expect(only(deleted.documents)).toMatchObject({ deleted: true, deletedUtc: at(5) });

    const lateUpdate = auditEvent({ verb: 'update', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', requestObject: deploymentManifest(), responseObject: asStored({ ...deploymentManifest(), spec: { template: { spec: { hostNetwork: true, containers: [container()] } } } }), time: at(4), auditID: 'a-late' });
    const finalizerPatch = workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { metadata: { finalizers: null } }, { time: at(6), auditID: 'a-gc' });
    const late = fold([lateUpdate, finalizerPatch, deleteEvent], deleted.store);
    expect(late.writes).toBe(0);

    const recreated = fold([createDeployment(at(7), 'a-recreate')], deleted.store);
    expect(only(recreated.documents)).toMatchObject({ deleted: false, firstSeenUtc: at(7), lastChangedUtc: at(7) });
    expect(only(recreated.documents).deletedUtc).toBeUndefined();
  });

  it('when the same events are delivered again, then nothing is written', () => {
    const events = [
      createDeployment(),
      workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, [{ op: 'add', path: '/spec/template/spec/containers/-', value: container({ name: 'extra' }) }], { time: at(1), auditID: 'a-append' }),
    ];
    const first = fold(events);
    expect(first.writes).toBe(2);
    expect(fold(events, first.store).writes).toBe(0);
    expect(fold([events[1] as Record<string, unknown>], first.store).writes).toBe(0);
  });

  it('when a controller-owned pod is deleted or its ReplicaSet scaled, then the Deployment is not touched', () => {
    const created = fold([createDeployment()]);
    const podDelete = auditEvent({ verb: 'delete', resource: 'pods', namespace: 'shop', name: 'web-7d9f8c6b5-p0x2k', user: 'system:serviceaccount:kube-system:replicaset-controller', time: at(1) });
    const rsScale = auditEvent({ verb: 'update', resource: 'replicasets', apiGroup: 'apps', namespace: 'shop', name: 'web-7d9f8c6b5', user: 'system:serviceaccount:kube-system:deployment-controller', responseObject: asStored({ ...workloadObject('replicasets', webSpec, 'web-7d9f8c6b5', 'shop'), metadata: { name: 'web-7d9f8c6b5', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] } }), time: at(2) });
    expect(fold([podDelete, rsScale], created.store).writes).toBe(0);
  });

  it('when a CronJob run creates its Job and pod before the CronJob was seen, then one CronJob document holds the template', () => {
    const job = { ...workloadObject('jobs', { containers: [container({ name: 'backup' })], restartPolicy: 'OnFailure' }, 'backup-29372580', 'ops') };
    (job.metadata as Record<string, unknown>).ownerReferences = [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', controller: true }];
    const jobCreate = auditEvent({ verb: 'create', resource: 'jobs', apiGroup: 'batch', namespace: 'ops', user: 'system:serviceaccount:kube-system:cronjob-controller', requestObject: job, responseObject: asStored(job), auditID: 'a-job' });
    const { documents } = fold([jobCreate]);
    const document = only(documents);
    expect(document).toMatchObject({ kind: 'CronJob', name: 'backup', partial: true, specFrom: 'owned' });
    expect(document.object).toMatchObject({ kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'backup' }] } } } } } });
  });
});

describe('foldInventoryChanges', () => {
  it('when several changes of one workload are folded in order, then the result is the last write; when none writes, undefined', () => {
    const create = mustChange(createDeployment(T0, 'a-fold-1'));
    const setImage = mustChange(
      workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.5.0' }] } } } }, { time: at(1), auditID: 'a-fold-2' }),
    );
    const folded = foldInventoryChanges(undefined, [create, setImage], NOW);
    expect(folded).toMatchObject({ lastAuditId: 'a-fold-2', firstSeenUtc: T0, lastChangedUtc: at(1) });
    expect(getTemplateImages(folded?.object)).toEqual(['contoso.azurecr.io/shop/web:1.5.0', 'contoso.azurecr.io/proxy:2.0']);
    expect(foldInventoryChanges(folded, [create, setImage], NOW)).toBeUndefined();
  });
});

describe('applyMergePatch', () => {
  it('when a strategic merge patch deletes a container by name and nulls a field, then exactly those go', () => {
    const base = { containers: [{ name: 'a', image: 'x', tty: true }, { name: 'b', image: 'y' }] };
    expect(applyMergePatch(base, { containers: [{ name: 'b', $patch: 'delete' }, { name: 'a', tty: null }] })).toEqual({ containers: [{ name: 'a', image: 'x' }] });
  });

  it('when a list has no merge key, then the patch replaces it (RFC 7386)', () => {
    expect(applyMergePatch({ tolerations: [{ key: 'a' }] }, { tolerations: [{ key: 'b' }] })).toEqual({ tolerations: [{ key: 'b' }] });
  });
});

describe('createInventoryDocumentId', () => {
  it('when the subscription or cluster differ only in case, then the id is the same; another kind gives another id', () => {
    const id = createInventoryDocumentId('6B1E0C3D', CLUSTER.toUpperCase(), 'Deployment', 'shop', 'web');
    expect(id).toBe(createInventoryDocumentId('6b1e0c3d', CLUSTER, 'Deployment', 'shop', 'web'));
    expect(id).not.toBe(createInventoryDocumentId('6b1e0c3d', CLUSTER, 'StatefulSet', 'shop', 'web'));
    expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});
