import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { auditEvent } from '../../exampleEvents';
import { actingUsername, isNodeIdentity, isServiceAccount, isSystemRequest } from '../../predicates/identities';
import { isHelmReleaseQuery } from '../../predicates/secretReads';
import { isMainResource, isRead, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** A week of learning from the start of a test cluster (the pipeline's default). */
const LEARNING = { learningPeriodInMs: 7 * 24 * 60 * 60 * 1000, learningStart: '2026-11-02T00:00:00Z' };

/** The one value of every profile: whether the identity ever read secrets. */
const SECRETS = 'secrets';

const ERIN = { username: 'erin@contoso.com', groups: ['system:authenticated', '5d6e7f80-aaaa-4bbb-8ccc-000000000002'], uid: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9' };

/** A person (not a service account, node or system component) reads secrets, other than Helm's release records. */
function isPersonSecretRead(event: AuditEvent): boolean {
  if (!isResource(event, 'secrets') || !isMainResource(event) || !isRead(event) || !succeeded(event)) return false;
  const username = actingUsername(event);
  return !isServiceAccount(username) && !isNodeIdentity(username) && !isHelmReleaseQuery(event);
}

export const firstSecretAccessByIdentity = defineRule({
  id: 'first-secret-access-by-identity',
  alertType: 'K8S_FirstSecretAccessByUser',
  displayName: 'User read secrets for the first time',
  description:
    'A user (a person or an external identity, not a service account, node or system component) read secrets (get, list or watch) ' +
    'and had never read any since Argus started watching the cluster. Most people never need a secret\'s value: they deploy ' +
    'workloads that mount secrets. A first read by an account that never did is what a stolen kubeconfig or a curious insider ' +
    'looks like. Helm\'s own release queries (label selector owner=helm) are not counted. Silent while the cluster is learning (default 7 days).',
  // Low: one read may be routine troubleshooting; what matters is that the account never did it before.
  severity: Severity.Low,
  intent: Intent.CredentialAccess,
  techniques: ['T1552.007'],
  // Watches may only log ResponseStarted.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Ask the account\'s owner whether they read the secret (the alert names it and the source IP).',
    'If not, revoke the account\'s sessions and credentials, rotate the secrets it read, and review what else it did.',
    'Grant people no read on secrets (`get`, `list`, `watch`) in Roles they use day to day; give break-glass access through a separate, audited role.',
  ],
  falsePositives: [
    'A new team member or a new on-call engineer troubleshooting a workload: one alert per account.',
    'An administrator running `kubectl get secret` or a tool that lists secrets (k9s, Lens) for the first time.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html',
    'https://attack.mitre.org/techniques/T1552/007/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed'],
    elastic: [],
  },
  resources: ['secrets'],
  match: (event, context) =>
    isPersonSecretRead(event) && !isSystemRequest(event, context) && !context.lists.secretReaders.matches(actingUsername(event)),
  stateful: {
    kind: 'firstSeen',
    subject: actingUsername,
    value: () => SECRETS,
    valueName: 'kind of access',
  },
  entities: (event) => requestEntities(event),
  details: (event) => {
    const details: Record<string, string> = { verb: event.verb, scope: namespaceOf(event) ?? 'all namespaces' };
    const name = event.objectRef?.name;
    if (name !== undefined) details.secret = name;
    return details;
  },
  dedupKey: (event) => actingUsername(event),
  examples: [
    {
      name: 'one secret read alone says nothing of what the account read before (first-seen rules alert over time)',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: 'payments', name: 'stripe-api-key' }),
    },
    {
      name: 'a workload reads its own secret (service accounts are judged by rare-service-account-operation)',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db', user: 'system:serviceaccount:shop:web', userAgent: 'web/1.4.2 (linux/amd64) client-go/v0.31.2' }),
    },
  ],
  timelines: [
    {
      name: 'after a learning week in which only Dana read secrets, Erin\'s account reads the payments API key',
      expect: 'alert',
      ...LEARNING,
      events: [
        auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-tls', time: '2026-11-03T10:22:41.118204Z', auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a01' }),
        auditEvent({ verb: 'list', resource: 'pods', namespace: 'payments', user: ERIN, requestURI: '/api/v1/namespaces/payments/pods?limit=500', time: '2026-11-04T15:03:12.402117Z', auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a02' }),
        auditEvent({
          verb: 'get',
          resource: 'secrets',
          namespace: 'payments',
          name: 'stripe-api-key',
          user: ERIN,
          sourceIP: '198.51.100.77',
          time: '2026-11-10T01:48:09.660291Z',
          auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a03',
        }),
      ],
    },
    {
      name: 'Erin\'s first secret read during the learning week is learned, not reported',
      expect: 'none',
      ...LEARNING,
      events: [
        auditEvent({ verb: 'get', resource: 'secrets', namespace: 'payments', name: 'stripe-api-key', user: ERIN, time: '2026-11-05T09:12:30.771204Z', auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a04' }),
      ],
    },
    {
      name: 'after the learning week: helm list, a refused read, a kubelet and a workload reading secrets, and a listed secret reader',
      expect: 'none',
      ...LEARNING,
      events: [
        auditEvent({ verb: 'list', resource: 'pods', namespace: 'payments', user: ERIN, requestURI: '/api/v1/namespaces/payments/pods?limit=500', time: '2026-11-04T15:03:12.402117Z', auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a05' }),
        auditEvent({
          verb: 'list',
          resource: 'secrets',
          namespace: 'payments',
          user: ERIN,
          userAgent: 'Helm/3.16.2',
          requestURI: '/api/v1/namespaces/payments/secrets?labelSelector=owner%3Dhelm',
          time: '2026-11-10T09:30:02.004219Z',
          auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a06',
        }),
        auditEvent({ verb: 'get', resource: 'secrets', namespace: 'payments', name: 'stripe-api-key', user: ERIN, code: 403, time: '2026-11-10T09:31:40.550194Z', auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a07' }),
        auditEvent({
          verb: 'get',
          resource: 'secrets',
          namespace: 'payments',
          name: 'api-db',
          user: 'system:node:aks-nodepool1-12345678-vmss000002',
          userAgent: 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46',
          sourceIP: '10.224.0.9',
          time: '2026-11-10T09:32:11.302117Z',
          auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a08',
        }),
        auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db', user: 'system:serviceaccount:shop:web', userAgent: 'web/1.4.2 (linux/amd64) client-go/v0.31.2', sourceIP: '10.244.1.23', time: '2026-11-10T09:33:00.118320Z', auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a09' }),
        auditEvent({
          verb: 'list',
          resource: 'secrets',
          user: 'system:serviceaccount:cert-manager:cert-manager',
          userAgent: 'cert-manager-controller/v1.16.1 (linux/amd64) cert-manager/4a0a5e7',
          sourceIP: '10.244.0.12',
          requestURI: '/api/v1/secrets?limit=500&resourceVersion=0',
          time: '2026-11-10T09:34:41.771902Z',
          auditID: '51d8e3a7-2c6b-4f90-a1d4-8b3e6c2f7a0a',
        }),
      ],
    },
  ],
});
