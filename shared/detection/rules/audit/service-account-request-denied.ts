import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { EntityType } from '../../entities';
import { auditEvent, execEvent } from '../../exampleEvents';
import { isServiceAccount, isSystemRequest, serviceAccountOf, sourceIp } from '../../predicates/identities';
import { RBAC_API_GROUP } from '../../predicates/rbacBindings';
import { authorizationDenied, isSelfSubjectReview } from '../../predicates/rbacRoles';
import { apiGroupOf, namespaceOf } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** What a refused request was after; the first four reach credentials, code execution or permissions. */
const DeniedTarget = {
  secrets: 'secrets',
  podStream: 'pod exec/attach/port-forward',
  token: 'service account token',
  rbacWrite: 'RBAC write',
  rbacRead: 'RBAC read',
  nodes: 'nodes',
  permissionCheck: 'permission check',
  clusterWideList: 'cluster-wide list',
} as const;
type DeniedTarget = (typeof DeniedTarget)[keyof typeof DeniedTarget];

const CREDENTIAL_OR_CONTROL_TARGETS: ReadonlySet<DeniedTarget> = new Set<DeniedTarget>([
  DeniedTarget.secrets,
  DeniedTarget.podStream,
  DeniedTarget.token,
  DeniedTarget.rbacWrite,
]);

