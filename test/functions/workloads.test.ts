import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { listWorkloadNamespaces } from '../../functions/listWorkloadNamespaces';
import { listWorkloads } from '../../functions/listWorkloads';
import { auditEvent, container, podObject, workloadObject } from '../../shared/detection/exampleEvents';
import { pssPrivileged } from '../../shared/posture/checks/workload/pss-privileged';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { inventoryChangeOf } from '../../shared/posture/workloadInventory';
import { type WorkloadNamespaces } from '../../shared/posture/workloadNamespaces';
import { redactFinding } from '../../shared/posture/redactFinding';
import { type WorkloadView } from '../../shared/posture/workloadView';
import { recordInventoryChanges } from '../../shared/store/workloadInventoryStore';
import { ApiHarness, expectInvalidParameter, type Handler, roleCast, type TestCaller } from '../support/apiHarness';
import { recordOf } from '../support/ruleHarness';

/**
 * The workload inventory's API over an inventory recorded from real-shaped audit events: a restricted-clean Deployment
 * in `shop`, a privileged Falco DaemonSet beside kube-state-metrics in `monitoring`, a database migration Pod running
 * as root in `batch`, CoreDNS in the excluded `kube-system`, and a StatefulSet in `cache` seen only through
 * `kubectl rollout restart` (a patch without a base: partial, no pod spec).
 */

const SUB = '4e7a1c93-6d2b-4f58-9a0e-3c1b5d7f9a40';
const OTHER_SUB = '4e7a1c93-6d2b-4f58-9a0e-3c1b5d7f9a99';
const cast = roleCast('4');

