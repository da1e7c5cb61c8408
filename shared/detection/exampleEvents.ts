import { AuditStage } from '../kubernetes/auditEvent';
import { CERTIFICATES_GROUP, CSR_RESOURCE } from './predicates/certificateRequests';
import { RBAC_API_GROUP, type RoleRef } from './predicates/rbacBindings';

/**
 * Builders for the audit events in rules' examples: realistic `audit.k8s.io/v1` Events with defaults,
 * so an example states only what matters to its rule. The simulation sends the alerting ones through
 * the real pipeline, so they must look like what an API server writes.
 */

export interface ExampleUser {
  username: string;
  groups?: string[];
  uid?: string;
}

export interface AuditEventExample {
  verb: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion?: string;
  /** A username or a full user; default a developer signed in with Entra ID. */
  user?: string | ExampleUser;
  impersonatedUser?: ExampleUser;
  /** HTTP status of the response; default 201 for create, 200 otherwise (101 for exec-like streams). */
  code?: number;
  stage?: AuditStage;
  requestObject?: unknown;
  responseObject?: unknown;
  requestURI?: string;
  userAgent?: string;
  sourceIP?: string;
  annotations?: Record<string, string>;
  auditID?: string;
  /** RFC 3339 time of the request; default a fixed time so examples are deterministic. */
  time?: string;
}

export const EXAMPLE_TIME = '2026-11-02T10:15:30.123456Z';
export const EXAMPLE_DEVELOPER: ExampleUser = {
  username: 'dana@contoso.com',
  groups: ['system:authenticated', '5d6e7f80-aaaa-4bbb-8ccc-000000000001'],
  uid: '8c1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
};

/** What a kubelet sends as its user agent (for examples of requests by nodes). */
export const EXAMPLE_KUBELET_USER_AGENT = 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46';

const streamingSubresources = new Set(['exec', 'attach', 'portforward']);

export function auditEvent(example: AuditEventExample): Record<string, unknown> {
  const user: ExampleUser =
    example.user === undefined ? EXAMPLE_DEVELOPER : typeof example.user === 'string' ? userNamed(example.user) : example.user;
  const streaming = example.subresource !== undefined && streamingSubresources.has(example.subresource);
  const code = example.code ?? (streaming ? 101 : example.verb === 'create' ? 201 : 200);
  const stage = example.stage ?? (streaming ? AuditStage.ResponseStarted : AuditStage.ResponseComplete);
  const objectRef: Record<string, string> = {};
  if (example.resource !== undefined) objectRef.resource = example.resource;
  if (example.namespace !== undefined) objectRef.namespace = example.namespace;
  if (example.name !== undefined) objectRef.name = example.name;
  if (example.apiGroup !== undefined && example.apiGroup !== '') objectRef.apiGroup = example.apiGroup;
  objectRef.apiVersion = example.apiVersion ?? 'v1';
  if (example.subresource !== undefined) objectRef.subresource = example.subresource;
  const time = example.time ?? EXAMPLE_TIME;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: example.requestObject !== undefined || example.responseObject !== undefined ? 'RequestResponse' : 'Metadata',
    auditID: example.auditID ?? 'b6f6f5d2-3c4e-4a55-9d8e-1f2a3b4c5d6e',
    stage,
    requestURI: example.requestURI ?? requestUriFor(example),
    verb: example.verb,
    user: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups ?? ['system:authenticated'] },
    ...(example.impersonatedUser
      ? { impersonatedUser: { username: example.impersonatedUser.username, groups: example.impersonatedUser.groups ?? [] } }
      : {}),
    sourceIPs: [example.sourceIP ?? '203.0.113.24'],
    userAgent: example.userAgent ?? 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
    ...(example.resource !== undefined ? { objectRef } : {}),
    responseStatus: { metadata: {}, code },
    ...(example.requestObject !== undefined ? { requestObject: example.requestObject } : {}),
    ...(example.responseObject !== undefined ? { responseObject: example.responseObject } : {}),
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: {
      'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow',
      'authorization.k8s.io/reason': code === 403 ? '' : 'RBAC: allowed by ClusterRoleBinding',
      ...example.annotations,
    },
  };
}

