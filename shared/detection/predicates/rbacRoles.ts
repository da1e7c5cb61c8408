import { type AuditEvent } from '../../kubernetes/auditEvent';
import { asObject, asString, asStringArray, getPath, objectsAt } from '../../kubernetes/jsonValues';
import { isJsonPatch } from '../../kubernetes/patchDocuments';
import { writtenObject } from '../../kubernetes/workloads';
import { serviceAccountOf } from './identities';
import { RBAC_API_GROUP } from './rbacBindings';
import { apiGroupOf, isResource, READ_VERBS } from './requests';

/**
 * Role and ClusterRole facts (what a role's rules grant, which of that is dangerous), the privileged
 * identities of a cluster, impersonation and authorization outcomes. All total.
 */

export const ROLE_RESOURCES: ReadonlySet<string> = new Set(['roles', 'clusterroles']);

/** The request is about a Role or ClusterRole object itself (not a subresource). */
export function isRoleResource(event: AuditEvent): boolean {
  return isResource(event, ROLE_RESOURCES) && apiGroupOf(event) === RBAC_API_GROUP;
}

/** One rule of a Role or ClusterRole, lists as written (possibly partial, from a patch). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

/** The `rules` of a Role or ClusterRole object, skipping anything that is not a rule object. */
export function policyRulesOf(object: unknown): PolicyRule[] {
  return objectsAt(object, 'rules').map((rule) => ({
    apiGroups: asStringArray(rule.apiGroups),
    resources: asStringArray(rule.resources),
    verbs: asStringArray(rule.verbs),
    resourceNames: asStringArray(rule.resourceNames),
    nonResourceURLs: asStringArray(rule.nonResourceURLs),
  }));
}

/**
 * The rules the request wrote: all the rules of a created or replaced role, the `rules` list a
 * strategic-merge or merge patch sets (it replaces the whole list). A JSON patch that adds to or replaces
 * part of `rules` only shows fragments (`{verbs: ['*']}`), so when the server returned the patched role its
 * full rules are used instead. A request that does not touch `rules` (a label patch) writes none.
 */
export function writtenRoleRules(event: AuditEvent): PolicyRule[] {
  const written = writtenObject(event);
  if (written?.rules === undefined) return [];
  if (isJsonPatch(event.requestObject)) {
    const response = asObject(event.responseObject);
    if (response !== undefined && response.kind !== 'Status' && Array.isArray(response.rules)) return policyRulesOf(response);
  }
  return policyRulesOf(written);
}

function matchesApiGroup(rule: PolicyRule, apiGroup: string): boolean {
  return rule.apiGroups.includes('*') || rule.apiGroups.includes(apiGroup);
}

/** RBAC's resource match: `*`, the exact `resource` or `resource/subresource`, or `*\/subresource`. */
function matchesResource(rule: PolicyRule, resource: string): boolean {
  const slash = resource.indexOf('/');
  const anyParent = slash === -1 ? undefined : `*${resource.slice(slash)}`;
  return rule.resources.some((granted) => granted === '*' || granted === resource || granted === anyParent);
}

function matchesVerb(rule: PolicyRule, verbs: readonly string[] | undefined): boolean {
  if (verbs === undefined) return rule.verbs.length > 0;
  return rule.verbs.some((verb) => verb === '*' || verbs.includes(verb));
}

/**
 * The rule grants one of `verbs` (any verb when omitted) on `resource` (`pods/exec` for a subresource) in
 * `apiGroup` (`''` is the core group), wildcards included. `resourceNames` are not considered here.
 */
export function grants(rule: PolicyRule, apiGroup: string, resource: string, verbs?: readonly string[]): boolean {
  return matchesApiGroup(rule, apiGroup) && matchesResource(rule, resource) && matchesVerb(rule, verbs);
}

/** Named dangerous permissions a role can grant, in the order alerts list them. */
export const DangerousPermission = {
  clusterAdmin: 'cluster-admin equivalent',
  wildcardVerbs: 'wildcard verbs',
  wildcardResources: 'wildcard resources',
  wildcardApiGroups: 'wildcard API groups',
  escalate: 'escalate',
  bind: 'bind',
  impersonate: 'impersonate',
  secretsRead: 'secrets read',
  podsExec: 'pods/exec',
  podsAttach: 'pods/attach',
  nodesProxy: 'nodes/proxy',
} as const;
export type DangerousPermission = (typeof DangerousPermission)[keyof typeof DangerousPermission];

