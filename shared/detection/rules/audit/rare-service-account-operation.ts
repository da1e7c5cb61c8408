import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { auditEvent, bindingEvent, execEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { actingUsername, isServiceAccount } from '../../predicates/identities';
import { isTrustedForOperation, SENSITIVE_OPERATION_RESOURCES, sensitiveOperationOf } from '../../predicates/sensitiveOperations';
import { succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** A week of learning from the start of a test cluster (the pipeline's default). */
const LEARNING = { learningPeriodInMs: 7 * 24 * 60 * 60 * 1000, learningStart: '2026-11-02T00:00:00Z' };

const WEB = 'system:serviceaccount:shop:web';
const WEB_USER_AGENT = 'web/1.4.2 (linux/amd64) client-go/v0.31.2';
const POD_IP = '10.244.1.23';

/** `verb resource[/subresource]` of the sensitive operation the request is. */
function operationOf(event: AuditEvent): string | undefined {
  return sensitiveOperationOf(event)?.operation;
}

/** What the shop's web service account does every day during the learning week: it reads its database secret. */
const learningWeek = [
  auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db', user: WEB, userAgent: WEB_USER_AGENT, sourceIP: POD_IP, time: '2026-11-02T06:00:12.402117Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f01' }),
  auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db', user: WEB, userAgent: WEB_USER_AGENT, sourceIP: '10.244.2.17', time: '2026-11-05T06:00:09.118204Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f02' }),
];

export const rareServiceAccountOperation = defineRule({
  id: 'rare-service-account-operation',
  alertType: 'K8S_ServiceAccountRareOperation',
  displayName: 'Service account performed a sensitive operation it never performed before',
  description:
    'A service account that is not one of the cluster\'s own performed a sensitive operation it never performed since Argus started ' +
    'watching the cluster: reading secrets (get, list, watch), writing RBAC objects, exec or attach into a pod, the kubelet API through ' +
    'nodes/proxy, a service account token request, or creating or approving a certificate signing request. Service accounts do the same ' +
    'few things every day; a token stolen from a pod and used by hand breaks that habit. Each operation is `verb resource[/subresource]` ' +
    '(exec and attach as `create` whatever the transport). Silent while the cluster is learning (default 7 days).',
  severity: Severity.Medium,
  intent: Intent.LateralMovement,
  techniques: ['T1550.001', 'T1552.007'],
  // Exec and attach streams may only ever log ResponseStarted.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Find the pods that run as the service account and check whether a new version of the workload explains the operation.',
    'If not, treat the token as stolen: delete the pods (their tokens die with them), rotate any legacy token Secret of the account, and review what else it did from the same source IP.',
    'Trim the account\'s Role to what the workload needs; most workloads need no secrets beyond their own, no RBAC writes and no exec.',
  ],
  falsePositives: [
    'A new version of the workload that uses a new API (an operator upgrade that starts managing RBAC or secrets).',
    'Operators that act on demand (a backup operator reading a secret when a backup is first configured).',
    'Operators that read every secret or write RBAC by design: list them in secretReaders or rbacManagers.',
  ],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://attack.mitre.org/techniques/T1550/001/',
  ],
  equivalents: {
    defender: ['K8S_ServiceAccountRareOperation'],
    falco: [],
    guardDuty: [
      'CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed',
      'PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleCreated',
      'PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleBindingCreated',
      'Execution:Kubernetes/AnomalousBehavior.ExecInPod',
    ],
    elastic: [],
  },
  resources: SENSITIVE_OPERATION_RESOURCES,
  match: (event, context) => {
    const operation = sensitiveOperationOf(event);
    return (
      operation !== undefined &&
      succeeded(event) &&
      !isDryRun(event) &&
      isServiceAccount(actingUsername(event)) &&
      !isTrustedForOperation(event, operation, context)
    );
  },
  stateful: {
    kind: 'firstSeen',
    subject: actingUsername,
    value: operationOf,
    valueName: 'operation',
  },
  entities: (event) => requestEntities(event),
  details: (event) => ({ serviceAccount: actingUsername(event), operation: operationOf(event) ?? '' }),
  dedupKey: (event) => `${actingUsername(event)}|${operationOf(event) ?? ''}`,
  examples: [
    {
      name: 'one secret read alone says nothing of what the account did before (first-seen rules alert over time)',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db', user: WEB, userAgent: WEB_USER_AGENT, sourceIP: POD_IP }),
    },
    {
      name: 'a person reads a secret (people are judged by first-secret-access-by-identity)',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db' }),
    },
  ],
  timelines: [
    {
      name: 'after a learning week reading its own database secret, the web service account lists kube-system secrets and binds itself to cluster-admin',
      expect: 'alert',
      alerts: 2,
      ...LEARNING,
      events: [
        ...learningWeek,
        auditEvent({
          verb: 'list',
          resource: 'secrets',
          namespace: 'kube-system',
          user: WEB,
          userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
          sourceIP: POD_IP,
          requestURI: '/api/v1/namespaces/kube-system/secrets?limit=500',
          time: '2026-11-10T03:12:08.550194Z',
          auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f03',
        }),
        bindingEvent(
          { name: 'web-admin', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }] },
          { user: WEB, userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46', sourceIP: POD_IP, time: '2026-11-10T03:13:41.002816Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f04' },
        ),
      ],
    },
    {
      name: 'after the learning week, the CI runner\'s service account, which only read its registry secret, execs into a payments pod',
      expect: 'alert',
      ...LEARNING,
      events: [
        auditEvent({ verb: 'get', resource: 'secrets', namespace: 'ci', name: 'acr-pull', user: 'system:serviceaccount:ci:runner', userAgent: 'Go-http-client/2.0', sourceIP: '10.244.3.9', time: '2026-11-04T12:00:41.771902Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f05' }),
        execEvent({
          namespace: 'payments',
          pod: 'api-6c9d8b7f4-k2m9x',
          container: 'api',
          command: ['/bin/sh'],
          user: 'system:serviceaccount:ci:runner',
          userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
          sourceIP: '10.244.3.9',
          time: '2026-11-12T19:27:33.418250Z',
          auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f06',
        }),
      ],
    },
    {
      name: 'new operations during the learning week are learned, not reported',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        auditEvent({ verb: 'watch', resource: 'secrets', namespace: 'shop', user: WEB, userAgent: WEB_USER_AGENT, sourceIP: POD_IP, requestURI: '/api/v1/namespaces/shop/secrets?watch=true', time: '2026-11-06T06:00:30.902117Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f07' }),
      ],
    },
    {
      name: 'after the learning week: listed readers and RBAC managers, the certificate controller, a refused exec and a configmap read',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        auditEvent({ verb: 'list', resource: 'secrets', user: 'system:serviceaccount:cert-manager:cert-manager', userAgent: 'cert-manager-controller/v1.16.1 (linux/amd64) cert-manager/4a0a5e7', sourceIP: '10.244.0.12', requestURI: '/api/v1/secrets?limit=500&resourceVersion=0', time: '2026-11-10T04:00:01.204419Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f08' }),
        bindingEvent(
          { name: 'shop-deployers', namespace: 'shop', roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: 'shop-team' }] },
          { user: 'system:serviceaccount:argocd:argocd-application-controller', userAgent: 'argocd-application-controller/v2.13.1 (linux/amd64)', sourceIP: '10.244.0.15', time: '2026-11-10T04:10:22.771004Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f09' },
        ),
        auditEvent({
          verb: 'update',
          resource: 'certificatesigningrequests',
          subresource: 'approval',
          apiGroup: 'certificates.k8s.io',
          name: 'csr-8v2kq',
          user: 'system:serviceaccount:kube-system:certificate-controller',
          userAgent: 'kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:certificate-controller',
          sourceIP: '10.224.0.4',
          time: '2026-11-10T04:20:09.118320Z',
          auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f0a',
        }),
        execEvent({ namespace: 'shop', pod: 'web-7d9f8c6b5-x2k4q', container: 'web', command: ['sh'], user: WEB, userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46', sourceIP: POD_IP, code: 403, time: '2026-11-10T04:31:55.660291Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f0b' }),
        auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'web-config', user: WEB, userAgent: WEB_USER_AGENT, sourceIP: POD_IP, time: '2026-11-10T04:40:00.400113Z', auditID: '9e2b7c14-5a3d-4e8f-b061-7d2c9a1e3f0c' }),
      ],
    },
  ],
});