const RBAC_RESOURCES: ReadonlySet<string> = new Set(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']);
const POD_STREAMS: ReadonlySet<string> = new Set(['exec', 'attach', 'portforward']);
const RBAC_READ_VERBS: ReadonlySet<string> = new Set(['get', 'list', 'watch']);

/**
 * Cluster-wide lists that are refused as a matter of course and reveal nothing sensitive: leader-election
 * libraries and event exporters list leases and events without being granted them cluster-wide.
 */
const ROUTINE_CLUSTER_WIDE_LISTS: ReadonlySet<string> = new Set(['events', 'leases']);

/** The sensitive thing a refused request was after, undefined for requests this rule ignores. */
function deniedTarget(event: AuditEvent): DeniedTarget | undefined {
  const resource = event.objectRef?.resource;
  if (resource === undefined) return undefined;
  const subresource = event.objectRef?.subresource;
  const core = apiGroupOf(event) === '';
  if (core && resource === 'secrets') return DeniedTarget.secrets;
  if (core && resource === 'pods' && subresource !== undefined && POD_STREAMS.has(subresource)) return DeniedTarget.podStream;
  if (core && resource === 'serviceaccounts' && subresource === 'token') return DeniedTarget.token;
  if (apiGroupOf(event) === RBAC_API_GROUP && RBAC_RESOURCES.has(resource)) {
    return RBAC_READ_VERBS.has(event.verb) ? DeniedTarget.rbacRead : DeniedTarget.rbacWrite;
  }
  if (core && resource === 'nodes') return DeniedTarget.nodes;
  if (isSelfSubjectReview(event)) return DeniedTarget.permissionCheck;
  if (event.verb === 'list' && namespaceOf(event) === undefined && !ROUTINE_CLUSTER_WIDE_LISTS.has(resource)) return DeniedTarget.clusterWideList;
  return undefined;
}

/** Reads that reach no credential, code execution or permission: refused to a platform component now and then. */
const STARTUP_READ_TARGETS: ReadonlySet<DeniedTarget> = new Set<DeniedTarget>([DeniedTarget.clusterWideList, DeniedTarget.rbacRead, DeniedTarget.nodes]);

/**
 * A platform component's service account (an infrastructure namespace's: CoreDNS, kube-proxy, ...) refused a
 * plain read: after an API-server restart or an upgrade, the authorizer refuses their first list and watch
 * calls until it has loaded their bindings. Their refused reads of secrets, tokens, exec and RBAC writes
 * still alert: those are what a stolen platform token is used for.
 */
function isPlatformStartupRead(event: AuditEvent, context: DetectionContext): boolean {
  const account = serviceAccountOf(event.user.username);
  const target = deniedTarget(event);
  return (
    account !== undefined &&
    context.lists.infrastructureNamespaces.matches(account.namespace) &&
    RBAC_READ_VERBS.has(event.verb) &&
    target !== undefined &&
    STARTUP_READ_TARGETS.has(target)
  );
}

export const serviceAccountRequestDenied = defineRule({
  id: 'service-account-request-denied',
  alertType: 'K8S_ServiceAccountRequestDenied',
  displayName: 'Service account refused a sensitive request',
  description:
    'Authorization refused a service account a sensitive request: secrets, exec, attach or port-forward into pods, service account ' +
    'tokens, roles and bindings, nodes, permission checks, or a list across all namespaces. Service accounts run code that makes ' +
    'the same requests every time, so a refusal on something sensitive often means someone took the account\'s token and is probing ' +
    'what it can do.',
  // No Defender equivalent. Low: refusals also come from configuration drift; Medium when the request was after credentials,
  // code execution or permissions (secrets, exec/attach/port-forward, tokens, RBAC writes).
  severity: Severity.Low,
  severityFor: (event) => {
    const target = deniedTarget(event);
    return target !== undefined && CREDENTIAL_OR_CONTROL_TARGETS.has(target) ? Severity.Medium : Severity.Low;
  },
  intent: Intent.Discovery,
  techniques: ['T1613'],
  remediation: [
    'Find the pod that runs as the service account and check whether its code makes this request (`kubectl get pods -A -o wide` and its `serviceAccountName`).',
    'If the request does not come from the workload, treat the token as stolen: check the source IP and user agent, delete the pod, and rotate the account\'s tokens (delete legacy token secrets; bound tokens expire).',
    'If the workload needs the permission, grant it with a narrowly scoped Role; otherwise fix the workload\'s configuration.',
  ],
  falsePositives: [
    'Operators and monitoring agents whose RBAC is namespaced but that list resources across all namespaces retry the refused request until fixed.',
    'Upgrades that ship new code before its RBAC (a chart whose role lags its image).',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/',
    'https://kubernetes.io/docs/concepts/security/service-accounts/',
    'https://attack.mitre.org/techniques/T1613/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: [
      'Kubernetes Denied Service Account Request',
      'Kubernetes Denied Service Account Request via Unusual User Agent',
      'Kubernetes Unauthorized or Unauthenticated Access',
    ],
  },
  match: (event, context) =>
    authorizationDenied(event) &&
    isServiceAccount(event.user.username) &&
    deniedTarget(event) !== undefined &&
    !isSystemRequest(event, context) &&
    !isPlatformStartupRead(event, context),
  entities: (event) => {
    const account = serviceAccountOf(event.user.username);
    return [
      ...requestEntities(event),
      ...(account === undefined ? [] : [{ type: EntityType.serviceAccount, name: account.name, namespace: account.namespace }]),
    ];
  },
  details: (event) => ({
    deniedTarget: deniedTarget(event) ?? '',
    verb: event.verb,
    resource: [event.objectRef?.resource, event.objectRef?.subresource].filter((part) => part !== undefined).join('/'),
    scope: namespaceOf(event) === undefined ? 'cluster' : `namespace ${namespaceOf(event) ?? ''}`,
    userAgent: event.userAgent ?? '',
  }),
  // One probing session from one place is one alert, whatever it tries.
  dedupKey: (event) => `${event.user.username}|${sourceIp(event) ?? ''}`,
  examples: [
    {
      name: 'CoreDNS is refused its first cluster-wide list of endpoint slices after an API-server restart',
      expect: 'none',
      event: auditEvent({
        verb: 'list',
        resource: 'endpointslices',
        apiGroup: 'discovery.k8s.io',
        user: 'system:serviceaccount:kube-system:coredns',
        userAgent: 'coredns/v1.11.3 (linux/amd64) kubernetes/v1.31.2',
        sourceIP: '10.244.1.12',
        code: 403,
      }),
    },
    {
      name: "CoreDNS's token is used to list secrets in every namespace",
      expect: 'alert',
      event: auditEvent({
        verb: 'list',
        resource: 'secrets',
        user: 'system:serviceaccount:kube-system:coredns',
        userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
        sourceIP: '203.0.113.77',
        code: 403,
      }),
    },
    {
      name: 'a stolen token tries to list secrets in every namespace',
      expect: 'alert',
      event: auditEvent({
        verb: 'list',
        resource: 'secrets',
        user: 'system:serviceaccount:shop:web',
        userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
        sourceIP: '198.51.100.77',
        code: 403,
      }),
    },
    {
      name: 'a service account tries to exec into a kube-system pod',
      expect: 'alert',
      event: execEvent({
        namespace: 'kube-system',
        pod: 'coredns-5d78c9869d-7xk2p',
        container: 'coredns',
        command: ['sh'],
        user: 'system:serviceaccount:shop:web',
        code: 403,
        stage: AuditStage.ResponseComplete,
      }),
    },
    {
      name: 'a service account tries to bind itself to cluster-admin',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'clusterrolebindings',
        apiGroup: RBAC_API_GROUP,
        user: 'system:serviceaccount:ci:deployer',
        code: 403,
      }),
    },
    {
      name: 'a service account tries to list namespaces',
      expect: 'alert',
      event: auditEvent({ verb: 'list', resource: 'namespaces', user: 'system:serviceaccount:shop:web', code: 403 }),
    },
    {
      name: 'a controller is refused a cluster-wide list of leases',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'leases', apiGroup: 'coordination.k8s.io', user: 'system:serviceaccount:shop:operator', code: 403 }),
    },
    {
      name: 'a service account is refused configmaps in its own namespace',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'settings', user: 'system:serviceaccount:shop:web', code: 403 }),
    },
    {
      name: 'an admission webhook refuses a secret a service account writes',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'secrets',
        namespace: 'shop',
        user: 'system:serviceaccount:shop:web',
        code: 403,
        annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding "web" of Role "web" to ServiceAccount "web/shop"' },
      }),
    },
    {
      name: 'a user (not a service account) is refused secrets',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', code: 403 }),
    },
    {
      name: 'a listed system service account is refused secrets',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', user: 'system:serviceaccount:kube-system:metrics-server', code: 403 }),
    },
    {
      name: 'a service account reads secrets it is allowed to',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db', user: 'system:serviceaccount:shop:web' }),
    },
  ],
});