function clusterOf(subscriptionId: string, resourceGroup: string, name: string): string {
  const identity = parseClusterResourceId(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`);
  if (identity === undefined) throw new Error('bad cluster id');
  return identity.resourceId;
}

const PROD = clusterOf(SUB, 'rg-shop-prod', 'aks-shop-prod');
const DEV = clusterOf(SUB, 'rg-batch-dev', 'aks-batch-dev');
const TWIN_A = clusterOf(SUB, 'rg-twin-a', 'aks-twin');
const TWIN_B = clusterOf(SUB, 'rg-twin-b', 'aks-twin');
/** PROD's id as AKS writes it into diagnostic records: upper case. */
const PROD_AS_AKS_WRITES_IT = `/SUBSCRIPTIONS/${SUB.toUpperCase()}/RESOURCEGROUPS/RG-SHOP-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-SHOP-PROD`;

const at = (minute: number) => `2026-11-22T09:${String(minute).padStart(2, '0')}:12.418230Z`;
const KUBECTL_UA = 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9';
const HELM_UA = 'Helm/3.16.2';
const SLACK_WEBHOOK = 'https://hooks.slack.com/services/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';
const DATABASE_PASSWORD = 'Pa55w0rd-orders-2026!';

const shopWeb = workloadObject(
  'deployments',
  {
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      container({
        name: 'web',
        image: 'contoso.azurecr.io/shop/web:1.4.2',
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      }),
    ],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  },
  'web',
  'shop',
);

const falco = workloadObject(
  'daemonsets',
  {
    serviceAccountName: 'falco',
    hostNetwork: true,
    hostPID: true,
    containers: [
      container({
        name: 'falco',
        image: 'docker.io/falcosecurity/falco:0.39.2',
        args: ['/usr/bin/falco', '--cri', '/run/containerd/containerd.sock'],
        env: [
          { name: 'FALCO_K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'FALCOSIDEKICK_SLACK_WEBHOOKURL', value: SLACK_WEBHOOK },
        ],
        resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } },
        securityContext: { privileged: true },
        volumeMounts: [
          { name: 'proc-fs', mountPath: '/host/proc', readOnly: true },
          { name: 'dev-fs', mountPath: '/host/dev', readOnly: true },
          { name: 'containerd-socket', mountPath: '/host/run/containerd' },
        ],
      }),
    ],
    volumes: [
      { name: 'proc-fs', hostPath: { path: '/proc' } },
      { name: 'dev-fs', hostPath: { path: '/dev' } },
      { name: 'containerd-socket', hostPath: { path: '/run/containerd' } },
    ],
  },
  'falco',
  'monitoring',
);

const kubeStateMetrics = workloadObject(
  'deployments',
  {
    serviceAccountName: 'kube-state-metrics',
    automountServiceAccountToken: true,
    securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      container({
        name: 'kube-state-metrics',
        image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0',
        args: ['--port=8080', '--telemetry-port=8081'],
        ports: [{ containerPort: 8080, name: 'http-metrics' }, { containerPort: 8081, name: 'telemetry' }],
        livenessProbe: { httpGet: { path: '/livez', port: 'http-metrics' }, initialDelaySeconds: 5, timeoutSeconds: 5 },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      }),
    ],
  },
  'kube-state-metrics',
  'monitoring',
);

const dbMigrate = podObject(
  {
    restartPolicy: 'Never',
    containers: [
      container({
        name: 'migrate',
        image: 'contoso.azurecr.io/orders/migrate:2026.11.3',
        command: ['/app/migrate', '--apply'],
        env: [{ name: 'DATABASE_PASSWORD', value: DATABASE_PASSWORD }],
        securityContext: { runAsUser: 0 },
      }),
    ],
  },
  'db-migrate',
  'batch',
);

const coreDns = workloadObject(
  'deployments',
  {
    priorityClassName: 'system-cluster-critical',
    dnsPolicy: 'Default',
    containers: [
      container({
        name: 'coredns',
        image: 'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-1',
        args: ['-conf', '/etc/coredns/Corefile'],
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } },
      }),
    ],
  },
  'coredns',
  'kube-system',
);

const devJob = podObject({ containers: [container({ name: 'report', securityContext: { runAsUser: 0 } })] }, 'nightly-report', 'batch');

function create(resource: 'deployments' | 'daemonsets' | 'pods', manifest: Record<string, unknown>, minute: number, userAgent = KUBECTL_UA): Record<string, unknown> {
  const metadata = manifest.metadata as { name: string; namespace: string };
  return auditEvent({
    verb: 'create',
    resource,
    apiGroup: resource === 'pods' ? '' : 'apps',
    namespace: metadata.namespace,
    name: metadata.name,
    userAgent,
    requestObject: manifest,
    responseObject: { ...manifest, metadata: { ...metadata, uid: `7b3f0c2e-1d4a-4e5b-9c6d-${String(minute).padStart(12, '0')}`, resourceVersion: String(918200 + minute), generation: 1 } },
    time: at(minute),
    auditID: `workloads-api-${metadata.namespace}-${metadata.name}-${minute}`,
  });
}

/** `kubectl rollout restart statefulset/redis -n cache`: a strategic-merge patch of the template's annotations only. */
const rolloutRestart = auditEvent({
  verb: 'patch',
  resource: 'statefulsets',
  apiGroup: 'apps',
  namespace: 'cache',
  name: 'redis',
  requestURI: '/apis/apps/v1/namespaces/cache/statefulsets/redis?fieldManager=kubectl-rollout',
  userAgent: KUBECTL_UA,
  requestObject: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T09:07:40Z' } } } } },
  time: at(7),
  auditID: 'workloads-api-cache-redis-restart',
});

/** `kubectl delete daemonset falco -n monitoring`: the API server answers with a Status. */
const deleteFalco = auditEvent({
  verb: 'delete',
  resource: 'daemonsets',
  apiGroup: 'apps',
  namespace: 'monitoring',
  name: 'falco',
  userAgent: KUBECTL_UA,
  responseObject: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'falco', group: 'apps', kind: 'daemonsets', uid: '7b3f0c2e-1d4a-4e5b-9c6d-000000000002' } },
  time: at(30),
  auditID: 'workloads-api-monitoring-falco-delete',
});

async function record(harness: ApiHarness, cluster: string, events: readonly Record<string, unknown>[]): Promise<void> {
  const subscriptionId = parseClusterResourceId(cluster)?.subscriptionId ?? '';
  const changes = events.map((event) => {
    const change = inventoryChangeOf(recordOf(event).event, cluster);
    if (change === undefined) throw new Error(`no inventory change for ${String(event['auditID'])}`);
    return { subscriptionId, change };
  });
  await recordInventoryChanges(harness.database, changes, new Date('2026-11-22T09:45:00.000Z'));
}

type WorkloadList = { value: WorkloadView[]; nextLink?: string };
const listOf = (response: { jsonBody?: unknown }) => response.jsonBody as WorkloadList;
const names = (list: WorkloadList) => list.value.map((workload) => `${workload.namespace}/${workload.kind}/${workload.name}`).sort();

/** The parts of an OpenAPI schema the conformance check reads (dereferenced). */
interface Schema {
  type?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}

/** Where a value departs from its documented schema: undocumented or missing fields, wrong types, values off the enum. */
function conformanceProblemsOf(value: unknown, schema: Schema | undefined, path = '$'): string[] {
  if (schema === undefined) return [`${path}: no schema`];
  if (schema.enum !== undefined && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  const type = schema.type ?? (schema.properties === undefined ? undefined : 'object');
  if (type !== undefined && type !== actual) return [`${path}: a ${actual}, documented as ${type}`];
  if (Array.isArray(value)) return value.flatMap((item, index) => conformanceProblemsOf(item, schema.items, `${path}[${index}]`));
  if (actual !== 'object' || schema.properties === undefined) return [];
  const record = value as Record<string, unknown>;
  const problems = (schema.required ?? []).filter((name) => record[name] === undefined).map((name) => `${path}.${name}: required, missing`);
  for (const [name, field] of Object.entries(record)) {
    const property = schema.properties[name];
    problems.push(...(property === undefined ? [`${path}.${name}: not documented`] : conformanceProblemsOf(field, property, `${path}.${name}`)));
  }
  return problems;
}

describe('workload inventory routes', () => {
  let harness: ApiHarness;
  const get = (handler: Handler, route: string, query: Record<string, string>, as: TestCaller | null = cast.reader) =>
    harness.call(handler, 'GET', `/api/subscriptions/${SUB}/${route}`, { params: { subscriptionId: SUB }, query, as });
  const workloads = (query: Record<string, string> = {}, as: TestCaller | null = cast.reader) => get(listWorkloads, 'workloads', query, as);
  const namespaces = (query: Record<string, string>, as: TestCaller | null = cast.reader) => get(listWorkloadNamespaces, 'workloadNamespaces', query, as);

  beforeAll(async () => {
    harness = await new ApiHarness().start();
    await harness.grantCast(cast, SUB, OTHER_SUB);
    await record(harness, PROD, [
      create('deployments', coreDns, 1, HELM_UA),
      create('deployments', shopWeb, 2),
      create('daemonsets', falco, 3, HELM_UA),
      create('deployments', kubeStateMetrics, 4, HELM_UA),
      create('pods', dbMigrate, 5),
      rolloutRestart,
    ]);
    await record(harness, DEV, [create('pods', devJob, 6)]);
    await record(harness, TWIN_A, [create('pods', podObject({ containers: [container()] }, 'probe', 'shop'), 8)]);
    await record(harness, TWIN_B, [create('pods', podObject({ containers: [container()] }, 'probe', 'shop'), 9)]);
  });
  afterAll(async () => {
    await harness.stop();
  });

  describe('listWorkloads', () => {
    it('when a reader lists a cluster by its resource id in AKS casing, then every current workload is there with its level and failing controls, and no spec', async () => {
      const response = await workloads({ cluster: PROD_AS_AKS_WRITES_IT });

      expect(response.status).toBe(200);
      const list = listOf(response);
      expect(names(list)).toEqual(['batch/Pod/db-migrate', 'cache/StatefulSet/redis', 'kube-system/Deployment/coredns', 'monitoring/DaemonSet/falco', 'monitoring/Deployment/kube-state-metrics', 'shop/Deployment/web']);
      const byName = new Map(list.value.map((workload) => [workload.name, workload]));
      expect(byName.get('web')).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
        cluster: PROD,
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web',
        partial: false,
        specFrom: 'self',
        firstSeenUtc: at(2),
        lastChangedUtc: at(2),
        judged: true,
        excluded: false,
        podSecurityLevel: 'restricted',
        failingControls: [],
      });
      const falcoView = byName.get('falco');
      expect(falcoView?.podSecurityLevel).toBe('privileged');
      expect(falcoView?.failingControls.find((control) => control.name === 'pss-privileged')).toEqual({
        name: 'pss-privileged',
        displayName: pssPrivileged.displayName,
        severity: pssPrivileged.severity,
        podSecurityLevel: 'baseline',
        findings: [{ container: 'falco', field: 'containers[0].securityContext.privileged', value: 'true' }],
      });
      expect(falcoView?.failingControls.map((control) => control.name)).toEqual(expect.arrayContaining(['pss-host-namespaces', 'pss-host-path-volumes']));
      expect(byName.get('db-migrate')).toMatchObject({ podSecurityLevel: 'baseline', failingControls: expect.arrayContaining([expect.objectContaining({ name: 'pss-run-as-non-root-user', findings: [{ container: 'migrate', field: 'containers[0].securityContext.runAsUser', value: '0' }] })]) as unknown });
      // A Defender recommendation fails without lowering the Pod Security level, and names no level of its own.
      const ksm = byName.get('kube-state-metrics');
      expect(ksm?.podSecurityLevel).toBe('restricted');
      const automount = ksm?.failingControls.find((control) => control.name === 'automount-service-account-token');
      expect(automount).toBeDefined();
      expect(automount).not.toHaveProperty('podSecurityLevel');
      expect(byName.get('coredns')).toMatchObject({ excluded: true, judged: true, failingControls: [] });
      expect(byName.get('coredns')).not.toHaveProperty('podSecurityLevel');
      expect(byName.get('redis')).toMatchObject({ kind: 'StatefulSet', partial: true, judged: false, excluded: false, failingControls: [] });
      expect(byName.get('redis')).not.toHaveProperty('podSecurityLevel');

      const body = JSON.stringify(response.jsonBody);
      expect(body).not.toContain('hooks.slack.com');
      expect(body).not.toContain(DATABASE_PASSWORD);
      expect(body).not.toContain('"object"');
      expect(body).not.toContain('/app/migrate');
    });

    it('when filtered by namespace, kind (any casing), cluster name or control, then only the matching workloads come back', async () => {
      expect(names(listOf(await workloads({ cluster: 'aks-shop-prod', namespace: 'monitoring' })))).toEqual(['monitoring/DaemonSet/falco', 'monitoring/Deployment/kube-state-metrics']);
      expect(names(listOf(await workloads({ kind: 'daemonset' })))).toEqual(['monitoring/DaemonSet/falco']);
      expect(names(listOf(await workloads({ kind: 'POD', namespace: 'batch' })))).toEqual(['batch/Pod/db-migrate', 'batch/Pod/nightly-report']);
      expect(names(listOf(await workloads({ cluster: 'aks-batch-dev' })))).toEqual(['batch/Pod/nightly-report']);
      expect(names(listOf(await workloads({ cluster: 'AKS-TWIN' })))).toEqual(['shop/Pod/probe', 'shop/Pod/probe']);
      expect(names(listOf(await workloads({ control: 'pss-privileged' })))).toEqual(['monitoring/DaemonSet/falco']);
      expect(names(listOf(await workloads({ control: 'PSS-Run-As-Non-Root-User' })))).toEqual(['batch/Pod/db-migrate', 'batch/Pod/nightly-report']);
      expect(names(listOf(await workloads({ cluster: 'aks-shop-prod', control: 'pss-run-as-non-root-user' })))).toEqual(['batch/Pod/db-migrate']);
      expect(listOf(await workloads({ namespace: 'payments' })).value).toEqual([]);
    });

    it('when paged with top, then the pages follow nextLink and together hold every workload once', async () => {
      const everything = listOf(await workloads()).value.map((workload) => workload.id);
      expect(everything).toHaveLength(9);
      const seen: string[] = [];
      let query: Record<string, string> | undefined = { top: '2' };
      let pages = 0;
      while (query !== undefined) {
        const page = listOf(await workloads(query));
        expect(page.value.length).toBeLessThanOrEqual(2);
        seen.push(...page.value.map((workload) => workload.id));
        query = page.nextLink === undefined ? undefined : Object.fromEntries(new URL(page.nextLink).searchParams);
        if (++pages > 10) throw new Error('paging does not end');
      }
      expect(seen).toEqual(everything);
      expect(pages).toBe(5);
    });

    it('when paged with a control filter, then pages may hold fewer than top, and the walk still finds each failing workload once', async () => {
      const found: string[] = [];
      const sizes: number[] = [];
      let query: Record<string, string> | undefined = { control: 'pss-privileged', top: '3' };
      while (query !== undefined) {
        const page = listOf(await workloads(query));
        sizes.push(page.value.length);
        found.push(...page.value.map((workload) => workload.name));
        query = page.nextLink === undefined ? undefined : Object.fromEntries(new URL(page.nextLink).searchParams);
        if (sizes.length > 10) throw new Error('paging does not end');
      }
      expect(found).toEqual(['falco']);
      expect(sizes).toHaveLength(3);
      expect(sizes.some((size) => size === 0)).toBe(true);
    });

    it.each([
      ['kind', { kind: 'Service' }],
      ['control', { control: 'network-policy' }],
      ['namespace', { namespace: 'Shop_Prod' }],
      ['cluster', { cluster: '/subscriptions/not-a-cluster' }],
      ['top', { top: '0' }],
      ['top', { top: '501' }],
      ['continuation', { continuation: 'eyJ2IjoyfQ' }],
      ['surprise', { surprise: '1' }],
    ])('when %s is invalid, then it is 400 naming it', async (name, query) => {
      expectInvalidParameter(await workloads(query), name);
    });

    it('when called without a token or by an owner of another subscription, then it is 401 or 403', async () => {
      expect((await workloads({}, null)).status).toBe(401);
      expect((await workloads({}, cast.stranger)).status).toBe(403);
      expect((await workloads({}, cast.admin)).status).toBe(200);
    });
  });

  describe('listWorkloadNamespaces', () => {
    it('when a reader asks for a cluster, then each namespace has the highest level all its workloads meet, the label and command, and what blocks the next level', async () => {
      const response = await namespaces({ cluster: PROD });

      expect(response.status).toBe(200);
      const body = response.jsonBody as WorkloadNamespaces;
      expect(body.cluster).toBe(PROD);
      expect(body.coverage).toEqual({ seenSinceUtc: at(1), workloads: 6, partialWorkloads: 1, partial: [{ namespace: 'cache', kind: 'StatefulSet', name: 'redis' }], partialOmitted: 0 });
      expect(body.namespaces.map((entry) => [entry.namespace, entry.excluded ? 'excluded' : (entry.level ?? 'unknown')])).toEqual([
        ['batch', 'baseline'],
        ['cache', 'unknown'],
        ['kube-system', 'excluded'],
        ['monitoring', 'privileged'],
        ['shop', 'restricted'],
      ]);
      const byNamespace = new Map(body.namespaces.map((entry) => [entry.namespace, entry]));
      expect(byNamespace.get('shop')).toEqual({
        namespace: 'shop',
        excluded: false,
        workloads: 1,
        level: 'restricted',
        enforceLabel: { key: 'pod-security.kubernetes.io/enforce', value: 'restricted' },
        kubectlCommand: 'kubectl label --overwrite ns shop pod-security.kubernetes.io/enforce=restricted',
        blockedBy: [],
        notJudged: [],
      });
      const batch = byNamespace.get('batch');
      expect(batch).toMatchObject({ level: 'baseline', nextLevel: 'restricted', kubectlCommand: 'kubectl label --overwrite ns batch pod-security.kubernetes.io/enforce=baseline' });
      const blocking = batch !== undefined && !batch.excluded ? batch.blockedBy : [];
      expect(blocking.map((workload) => [workload.kind, workload.name, workload.level])).toEqual([['Pod', 'db-migrate', 'baseline']]);
      expect(blocking[0]?.failingControls.map((control) => control.name)).toEqual(expect.arrayContaining(['pss-run-as-non-root-user', 'pss-run-as-non-root']));
      expect(blocking[0]?.failingControls.every((control) => control.podSecurityLevel === 'restricted')).toBe(true);
      const monitoring = byNamespace.get('monitoring');
      expect(monitoring).toMatchObject({ level: 'privileged', nextLevel: 'baseline', workloads: 2 });
      const monitoringBlocking = monitoring !== undefined && !monitoring.excluded ? monitoring.blockedBy : [];
      expect(monitoringBlocking.map((workload) => workload.name)).toEqual(['falco']);
      expect(monitoringBlocking[0]?.failingControls.map((control) => control.name)).toEqual(expect.arrayContaining(['pss-privileged', 'pss-host-namespaces', 'pss-host-path-volumes']));
      expect(byNamespace.get('cache')).toEqual({ namespace: 'cache', excluded: false, workloads: 1, blockedBy: [], notJudged: [{ kind: 'StatefulSet', name: 'redis' }] });
      expect(byNamespace.get('kube-system')).toEqual({ namespace: 'kube-system', excluded: true, workloads: 1 });
      expect(JSON.stringify(body)).not.toContain('hooks.slack.com');
    });

    it('when the cluster is named, then a unique name answers, an unknown one is 404 and a shared one is 409', async () => {
      expect(((await namespaces({ cluster: 'aks-batch-dev' })).jsonBody as WorkloadNamespaces).namespaces.map((entry) => entry.namespace)).toEqual(['batch']);
      const unknown = await namespaces({ cluster: 'aks-payments' });
      expect(unknown.status).toBe(404);
      expect(unknown.jsonBody).toMatchObject({ error: { code: 'NotFound' } });
      const twin = await namespaces({ cluster: 'aks-twin' });
      expect(twin.status).toBe(409);
      expect(twin.jsonBody).toMatchObject({ error: { code: 'AmbiguousCluster' } });
      expect((await namespaces({ cluster: TWIN_B })).status).toBe(200);
    });

    it('when cluster is missing or malformed, then it is 400 naming cluster', async () => {
      expectInvalidParameter(await namespaces({}), 'cluster');
      expectInvalidParameter(await namespaces({ cluster: 'aks shop' }), 'cluster');
      expectInvalidParameter(await namespaces({ cluster: PROD, namespace: 'shop' }), 'namespace');
    });

    it('when the answers are compared with docs/openapi.yaml, then they are exactly WorkloadList and WorkloadNamespaces', async () => {
      const api = (await SwaggerParser.dereference(join(__dirname, '..', '..', 'docs', 'openapi.yaml'))) as unknown as { components: { schemas: Record<string, Schema> } };
      const { schemas } = api.components;
      const list: unknown = (await workloads({ top: '500' })).jsonBody;
      const levels: unknown = (await namespaces({ cluster: PROD })).jsonBody;

      expect(conformanceProblemsOf(list, schemas['WorkloadList'])).toEqual([]);
      expect(conformanceProblemsOf(levels, schemas['WorkloadNamespaces'])).toEqual([]);
      expect(conformanceProblemsOf({ value: [{ surprise: 1 }] }, schemas['WorkloadList']).length).toBeGreaterThan(0);
    });

    it('when called without a token or by an owner of another subscription, then it is 401 or 403', async () => {
      expect((await namespaces({ cluster: PROD }, null)).status).toBe(401);
      expect((await namespaces({ cluster: PROD }, cast.stranger)).status).toBe(403);
    });
  });

  describe('after the privileged DaemonSet is deleted', () => {
    beforeAll(async () => {
      await record(harness, PROD, [deleteFalco]);
    });

    it('when listed, then it is gone, and monitoring rises to the level of what is left', async () => {
      expect(names(listOf(await workloads({ cluster: PROD, namespace: 'monitoring' })))).toEqual(['monitoring/Deployment/kube-state-metrics']);
      expect(listOf(await workloads({ control: 'pss-privileged' })).value).toEqual([]);

      const body = (await namespaces({ cluster: PROD })).jsonBody as WorkloadNamespaces;
      expect(body.namespaces.find((entry) => entry.namespace === 'monitoring')).toMatchObject({ level: 'restricted', workloads: 1, blockedBy: [], enforceLabel: { value: 'restricted' } });
      // The tombstone still counts for how long the cluster has been seen.
      expect(body.coverage).toMatchObject({ seenSinceUtc: at(1), workloads: 5 });
    });
  });
});

describe('redactFinding', () => {
  it('when a finding points into env, envFrom, command, args or FlexVolume options, then its value is not shown', () => {
    for (const field of ['containers[0].env[1].value', 'initContainers[0].envFrom[0].secretRef', 'containers[0].command', 'containers[0].args[2]', 'volumes[1].flexVolume']) {
      expect(redactFinding({ container: 'app', field, value: 'hunter2' })).toEqual({ container: 'app', field, value: '(redacted)' });
    }
  });

  it('when a finding is about another field, then its value is shown, cut to 256 characters', () => {
    expect(redactFinding({ field: 'volumes[0].hostPath.path', value: '/proc' })).toEqual({ field: 'volumes[0].hostPath.path', value: '/proc' });
    expect(redactFinding({ field: 'containers[0].environment', value: 'x' }).value).toBe('x');
    expect(redactFinding({ field: 'volumes[2].nfs', value: 'n'.repeat(300) }).value).toHaveLength(256);
  });
});
