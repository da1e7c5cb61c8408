import { auditEvent, container, controllerPodEvent, workloadObject, workloadPatchEvent } from '../../../shared/detection/exampleEvents';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { createInventoryDocumentId, type InventoryChange, inventoryChangeOf } from '../../../shared/posture/workloadInventory';
import {
  listClusterWorkloads,
  listWorkloads,
  recordInventoryChanges,
  type StoredInventoryDocument,
  WORKLOAD_TOMBSTONE_TTL_IN_SECONDS,
} from '../../../shared/store/workloadInventoryStore';
import { recordOf } from '../../support/ruleHarness';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
const OTHER_SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3ff';
const NOW = new Date('2026-11-02T10:30:00.000Z');
const at = (minute: number) => `2026-11-02T10:${String(15 + minute).padStart(2, '0')}:30.123456Z`;

function clusterOf(subscriptionId: string, name: string): string {
  const identity = parseClusterResourceId(`/subscriptions/${subscriptionId}/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`);
  if (identity === undefined) throw new Error('bad cluster id');
  return identity.resourceId;
}

const PROD = clusterOf(SUB, 'aks-prod');
const STAGING = clusterOf(SUB, 'aks-staging');
const OTHER = clusterOf(OTHER_SUB, 'aks-prod');

const webSpec = () => ({ containers: [container({ name: 'web', securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } })] });

function changeOf(raw: Record<string, unknown>, cluster: string): InventoryChange {
  const change = inventoryChangeOf(recordOf(raw).event, cluster);
  if (change === undefined) throw new Error('expected an inventory change');
  return change;
}

function createDeployment(name: string, namespace: string, options: { time?: string; auditID?: string } = {}): Record<string, unknown> {
  const manifest = workloadObject('deployments', webSpec(), name, namespace);
  return auditEvent({ verb: 'create', resource: 'deployments', apiGroup: 'apps', namespace, name, requestObject: manifest, responseObject: manifest, time: options.time ?? at(0), auditID: options.auditID ?? `create-${namespace}-${name}` });
}

function deleteOf(resource: 'deployments' | 'pods', name: string, namespace: string, time: string, auditID: string): Record<string, unknown> {
  return auditEvent({ verb: 'delete', resource, apiGroup: resource === 'pods' ? '' : 'apps', namespace, name, time, auditID });
}

async function read(cosmos: TestCosmos, cluster: string, kind: string, namespace: string, name: string): Promise<(StoredInventoryDocument & { _etag?: string }) | undefined> {
  const subscriptionId = parseClusterResourceId(cluster)?.subscriptionId ?? '';
  const { resource } = await cosmos.database.container('workloads').item(createInventoryDocumentId(subscriptionId, cluster, kind, namespace, name), subscriptionId).read<StoredInventoryDocument & { _etag?: string }>();
  return resource;
}