function userNamed(username: string): ExampleUser {
  if (username.startsWith('system:serviceaccount:')) {
    const namespace = username.split(':')[2] ?? 'default';
    return { username, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
  }
  if (username.startsWith('system:node:')) return { username, groups: ['system:nodes', 'system:authenticated'] };
  if (username === 'system:anonymous') return { username, groups: ['system:unauthenticated'] };
  return { username, groups: ['system:authenticated'] };
}

function requestUriFor(example: AuditEventExample): string {
  if (example.resource === undefined) return '/';
  const group = example.apiGroup ?? '';
  const version = example.apiVersion ?? 'v1';
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const namespace = example.namespace === undefined ? '' : `/namespaces/${example.namespace}`;
  // A create names no object in its path, except of a subresource of one (pods/exec, serviceaccounts/token).
  const name = example.name === undefined || (example.verb === 'create' && example.subresource === undefined) ? '' : `/${example.name}`;
  const subresource = example.subresource === undefined ? '' : `/${example.subresource}`;
  return `${base}${namespace}/${example.resource}${name}${subresource}`;
}

/** A pod manifest around a pod spec. */
export function podObject(spec: Record<string, unknown>, name = 'web-7d9f8c6b5-x2k4q', namespace = 'default'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: { app: name.split('-')[0] } }, spec };
}

const workloadKinds: Record<string, { kind: string; apiVersion: string }> = {
  deployments: { kind: 'Deployment', apiVersion: 'apps/v1' },
  daemonsets: { kind: 'DaemonSet', apiVersion: 'apps/v1' },
  statefulsets: { kind: 'StatefulSet', apiVersion: 'apps/v1' },
  replicasets: { kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  jobs: { kind: 'Job', apiVersion: 'batch/v1' },
};

/** A controller manifest (Deployment, DaemonSet, StatefulSet, ReplicaSet, Job) whose pod template has the spec. */
export function workloadObject(
  resource: 'deployments' | 'daemonsets' | 'statefulsets' | 'replicasets' | 'jobs',
  podSpec: Record<string, unknown>,
  name = 'web',
  namespace = 'default',
): Record<string, unknown> {
  const meta = workloadKinds[resource] ?? { kind: 'Deployment', apiVersion: 'apps/v1' };
  return {
    apiVersion: meta.apiVersion,
    kind: meta.kind,
    metadata: { name, namespace },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
  };
}

/** A CronJob manifest whose job template has the pod spec. */
export function cronJobObject(podSpec: Record<string, unknown>, name = 'nightly', namespace = 'default', schedule = '0 2 * * *'): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace },
    spec: { schedule, jobTemplate: { spec: { template: { spec: podSpec } } } },
  };
}

/** A container with the given fields and a plain default image. */
export function container(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'app', image: 'contoso.azurecr.io/shop/web:1.4.2', ...fields };
}

/** Fields of {@link auditEvent} that an example changes from what a family builder sets (verb, user, code, ...). */
export type AuditEventOverrides = Partial<AuditEventExample>;

export type WorkloadResource = 'pods' | 'deployments' | 'daemonsets' | 'statefulsets' | 'replicasets' | 'jobs' | 'cronjobs';

const workloadApiGroups: Record<WorkloadResource, string> = {
  pods: '',
  deployments: 'apps',
  daemonsets: 'apps',
  statefulsets: 'apps',
  replicasets: 'apps',
  jobs: 'batch',
  cronjobs: 'batch',
};

export interface WorkloadEventOverrides extends AuditEventOverrides {
  /** A CronJob's schedule; default that of {@link cronJobObject}. */
  schedule?: string;
}

