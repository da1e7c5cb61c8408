import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent } from '../../exampleEvents';
import { isSystemRequest, sourceIp } from '../../predicates/identities';
import { apiGroupOf, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/**
 * Elastic's "Kubernetes Rapid Secret GET Activity Against Multiple Objects" (ES|QL over the last 6 minutes): 3 or more
 * distinct Secrets fetched by name by one user from one address. Argus counts the same 3 within 5 minutes per identity.
 */
const WINDOW_IN_MS = 5 * 60_000;
const DISTINCT_SECRETS = 3;

/** Helm keeps each release in a Secret `sh.helm.release.v1.<release>.v<revision>` and reads them on every upgrade and rollback. */
const HELM_RELEASE_SECRET = /^sh\.helm\.release\.v1\./;

/** A Secret fetched by name (`get`): a list or watch returns many at once and is reported by secrets-enumeration. */
function isSecretGet(event: AuditEvent): boolean {
  return event.verb === 'get' && isResource(event, 'secrets') && apiGroupOf(event) === '' && event.objectRef?.name !== undefined;
}

function isWatched(event: AuditEvent, context: DetectionContext): boolean {
  return (
    isSecretGet(event) &&
    succeeded(event) &&
    !HELM_RELEASE_SECRET.test(event.objectRef?.name ?? '') &&
    !isSystemRequest(event, context) &&
    !context.lists.secretReaders.matches(event.user.username)
  );
}

/** `<namespace>/<name>` of the Secret read. */
function secretOf(event: AuditEvent): string | undefined {
  const name = event.objectRef?.name;
  return name === undefined ? undefined : `${namespaceOf(event) ?? ''}/${name}`;
}

const ATTACKER = 'system:serviceaccount:ci:deployer';
const RUNNER_IP = '10.244.3.41';
const CURL = 'curl/8.5.0';

function secretGet(namespace: string, name: string, auditID: string, time: string, user = ATTACKER, sourceIP = RUNNER_IP, userAgent = CURL): Record<string, unknown> {
  return auditEvent({ verb: 'get', resource: 'secrets', namespace, name, user, sourceIP, userAgent, auditID, time });
}

export const secretGetBurst = defineRule({
  id: 'secret-get-burst',
  alertType: 'K8S_SecretGetBurst',
  displayName: 'Several secrets read one by one in a short time',
  description:
    'One identity read 3 or more different Secrets by name (get, allowed) within 5 minutes. Applications read the one or two ' +
    'Secrets they were given; someone harvesting credentials with a stolen token or kubeconfig reads one after another (the ' +
    'registry password, the database password, the TLS key, the tokens in kube-system), often after listing their names. The ' +
    'threshold is Elastic\'s "Kubernetes Rapid Secret GET Activity Against Multiple Objects" (3 distinct Secrets). Lists and ' +
    'watches (reported by secrets-enumeration when cluster-wide), refused reads (secret-read-refused, ' +
    'service-account-request-denied), Helm\'s release records, listed system identities and listed secret readers (operators ' +
    'that read Secrets by design) are not counted.',
  // New alert type (Defender retired its anomalous secret access model). Medium: each read hands over a credential, but
  // administrators and pipelines read a few on purpose.
  severity: Severity.Medium,
  intent: Intent.CredentialAccess,
  techniques: ['T1552.007', 'T1528'],
  remediation: [
    'Ask the owner of the identity whether it read these Secrets on purpose; for a service account, check that its workload reads them (its pod spec and code) and that the source IP is its pod\'s.',
    'If not, rotate every Secret read (the credentials they hold, not only the Secret objects), then revoke the identity\'s credentials and find how they were obtained.',
    'Grant `get` on Secrets by `resourceNames` to the workloads that need them, and mount Secrets (or use the Key Vault CSI driver) rather than reading them through the API.',
  ],
  falsePositives: [
    'Administrators and developers looking at several Secrets while debugging (`kubectl get secret ... -o yaml`).',
    'Applications and operators that read several Secrets through the API at start-up (add their service accounts to the secretReaders list).',
    'Pipelines that copy Secrets between namespaces or back them up.',
  ],
  references: [
    'https://github.com/elastic/detection-rules/blob/main/rules/integrations/kubernetes/credential_access_kubernetes_multiple_secret_retrieval_burst.toml',
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/List%20K8S%20secrets/',
    'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
    'https://attack.mitre.org/techniques/T1552/007/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed'],
    elastic: ['Kubernetes Rapid Secret GET Activity Against Multiple Objects'],
  },
  resources: ['secrets'],
  match: isWatched,
  stateful: {
    kind: 'burst',
    key: (event) => event.user.username,
    value: secretOf,
    windowInMs: WINDOW_IN_MS,
    distinct: DISTINCT_SECRETS,
    valueName: 'Secret',
  },
  entities: (event) => requestEntities(event),
  details: (event) => ({ secret: secretOf(event) ?? '', userAgent: event.userAgent ?? '' }),
  dedupKey: (event) => `${event.user.username}|${sourceIp(event) ?? ''}`,
  examples: [
    {
      name: 'one Secret read by name (a burst needs three)',
      expect: 'none',
      event: secretGet('payments', 'stripe-api-key', '0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5', '2026-11-02T16:20:04.812095Z'),
    },
    {
      name: 'the kubelet reads a Secret for a pod it starts',
      expect: 'none',
      event: secretGet('shop', 'db-credentials', '1d2e3f40-5b6c-4d7e-9f80-91a2b3c4d5e6', '2026-11-02T16:20:05.114276Z', 'system:node:aks-nodepool1-12345678-vmss000001', '10.224.0.4', 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46'),
    },
  ],
  timelines: [
    {
      name: "a CI runner's token reads the registry, database and Stripe credentials of three namespaces with curl in 70 seconds",
      expect: 'alert',
      events: [
        secretGet('shop', 'acr-pull', '2e3f4051-6c7d-4e8f-a091-a2b3c4d5e6f7', '2026-11-02T16:31:12.044721Z'),
        secretGet('shop', 'db-credentials', '3f405162-7d8e-4f90-b1a2-b3c4d5e6f708', '2026-11-02T16:31:40.503318Z'),
        secretGet('payments', 'stripe-api-key', '40516273-8e9f-4a01-82b3-c4d5e6f70819', '2026-11-02T16:32:05.992640Z'),
        secretGet('kube-system', 'bootstrap-token-abcdef', '51627384-9fa0-4b12-93c4-d5e6f708192a', '2026-11-02T16:32:22.770183Z'),
      ],
    },
    {
      name: 'a developer reads the same two Secrets again and again while debugging',
      expect: 'none',
      events: [0, 1, 2, 3].map((attempt) =>
        secretGet(
          'shop',
          attempt % 2 === 0 ? 'db-credentials' : 'redis-password',
          `6273849a-0b1c-4d23-a4d5-e6f708192a3${attempt}`,
          `2026-11-02T11:0${attempt}:48.301226Z`,
          'dana@contoso.com',
          '203.0.113.24',
          'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
        ),
      ),
    },
    {
      name: 'cert-manager (a listed secret reader) reads the TLS Secrets of four Certificates',
      expect: 'none',
      events: ['shop-tls', 'payments-tls', 'api-tls', 'grafana-tls'].map((name, index) =>
        secretGet(
          'ingress',
          name,
          `738495ab-1c2d-4e34-b5e6-f708192a3b4${index}`,
          `2026-11-02T12:15:0${index}.661930Z`,
          'system:serviceaccount:cert-manager:cert-manager',
          '10.244.1.8',
          'cert-manager-certificates-issuing/v1.15.3 (linux/amd64) cert-manager/4b3a1c2d',
        ),
      ),
    },
    {
      name: 'the same three reads spread over 12 minutes',
      expect: 'none',
      events: [
        secretGet('shop', 'acr-pull', '8495a6bc-2d3e-4f45-86f7-08192a3b4c51', '2026-11-02T17:00:03.118400Z'),
        secretGet('shop', 'db-credentials', '95a6b7cd-3e4f-4056-9708-192a3b4c5d62', '2026-11-02T17:06:12.702915Z'),
        secretGet('payments', 'stripe-api-key', 'a6b7c8de-4f50-4167-a819-2a3b4c5d6e73', '2026-11-02T17:12:30.455071Z'),
      ],
    },
  ],
});