const WRITE_OR_DELETE_VERBS: readonly string[] = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const STREAM_VERBS: readonly string[] = ['create', 'get'];
const AUTHENTICATION_API_GROUP = 'authentication.k8s.io';

function hasBroadVerb(rule: PolicyRule): boolean {
  return matchesVerb(rule, WRITE_OR_DELETE_VERBS);
}

function grantsOnAny(rule: PolicyRule, apiGroup: string, resources: readonly string[], verbs: readonly string[]): boolean {
  return resources.some((resource) => grants(rule, apiGroup, resource, verbs));
}

const dangerousPermissionChecks: readonly (readonly [DangerousPermission, (rule: PolicyRule) => boolean])[] = [
  [DangerousPermission.clusterAdmin, (rule) => rule.apiGroups.includes('*') && rule.resources.includes('*') && rule.verbs.includes('*')],
  [DangerousPermission.wildcardVerbs, (rule) => rule.verbs.includes('*')],
  // Read-only wildcards over an API group are common (monitoring); reading secrets through them is reported as such.
  [DangerousPermission.wildcardResources, (rule) => rule.resources.includes('*') && hasBroadVerb(rule)],
  [DangerousPermission.wildcardApiGroups, (rule) => rule.apiGroups.includes('*') && hasBroadVerb(rule)],
  [DangerousPermission.escalate, (rule) => grantsOnAny(rule, RBAC_API_GROUP, [...ROLE_RESOURCES], ['escalate'])],
  [DangerousPermission.bind, (rule) => grantsOnAny(rule, RBAC_API_GROUP, [...ROLE_RESOURCES], ['bind'])],
  [
    DangerousPermission.impersonate,
    (rule) =>
      grantsOnAny(rule, '', ['users', 'groups', 'serviceaccounts'], ['impersonate']) ||
      grantsOnAny(rule, AUTHENTICATION_API_GROUP, ['uids', 'userextras'], ['impersonate']),
  ],
  // A rule limited to named secrets is the least-privilege way for an app to read its own secret.
  [DangerousPermission.secretsRead, (rule) => rule.resourceNames.length === 0 && grants(rule, '', 'secrets', [...READ_VERBS])],
  [DangerousPermission.podsExec, (rule) => grants(rule, '', 'pods/exec', STREAM_VERBS)],
  [DangerousPermission.podsAttach, (rule) => grants(rule, '', 'pods/attach', STREAM_VERBS)],
  // GET on nodes/proxy reaches the kubelet API, which runs commands in any pod of the node.
  [DangerousPermission.nodesProxy, (rule) => grants(rule, '', 'nodes/proxy')],
];

/** The dangerous permissions one rule grants. */
export function dangerousPermissionsOfRule(rule: PolicyRule): DangerousPermission[] {
  return dangerousPermissionChecks.filter(([, check]) => check(rule)).map(([permission]) => permission);
}

/** The dangerous permissions the rules grant together, each once, in {@link DangerousPermission} order. */
export function dangerousPermissions(rules: readonly PolicyRule[]): DangerousPermission[] {
  const found = new Set(rules.flatMap(dangerousPermissionsOfRule));
  return Object.values(DangerousPermission).filter((permission) => found.has(permission));
}