describe('workloadInventoryStore', () => {
  let cosmos: TestCosmos;

  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos.close();
  });

  it('when a Deployment is created, then patched twice in one batch, then it is written once, without a read (its own create opens the changes), with the patched spec', async () => {
    const changes = [
      createDeployment('fold', 'shop', { time: at(0), auditID: 'fold-1' }),
      workloadPatchEvent('deployments', { namespace: 'shop', name: 'fold' }, { spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.5.0' }] } } } }, { time: at(1), auditID: 'fold-2' }),
      workloadPatchEvent('deployments', { namespace: 'shop', name: 'fold' }, { spec: { template: { spec: { hostNetwork: true } } } }, { time: at(2), auditID: 'fold-3' }),
    ].map((raw) => ({ subscriptionId: SUB, change: changeOf(raw, PROD) }));

    const stats = await recordInventoryChanges(cosmos.database, changes, NOW);

    expect(stats).toEqual({ changes: 3, documentsWritten: 1, documentsSkipped: 0, reads: 0, writes: 1, conflicts: 0 });
    const stored = await read(cosmos, PROD, 'Deployment', 'shop', 'fold');
    expect(stored).toMatchObject({ subscriptionId: SUB, cluster: PROD, kind: 'Deployment', namespace: 'shop', name: 'fold', lastAuditId: 'fold-3', partial: false, deleted: false, updatedUtc: NOW.toISOString() });
    expect(stored?.object).toMatchObject({ spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.5.0' }] } } } });
    expect(stored).not.toHaveProperty('ttl');
  });

  it('when the same changes are folded again, then the create is refused, the document read, and nothing changes', async () => {
    const changes = [createDeployment('replay', 'shop', { auditID: 'replay-1' })].map((raw) => ({ subscriptionId: SUB, change: changeOf(raw, PROD) }));
    await recordInventoryChanges(cosmos.database, changes, NOW);
    const before = await read(cosmos, PROD, 'Deployment', 'shop', 'replay');

    const stats = await recordInventoryChanges(cosmos.database, changes, new Date('2026-11-02T11:00:00.000Z'));

    expect(stats).toEqual({ changes: 1, documentsWritten: 0, documentsSkipped: 0, reads: 1, writes: 1, conflicts: 1 });
    expect((await read(cosmos, PROD, 'Deployment', 'shop', 'replay'))?._etag).toBe(before?._etag);
  });

  it('when another instance writes the document between the read and the write, then the write is redone on the fresh document and neither change is lost', async () => {
    await recordInventoryChanges(cosmos.database, [{ subscriptionId: SUB, change: changeOf(createDeployment('race', 'shop', { time: at(0), auditID: 'race-1' }), PROD) }], NOW);
    const theirs = changeOf(workloadPatchEvent('deployments', { namespace: 'shop', name: 'race' }, { spec: { template: { spec: { hostPID: true } } } }, { time: at(1), auditID: 'race-theirs' }), PROD);
    const ours = changeOf(workloadPatchEvent('deployments', { namespace: 'shop', name: 'race' }, { spec: { template: { spec: { hostIPC: true } } } }, { time: at(2), auditID: 'race-ours' }), PROD);
    // The other instance's write lands right after our first read.
    const workloads = cosmos.database.container('workloads');
    const item = workloads.item.bind(workloads);
    let interfered = false;
    const spy = jest.spyOn(workloads, 'item').mockImplementation((id, partitionKey) => {
      const handle = item(id, partitionKey);
      const readItem = handle.read.bind(handle);
      handle.read = (async (options?: Parameters<typeof handle.read>[0]) => {
        const response = await readItem(options);
        if (!interfered) {
          interfered = true;
          spy.mockRestore();
          await recordInventoryChanges(cosmos.database, [{ subscriptionId: SUB, change: theirs }], NOW);
        }
        return response;
      }) as typeof handle.read;
      return handle;
    });
    const containerOf = jest.spyOn(cosmos.database, 'container').mockReturnValue(workloads);

    const stats = await recordInventoryChanges(cosmos.database, [{ subscriptionId: SUB, change: ours }], NOW);
    containerOf.mockRestore();
    spy.mockRestore();

    expect(interfered).toBe(true);
    expect(stats).toMatchObject({ documentsWritten: 1, reads: 2, writes: 2, conflicts: 1 });
    const stored = await read(cosmos, PROD, 'Deployment', 'shop', 'race');
    expect(stored?.object).toMatchObject({ spec: { template: { spec: { hostPID: true, hostIPC: true } } } });
    expect(stored?.lastAuditId).toBe('race-ours');
  });

  it('when a workload is deleted, then a tombstone with a time to live stays; a later create brings it back without one', async () => {
    await recordInventoryChanges(cosmos.database, [createDeployment('gone', 'shop', { time: at(0), auditID: 'gone-1' }), deleteOf('deployments', 'gone', 'shop', at(1), 'gone-2')].map((raw) => ({ subscriptionId: SUB, change: changeOf(raw, PROD) })), NOW);
    expect(await read(cosmos, PROD, 'Deployment', 'shop', 'gone')).toMatchObject({ deleted: true, deletedUtc: at(1), ttl: WORKLOAD_TOMBSTONE_TTL_IN_SECONDS });
    expect(WORKLOAD_TOMBSTONE_TTL_IN_SECONDS).toBe(604_800);

    // A late update of the deleted object (a finalizer removed) does not resurrect it.
    const lateUpdate = auditEvent({ verb: 'update', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'gone', requestObject: workloadObject('deployments', webSpec(), 'gone', 'shop'), time: at(2), auditID: 'gone-3' });
    expect(await recordInventoryChanges(cosmos.database, [{ subscriptionId: SUB, change: changeOf(lateUpdate, PROD) }], NOW)).toMatchObject({ documentsWritten: 0 });

    await recordInventoryChanges(cosmos.database, [{ subscriptionId: SUB, change: changeOf(createDeployment('gone', 'shop', { time: at(3), auditID: 'gone-4' }), PROD) }], NOW);
    const back = await read(cosmos, PROD, 'Deployment', 'shop', 'gone');
    expect(back).toMatchObject({ deleted: false, firstSeenUtc: at(3) });
    expect(back).not.toHaveProperty('ttl');
  });

  it('when a controller-created pod arrives before its Deployment was ever seen, then it is folded into the Deployment document, not one of its own', async () => {
    const pod = controllerPodEvent(webSpec(), { namespace: 'orders', owner: { kind: 'ReplicaSet', name: 'api-7d9f8c6b5' }, labels: { app: 'api', 'pod-template-hash': '7d9f8c6b5' }, time: at(0), auditID: 'pod-1' });
    const stats = await recordInventoryChanges(cosmos.database, [{ subscriptionId: SUB, change: changeOf(pod, PROD) }], NOW);
    expect(stats).toMatchObject({ documentsWritten: 1 });
    expect(await read(cosmos, PROD, 'Deployment', 'orders', 'api')).toMatchObject({ specFrom: 'owned', partial: true });
    expect(await read(cosmos, PROD, 'Pod', 'orders', 'api-7d9f8c6b5-x2k4q')).toBeUndefined();
  });

  it('when a store request fails, then the fault is thrown for the batch to be retried', async () => {
    const failing = {
      container: () => ({
        id: 'workloads',
        item: () => ({ read: () => Promise.reject(Object.assign(new Error('Request rate is large'), { code: 429 })) }),
        items: { create: () => Promise.reject(Object.assign(new Error('Request rate is large'), { code: 429 })) },
      }),
    } as unknown as TestCosmos['database'];
    await expect(recordInventoryChanges(failing, [{ subscriptionId: SUB, change: changeOf(createDeployment('fault', 'shop'), PROD) }], NOW)).rejects.toMatchObject({ code: 429 });
  });

  describe('listing', () => {
    const seeded = [
      { cluster: PROD, subscriptionId: SUB, namespace: 'shop', names: ['cart', 'checkout', 'catalog'] },
      { cluster: PROD, subscriptionId: SUB, namespace: 'ops', names: ['backup'] },
      { cluster: STAGING, subscriptionId: SUB, namespace: 'shop', names: ['cart', 'checkout'] },
      { cluster: OTHER, subscriptionId: OTHER_SUB, namespace: 'shop', names: ['cart'] },
    ];

    beforeAll(async () => {
      const changes = seeded.flatMap(({ cluster, subscriptionId, namespace, names }) =>
        names.map((name) => ({ subscriptionId, change: changeOf(createDeployment(`list-${name}`, namespace, { auditID: `list-${cluster}-${namespace}-${name}` }), cluster) })),
      );
      const podCreate = auditEvent({ verb: 'create', resource: 'pods', namespace: 'ops', name: 'list-debug', requestObject: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'list-debug' }, spec: webSpec() }, time: at(0), auditID: 'list-pod' });
      changes.push({ subscriptionId: SUB, change: changeOf(podCreate, PROD) });
      changes.push({ subscriptionId: SUB, change: changeOf(deleteOf('deployments', 'list-catalog', 'shop', at(1), 'list-delete'), PROD) });
      await recordInventoryChanges(cosmos.database, changes, NOW);
    });

    const names = (documents: readonly { name: string }[]) => documents.map((d) => d.name).filter((name) => name.startsWith('list-')).sort();

    it('when a cluster is listed for its evaluation, then its current workloads come back without tombstones unless asked, and without system properties', async () => {
      const current = await listClusterWorkloads(cosmos.database, SUB, PROD);
      expect(names(current)).toEqual(['list-backup', 'list-cart', 'list-checkout', 'list-debug']);
      expect(current.every((d) => d.cluster === PROD && !('_etag' in d) && !('ttl' in d))).toBe(true);
      expect(current.map((d) => d.id)).toEqual([...current.map((d) => d.id)].sort());
      expect(names(await listClusterWorkloads(cosmos.database, SUB, PROD, { includeDeleted: true }))).toContain('list-catalog');
    });

    it('when filtered by cluster, namespace and kind, then every result matches each filter and other subscriptions never show', async () => {
      const page = (filters: Parameters<typeof listWorkloads>[2]) => listWorkloads(cosmos.database, SUB, filters, { top: 100 }).then((p) => p.workloads);
      expect(names(await page({ clusterName: 'aks-prod' }))).toEqual(['list-backup', 'list-cart', 'list-checkout', 'list-debug']);
      expect(names(await page({ clusterResourceId: STAGING }))).toEqual(['list-cart', 'list-checkout']);
      expect(names(await page({ namespace: 'shop' }))).toEqual(['list-cart', 'list-cart', 'list-checkout', 'list-checkout']);
      expect(names(await page({ namespace: 'ops', kind: 'Pod' }))).toEqual(['list-debug']);
      expect(names(await page({ namespace: 'shop', includeDeleted: true }))).toContain('list-catalog');
      expect((await listWorkloads(cosmos.database, OTHER_SUB, {}, { top: 100 })).workloads.every((d) => d.subscriptionId === OTHER_SUB)).toBe(true);
    });

    it('when paged, then the pages hold every workload once, by id, and the last has no next position', async () => {
      const all = (await listWorkloads(cosmos.database, SUB, {}, { top: 1000 })).workloads.map((d) => d.id);
      const ids: string[] = [];
      let after: { id: string } | undefined;
      let pages = 0;
      for (;;) {
        const page = await listWorkloads(cosmos.database, SUB, {}, { top: 2, ...(after === undefined ? {} : { after }) });
        pages++;
        ids.push(...page.workloads.map((d) => d.id));
        if (page.next === undefined) break;
        after = page.next;
      }
      expect(ids).toEqual([...all].sort());
      expect(pages).toBe(Math.ceil(all.length / 2));
    });
  });
});