/**
 * A request that writes a pod or a pod controller: a create (by default) whose body is the manifest around the
 * pod spec, named `name` (else the manifest builder's default) in `namespace` (default `default`).
 */
export function workloadEvent(resource: WorkloadResource, podSpec: Record<string, unknown>, overrides: WorkloadEventOverrides = {}): Record<string, unknown> {
  const { schedule, ...fields } = overrides;
  const namespace = fields.namespace ?? 'default';
  const manifest =
    resource === 'pods'
      ? podObject(podSpec, fields.name, namespace)
      : resource === 'cronjobs'
        ? cronJobObject(podSpec, fields.name, namespace, schedule)
        : workloadObject(resource, podSpec, fields.name, namespace);
  return auditEvent({ verb: 'create', resource, apiGroup: workloadApiGroups[resource], namespace, requestObject: manifest, ...fields });
}

/** A patch (merge or JSON patch, as the body) of an existing pod or pod controller. */
export function workloadPatchEvent(
  resource: WorkloadResource,
  target: { namespace: string; name: string },
  patch: unknown,
  overrides: AuditEventOverrides = {},
): Record<string, unknown> {
  return auditEvent({ verb: 'patch', resource, apiGroup: workloadApiGroups[resource], ...target, requestObject: patch, ...overrides });
}

/** `kubectl debug`: a patch of a running pod's `ephemeralcontainers` subresource that adds the container. */
export function ephemeralContainerEvent(
  pod: { namespace: string; name: string },
  ephemeralContainer: Record<string, unknown>,
  overrides: AuditEventOverrides = {},
): Record<string, unknown> {
  return auditEvent({
    verb: 'patch',
    resource: 'pods',
    subresource: 'ephemeralcontainers',
    ...pod,
    requestObject: { spec: { ephemeralContainers: [ephemeralContainer] } },
    ...overrides,
  });
}

export type PodStreamFlag = 'stdin' | 'stdout' | 'stderr' | 'tty';

export interface PodStreamExample extends Omit<AuditEventOverrides, 'resource' | 'subresource' | 'name' | 'requestURI'> {
  namespace: string;
  pod: string;
  container: string;
  /** The streams asked for, in query order; default those of `kubectl exec -it`: stdin, stdout and tty. */
  streams?: readonly PodStreamFlag[];
}

/**
 * `kubectl exec`: a create (SPDY; WebSocket clients send get) of the pod's `exec` subresource, its URI naming each
 * argument of the command in a `command` parameter, then the container and the streams, as kubectl sends them.
 */
export function execEvent(example: PodStreamExample & { command: readonly string[] }): Record<string, unknown> {
  const { command, ...stream } = example;
  return podStreamEvent('exec', stream, command.map((arg) => `command=${encodeURIComponent(arg)}`));
}

/** `kubectl attach`: like {@link execEvent}, to the container's main process, so without a command. */
export function attachEvent(example: PodStreamExample): Record<string, unknown> {
  return podStreamEvent('attach', example, []);
}

function podStreamEvent(subresource: 'exec' | 'attach', example: PodStreamExample, commandParams: string[]): Record<string, unknown> {
  const { pod, container: containerName, streams = ['stdin', 'stdout', 'tty'], ...overrides } = example;
  const query = [...commandParams, `container=${encodeURIComponent(containerName)}`, ...streams.map((flag) => `${flag}=true`)].join('&');
  return auditEvent({
    verb: 'create',
    resource: 'pods',
    subresource,
    name: pod,
    requestURI: `/api/v1/namespaces/${example.namespace}/pods/${pod}/${subresource}?${query}`,
    ...overrides,
  });
}

/**
 * A TokenRequest (`kubectl create token`): a create of the service account's `token` subresource, with the
 * TokenRequest the client sent as the body when `spec` is given.
 */
