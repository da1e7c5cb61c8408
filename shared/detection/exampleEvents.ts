import { AuditStage } from '../kubernetes/auditEvent';

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
  const name = example.name === undefined || example.verb === 'create' ? '' : `/${example.name}`;
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