/** A short, human-readable form of a rule for alert details. */
export function describePolicyRule(rule: PolicyRule): string {
  const list = (values: readonly string[]): string => `[${values.map((value) => (value === '' ? '""' : value)).join(',')}]`;
  const parts = [`apiGroups=${list(rule.apiGroups)}`, `resources=${list(rule.resources)}`, `verbs=${list(rule.verbs)}`];
  if (rule.resourceNames.length > 0) parts.push(`resourceNames=${list(rule.resourceNames)}`);
  if (rule.nonResourceURLs.length > 0) parts.push(`nonResourceURLs=${list(rule.nonResourceURLs)}`);
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------------
// Built-in roles.

/** The annotation the API server puts on the roles and bindings it creates and reconciles at start-up. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

/** The value of the auto-update annotation in the written object, else in the returned one. */
export function autoupdateAnnotation(event: AuditEvent): string | undefined {
  const path = ['metadata', 'annotations', AUTOUPDATE_ANNOTATION];
  const fromRequest = asString(getPath(writtenObject(event), ...path));
  if (fromRequest !== undefined) return fromRequest;
  const response = asObject(event.responseObject);
  return response === undefined || response.kind === 'Status' ? undefined : asString(getPath(response, ...path));
}

// ---------------------------------------------------------------------------------------------------
// Privileged identities and impersonation.

/** Users the control plane runs as, with its authority: impersonating them is impersonating the cluster. */
const CONTROL_PLANE_USERS: readonly string[] = ['system:apiserver', 'system:kube-controller-manager', 'system:kube-scheduler', 'system:admin'];

/** Groups whose members are all-powerful (`system:masters` bypasses RBAC) or act as nodes. */
const PRIVILEGED_GROUPS: readonly string[] = ['system:masters', 'system:nodes'];

/**
 * Why the identity is privileged (empty when it is not): a member of `system:masters` or `system:nodes`,
 * a node (`system:node:*`), a control-plane component, or a kube-system service account (the controllers'
 * accounts, which read every secret and create pods and tokens).
 */
export function privilegedIdentityReasons(username: string, groups: readonly string[]): string[] {
  const reasons: string[] = [];
  for (const group of PRIVILEGED_GROUPS) if (groups.includes(group)) reasons.push(`group ${group}`);
  if (username.startsWith('system:node:')) reasons.push('node identity');
  if (CONTROL_PLANE_USERS.includes(username)) reasons.push('control-plane identity');
  if (serviceAccountOf(username)?.namespace === 'kube-system') reasons.push('kube-system service account');
  return reasons;
}

/** Authorization refused the request (the authorizer's `forbid`, or a 403 the authorizer did not annotate). */
export function authorizationDenied(event: AuditEvent): boolean {
  const decision = event.annotations['authorization.k8s.io/decision'];
  if (decision !== undefined) return decision === 'forbid';
  return event.responseStatus?.code === 403;
}

/** Who a refused impersonation tried to act as. */
export interface ImpersonationTarget {
  resource: 'users' | 'groups' | 'serviceaccounts';
  name: string;
  namespace?: string;
}

const impersonationDeniedMessage =
  /^(users|groups|serviceaccounts) "([^"]*)" is forbidden: User "[^"]*" cannot impersonate resource "[^"]*" in API group "[^"]*"(?: in the namespace "([^"]*)")?/;

/**
 * The identity a refused impersonation named. The API server checks impersonation before anything else and,
 * when it refuses, logs the original request with a 403 and the message
 * `users "system:admin" is forbidden: User "x" cannot impersonate resource "users" ...` (no `impersonatedUser`).
 */
export function deniedImpersonationTarget(event: AuditEvent): ImpersonationTarget | undefined {
  if (event.responseStatus?.code !== 403) return undefined;
  const match = impersonationDeniedMessage.exec(event.responseStatus.message ?? '');
  if (match === null) return undefined;
  const resource = match[1] as ImpersonationTarget['resource'];
  const name = match[2] ?? '';
  const namespace = match[3];
  return namespace === undefined ? { resource, name } : { resource, name, namespace };
}

/** The username and groups an impersonation target stands for. */
export function impersonationTargetIdentity(target: ImpersonationTarget): { username: string; groups: string[] } {
  switch (target.resource) {
    case 'groups':
      return { username: '', groups: [target.name] };
    case 'serviceaccounts':
      return { username: `system:serviceaccount:${target.namespace ?? ''}:${target.name}`, groups: [] };
    default:
      return { username: target.name, groups: [] };
  }
}

// ---------------------------------------------------------------------------------------------------
// Permission checks.

export const SELF_SUBJECT_REVIEW_RESOURCES: ReadonlySet<string> = new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews']);

/** A SelfSubjectAccessReview or SelfSubjectRulesReview: the caller asking what it may do (`kubectl auth can-i`). */
export function isSelfSubjectReview(event: AuditEvent): boolean {
  return isResource(event, SELF_SUBJECT_REVIEW_RESOURCES) && apiGroupOf(event) === 'authorization.k8s.io';
}