export function tokenRequestEvent(
  serviceAccount: { namespace: string; name: string },
  spec?: Record<string, unknown>,
  overrides: AuditEventOverrides = {},
): Record<string, unknown> {
  return auditEvent({
    verb: 'create',
    resource: 'serviceaccounts',
    subresource: 'token',
    ...serviceAccount,
    ...(spec === undefined ? {} : { requestObject: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec } }),
    ...overrides,
  });
}

/** A RoleBinding (with a namespace) or ClusterRoleBinding manifest. */
export function bindingObject(
  name: string,
  roleRef: RoleRef,
  subjects: readonly Record<string, string>[],
  namespace?: string,
): Record<string, unknown> {
  return {
    apiVersion: `${RBAC_API_GROUP}/v1`,
    kind: namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding',
    metadata: namespace === undefined ? { name } : { name, namespace },
    roleRef: { apiGroup: RBAC_API_GROUP, ...roleRef },
    subjects: subjects.map((subject) => (subject.kind === 'ServiceAccount' ? subject : { apiGroup: RBAC_API_GROUP, ...subject })),
  };
}

export interface BindingExample {
  name: string;
  /** A RoleBinding's namespace; none for a ClusterRoleBinding. */
  namespace?: string;
  roleRef: RoleRef;
  subjects: readonly Record<string, string>[];
}

function bindingTarget(binding: BindingExample): AuditEventExample {
  return {
    verb: 'create',
    resource: binding.namespace === undefined ? 'clusterrolebindings' : 'rolebindings',
    apiGroup: RBAC_API_GROUP,
    ...(binding.namespace === undefined ? {} : { namespace: binding.namespace }),
    name: binding.name,
  };
}

/** A request that writes the binding: a create (by default) with the manifest as the body. */
export function bindingEvent(binding: BindingExample, overrides: AuditEventOverrides = {}): Record<string, unknown> {
  const manifest = bindingObject(binding.name, binding.roleRef, binding.subjects, binding.namespace);
  return auditEvent({ ...bindingTarget(binding), requestObject: manifest, ...overrides });
}

/** A patch of the binding: the patch as the body and, as the server's response, the binding as it is after the patch. */
export function bindingPatchEvent(binding: BindingExample, patch: unknown, overrides: AuditEventOverrides = {}): Record<string, unknown> {
  const manifest = bindingObject(binding.name, binding.roleRef, binding.subjects, binding.namespace);
  return auditEvent({ ...bindingTarget(binding), verb: 'patch', requestObject: patch, responseObject: manifest, ...overrides });
}

/** A Role (with a namespace) or ClusterRole manifest. */
export function roleObject(name: string, rules: readonly Record<string, unknown>[], namespace?: string): Record<string, unknown> {
  return {
    apiVersion: `${RBAC_API_GROUP}/v1`,
    kind: namespace === undefined ? 'ClusterRole' : 'Role',
    metadata: namespace === undefined ? { name } : { name, namespace },
    rules,
  };
}

/** A request that writes a Role (with a namespace) or ClusterRole: a create (by default) with the manifest as the body. */
export function roleEvent(
  role: { name: string; namespace?: string; rules: readonly Record<string, unknown>[] },
  overrides: AuditEventOverrides = {},
): Record<string, unknown> {
  return auditEvent({
    verb: 'create',
    resource: role.namespace === undefined ? 'clusterroles' : 'roles',
    apiGroup: RBAC_API_GROUP,
    ...(role.namespace === undefined ? {} : { namespace: role.namespace }),
    name: role.name,
    requestObject: roleObject(role.name, role.rules, role.namespace),
    ...overrides,
  });
}

export interface ServiceExample {
  name: string;
  namespace: string;
  spec: Record<string, unknown>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Service manifest. */
export function serviceObject(
  name: string,
  namespace: string,
  spec: Record<string, unknown>,
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, ...metadata }, spec };
}

