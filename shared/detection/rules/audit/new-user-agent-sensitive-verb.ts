import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { auditEvent, bindingEvent, execEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { actingUsername } from '../../predicates/identities';
import { RBAC_RESOURCES, isTrustedForOperation, SensitiveOperationKind, type SensitiveOperation, sensitiveOperationOf } from '../../predicates/sensitiveOperations';
import { succeeded } from '../../predicates/requests';
import { normalizedUserAgent } from '../../predicates/userAgents';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** A week of learning from the start of a test cluster (the pipeline's default). */
const LEARNING = { learningPeriodInMs: 7 * 24 * 60 * 60 * 1000, learningStart: '2026-11-02T00:00:00Z' };

const DANA_KUBECTL = 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46';
const STOLEN_KUBECTL = 'kubectl/v1.29.4 (linux/amd64) kubernetes/55fa5b1';

/**
 * The verbs whose client is profiled: a shell in a container (exec, attach), a secret's value (get, list), an RBAC write.
 * Watches are left out: informers hold them open for hours under their workload's user agent.
 */
function profiledOperation(event: AuditEvent): SensitiveOperation | undefined {
  const operation = sensitiveOperationOf(event);
  if (operation === undefined) return undefined;
  switch (operation.kind) {
    case SensitiveOperationKind.podStream:
    case SensitiveOperationKind.rbacWrite:
      return operation;
    case SensitiveOperationKind.secretRead:
      return event.verb === 'watch' ? undefined : operation;
    default:
      return undefined;
  }
}

function userAgentOf(event: AuditEvent): string | undefined {
  return normalizedUserAgent(event.userAgent);
}

/** How Dana works during the learning week: kubectl on her Mac, and Lens. */
const learningWeek = [
  execEvent({ namespace: 'shop', pod: 'web-7d9f8c6b5-x2k4q', container: 'web', command: ['sh'], userAgent: DANA_KUBECTL, time: '2026-11-03T14:20:11.402117Z', auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c01' }),
  auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-tls', userAgent: 'Lens/2024.11.261604-latest', time: '2026-11-05T10:02:48.771204Z', auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c02' }),
];

export const newUserAgentSensitiveVerb = defineRule({
  id: 'new-user-agent-sensitive-verb',
  alertType: 'K8S_NewUserAgentSensitiveOperation',
  displayName: 'Sensitive operation from a client never seen for the identity',
  description:
    'A user or service account that is not one of the cluster\'s own performed a sensitive operation (exec or attach into a pod, ' +
    'reading a secret, writing RBAC) with a client (user agent) it never used for one since Argus started watching the cluster. ' +
    'User agents are compared by product, version to major.minor and platform (`kubectl/v1.31 (darwin/arm64)`), so patch releases and build ' +
    'hashes do not count. A stolen kubeconfig or token is typically used from another machine and tool (kubectl on Linux instead of ' +
    'a Mac, curl, a Python script) than its owner\'s. Silent while the cluster is learning (default 7 days).',
  severity: Severity.Low,
  intent: Intent.InitialAccess,
  techniques: ['T1078', 'T1550.001'],
  // Exec and attach streams may only ever log ResponseStarted.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Ask the account\'s owner whether they used that client from that address (the alert names both).',
    'If not, revoke the account\'s sessions and credentials (Entra ID sign-in, kubeconfig certificate, service account token) and review what it did from the same address.',
    'Use short-lived credentials (Entra ID with conditional access, `kubelogin`) so a copied kubeconfig stops working.',
  ],
  falsePositives: [
    'A minor kubectl upgrade (v1.31 to v1.32), another laptop, Azure Cloud Shell, or a new tool (k9s, Lens, Headlamp): one alert per identity and client.',
    'A workload upgraded to a version whose client reports a new version or product.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/',
    'https://attack.mitre.org/techniques/T1078/',
    'https://attack.mitre.org/techniques/T1550/001/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
  resources: ['secrets', 'pods', ...RBAC_RESOURCES],
  match: (event, context) => {
    const operation = profiledOperation(event);
    return (
      operation !== undefined &&
      succeeded(event) &&
      !isDryRun(event) &&
      userAgentOf(event) !== undefined &&
      !isTrustedForOperation(event, operation, context)
    );
  },
  stateful: {
    kind: 'firstSeen',
    subject: actingUsername,
    value: userAgentOf,
    valueName: 'user agent',
  },
  entities: (event) => requestEntities(event),
  details: (event) => ({
    userAgent: userAgentOf(event) ?? '',
    operation: profiledOperation(event)?.operation ?? '',
  }),
  dedupKey: (event) => `${actingUsername(event)}|${userAgentOf(event) ?? ''}`,
  examples: [
    {
      name: 'one exec alone says nothing of the clients the account used before (first-seen rules alert over time)',
      expect: 'none',
      event: execEvent({ namespace: 'shop', pod: 'web-7d9f8c6b5-x2k4q', container: 'web', command: ['sh'], userAgent: STOLEN_KUBECTL }),
    },
    {
      name: 'the kubelet reads a secret for a pod (a system identity)',
      expect: 'none',
      event: auditEvent({
        verb: 'get',
        resource: 'secrets',
        namespace: 'shop',
        name: 'web-db',
        user: 'system:node:aks-nodepool1-12345678-vmss000002',
        userAgent: 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46',
        sourceIP: '10.224.0.9',
      }),
    },
  ],
  timelines: [
    {
      name: 'after a learning week of kubectl on a Mac and Lens, Dana\'s account reads secrets with kubectl on Linux from an unknown address',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        auditEvent({
          verb: 'list',
          resource: 'secrets',
          namespace: 'payments',
          userAgent: STOLEN_KUBECTL,
          sourceIP: '198.51.100.77',
          requestURI: '/api/v1/namespaces/payments/secrets?limit=500',
          time: '2026-11-10T02:11:37.004219Z',
          auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c03',
        }),
      ],
    },
    {
      name: 'after the learning week, the web service account, which read its secret with its own client, creates a RoleBinding with curl',
      expect: 'alert',
      ...LEARNING,
      events: [
        auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db', user: 'system:serviceaccount:shop:web', userAgent: 'web/1.4.2 (linux/amd64) client-go/v0.31.2', sourceIP: '10.244.1.23', time: '2026-11-04T06:00:12.402117Z', auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c04' }),
        bindingEvent(
          { name: 'web-edit', namespace: 'shop', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }] },
          { user: 'system:serviceaccount:shop:web', userAgent: 'curl/8.5.0', sourceIP: '10.244.1.23', time: '2026-11-11T23:40:05.118204Z', auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c05' },
        ),
      ],
    },
    {
      name: 'a new client during the learning week is learned, not reported',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        execEvent({ namespace: 'shop', pod: 'web-7d9f8c6b5-x2k4q', container: 'web', command: ['sh'], userAgent: 'k9s/v0.32.5 (darwin/arm64)', time: '2026-11-07T17:45:30.550194Z', auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c06' }),
      ],
    },
    {
      name: 'after the learning week, new clients on operations that are not profiled, refused, dry-run or by trusted identities',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        auditEvent({ verb: 'list', resource: 'pods', namespace: 'payments', userAgent: STOLEN_KUBECTL, sourceIP: '198.51.100.77', requestURI: '/api/v1/namespaces/payments/pods?limit=500', time: '2026-11-10T02:10:02.771902Z', auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c07' }),
        execEvent({ namespace: 'payments', pod: 'api-6c9d8b7f4-k2m9x', container: 'api', command: ['sh'], userAgent: STOLEN_KUBECTL, sourceIP: '198.51.100.77', code: 403, time: '2026-11-10T02:10:40.302117Z', auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c08' }),
        bindingEvent(
          { name: 'dana-admin', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'dana@contoso.com' }] },
          { userAgent: STOLEN_KUBECTL, sourceIP: '198.51.100.77', requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?dryRun=All&fieldManager=kubectl-create', time: '2026-11-10T02:11:02.660291Z', auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c09' },
        ),
        auditEvent({
          verb: 'list',
          resource: 'secrets',
          user: 'system:serviceaccount:cert-manager:cert-manager',
          userAgent: 'cert-manager-controller/v1.17.0 (linux/amd64) cert-manager/9b1c2d3',
          sourceIP: '10.244.0.12',
          requestURI: '/api/v1/secrets?limit=500&resourceVersion=0',
          time: '2026-11-10T04:00:01.204419Z',
          auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c0a',
        }),
        auditEvent({
          verb: 'get',
          resource: 'secrets',
          namespace: 'shop',
          name: 'web-db',
          user: 'system:kube-controller-manager',
          userAgent: 'kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/70d3cc9',
          sourceIP: '10.224.0.4',
          time: '2026-11-10T04:05:41.118320Z',
          auditID: 'c4a9e1f2-7b3d-4c58-9e60-2d1f8a7b6c0b',
        }),
      ],
    },
  ],
});