function serviceManifest(service: ServiceExample): Record<string, unknown> {
  const { name, namespace, spec, ...metadata } = service;
  return serviceObject(name, namespace, spec, metadata);
}

/** A request that writes the Service: a create (by default) with the manifest as the body. */
export function serviceEvent(service: ServiceExample, overrides: AuditEventOverrides = {}): Record<string, unknown> {
  return auditEvent({
    verb: 'create',
    resource: 'services',
    namespace: service.namespace,
    name: service.name,
    requestObject: serviceManifest(service),
    ...overrides,
  });
}

/** A patch of the Service: the patch as the body and, as the server's response, the Service as it is after the patch. */
export function servicePatchEvent(service: ServiceExample, patch: unknown, overrides: AuditEventOverrides = {}): Record<string, unknown> {
  return auditEvent({
    verb: 'patch',
    resource: 'services',
    namespace: service.namespace,
    name: service.name,
    requestObject: patch,
    responseObject: serviceManifest(service),
    ...overrides,
  });
}

/** The built-in controllers' service accounts that create pods, by the kind of their owner. */
const podCreatorOf: Record<'ReplicaSet' | 'DaemonSet' | 'StatefulSet' | 'Job', string> = {
  ReplicaSet: 'system:serviceaccount:kube-system:replicaset-controller',
  DaemonSet: 'system:serviceaccount:kube-system:daemon-set-controller',
  StatefulSet: 'system:serviceaccount:kube-system:statefulset-controller',
  Job: 'system:serviceaccount:kube-system:job-controller',
};

export interface ControllerPodExample extends AuditEventOverrides {
  namespace: string;
  owner: { kind: keyof typeof podCreatorOf; name: string };
  /** The pod's name: generated from the owner's name unless given (a StatefulSet's pods are `<set>-<ordinal>`). */
  podName?: string;
  labels?: Record<string, string>;
}

/**
 * A pod create by a built-in controller, as the API server logs it: the controller's service account, no
 * name in the object reference (the pod is created with `generateName`), the pod's owner reference and
 * labels in the body, and the created pod (with its generated name) in the response.
 */
export function controllerPodEvent(podSpec: Record<string, unknown>, example: ControllerPodExample): Record<string, unknown> {
  const { owner, podName, labels = {}, namespace, ...overrides } = example;
  const generateName = `${owner.name}-`;
  const metadata = {
    ...(owner.kind === 'StatefulSet' ? { name: podName ?? `${owner.name}-0` } : { generateName }),
    namespace,
    labels,
    ownerReferences: [
      { apiVersion: owner.kind === 'Job' ? 'batch/v1' : 'apps/v1', kind: owner.kind, name: owner.name, uid: '0c7e5a1d-9f3b-4c2e-8d6a-5b4f3e2d1c0a', controller: true, blockOwnerDeletion: true },
    ],
  };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec };
  const created = { ...pod, metadata: { ...metadata, name: podName ?? `${owner.name}-x2k4q`, uid: '5e2d9c8b-7a6f-4e3d-9c2b-1a0f9e8d7c6b' } };
  return auditEvent({
    verb: 'create',
    resource: 'pods',
    namespace,
    user: podCreatorOf[owner.kind],
    userAgent: `kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/${podCreatorOf[owner.kind]}`,
    requestObject: pod,
    responseObject: created,
    ...overrides,
  });
}

/** A Node object as the kubelet registers it. */
export const nodeObject = (name: string): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name,
    labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
    annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
  },
  spec: {},
});

/** The kubelet of the node creates its Node object (`create` by `system:node:<name>`, unless overridden). */
export const nodeCreateEvent = (name: string, overrides: AuditEventOverrides = {}): Record<string, unknown> =>
  auditEvent({
    verb: 'create',
    resource: 'nodes',
    name,
    user: `system:node:${name}`,
    userAgent: EXAMPLE_KUBELET_USER_AGENT,
    sourceIP: '10.224.0.9',
    requestObject: nodeObject(name),
    ...overrides,
  });

/** A kubelet client-certificate CSR (signer `kube-apiserver-client-kubelet`), created by a bootstrap token unless overridden. */
export const nodeCsrEvent = (request: string | undefined, overrides: AuditEventOverrides = {}): Record<string, unknown> =>
  auditEvent({
    verb: 'create',
    resource: CSR_RESOURCE,
    apiGroup: CERTIFICATES_GROUP,
    user: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:aks', 'system:authenticated'] },
    userAgent: EXAMPLE_KUBELET_USER_AGENT,
    sourceIP: '10.224.0.9',
    ...(request === undefined
      ? {}
      : {
          requestObject: {
            apiVersion: 'certificates.k8s.io/v1',
            kind: 'CertificateSigningRequest',
            metadata: { generateName: 'csr-' },
            spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
          },
        }),
    ...overrides,
  });

/** PKCS#10 request for CN=system:node:rogue-node-01, O=system:nodes (public data; its key was thrown away). */
export const ROGUE_NODE_CSR =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIM01JR2RBZ0VBTURzeEZUQVRCZ05WQkFvTURITjVjM1JsYlRwdWIyUmxjekVpTUNBR0ExVUVBd3daYzNsegpkR1Z0T201dlpHVTZjbTluZFdVdGJtOWtaUzB3TVRCWk1CTUdCeXFHU000OUFnRUdDQ3FHU000OUF3RUhBMElBCkJNa2srZ0JmL3ByMm90SkJLQWdVcmI5TTBTOEQxQ240eXo2TG43SVhlUWJxeS9xVE9SZmI0Q0E2cmdOZUorb1gKUmYwSjEzWjVDMXoxY2xyZmc0SG5BN09nQURBS0JnZ3Foa2pPUFFRREFnTkpBREJHQWlFQXBtZlU3c0JRUDNZYgpjSkdHb0pacjQrUWFEY0R1blVLeE91YUJDdStpUElnQ0lRQ1dNSGROV0xNVUVEM1lOSDVObHlXUmIxOElaQkNICkl2dkpOMjVmSitBSkVRPT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==';

/** PKCS#10 request for CN=system:node:aks-nodepool1-12345678-vmss000002, O=system:nodes. */
export const POOL_NODE_CSR =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJQkNqQ0JzUUlCQURCUE1SVXdFd1lEVlFRS0RBeHplWE4wWlcwNmJtOWtaWE14TmpBMEJnTlZCQU1NTFhONQpjM1JsYlRwdWIyUmxPbUZyY3kxdWIyUmxjRzl2YkRFdE1USXpORFUyTnpndGRtMXpjekF3TURBd01qQlpNQk1HCkJ5cUdTTTQ5QWdFR0NDcUdTTTQ5QXdFSEEwSUFCSk1Pb2pYMGM3cXF0WDRlSWZLU1ZLOVJzOURkR2JGampNUVUKV1MyT3V6emlFcVVHRE9rZzFTUEZaY3JSODJvejZSRFBSYjNMS3dWY2dJMUpKdFhhd0hDZ0FEQUtCZ2dxaGtqTwpQUVFEQWdOSUFEQkZBaUJoYXJjWlpwQWcxUE5lQVhnbm5ZYUprRVVCd3UrK2l2c0toR0V0dmFUYnVRSWhBTGpZCldYYWRCS2FPNVlSY3dyckM4ZUF4cXBxL1lhR1FLcEhlNWROTEwvdFEKLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==';

/**
 * What the API server writes for a request whose credentials failed (401): ResponseStarted, no user, no
 * authorization annotations.
 */
export function unauthenticatedEvent(example: AuditEventExample): Record<string, unknown> {
  return {
    ...auditEvent({ ...example, code: 401, stage: AuditStage.ResponseStarted }),
    user: {},
    annotations: {},
    responseStatus: { metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
  };
}
