import { type AuditEvent, SKIPPED_TOO_BIG_OBJECT } from '../../../kubernetes/auditEvent';
import { asObject, asString, getPath } from '../../../kubernetes/jsonValues';
import { objectName } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { EntityType } from '../../entities';
import { auditEvent, type AuditEventOverrides } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { apiGroupOf, isCreate, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';

/**
 * The Secret as created: the request body, else the object the server returned (some audit policies log only the
 * response). Both may be absent (Metadata level, the usual level for secrets) or replaced by the too-big marker.
 */
function createdSecret(event: AuditEvent): Record<string, unknown> | undefined {
  for (const body of [event.requestObject, event.responseObject]) {
    if (body === SKIPPED_TOO_BIG_OBJECT) continue;
    const object = asObject(body);
    if (object !== undefined && object.kind !== 'Status') return object;
  }
  return undefined;
}

/** The service account whose token the Secret asks for, when the Secret is a service-account token; else undefined. */
function tokenServiceAccount(event: AuditEvent): string | undefined {
  const secret = createdSecret(event);
  if (asString(secret?.type) !== SERVICE_ACCOUNT_TOKEN_TYPE) return undefined;
  const name = asString(getPath(secret, 'metadata', 'annotations', SERVICE_ACCOUNT_NAME_ANNOTATION));
  return name === undefined || name === '' ? undefined : name;
}

function targetsPlatformNamespace(event: AuditEvent, context: DetectionContext): boolean {
  return context.lists.infrastructureNamespaces.matches(namespaceOf(event));
}

function tokenSecret(name: string, namespace: string, serviceAccount: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: SERVICE_ACCOUNT_TOKEN_TYPE,
    metadata: { name, namespace, annotations: { [SERVICE_ACCOUNT_NAME_ANNOTATION]: serviceAccount } },
  };
}

function secretCreate(secret: Record<string, unknown>, namespace: string, overrides: AuditEventOverrides = {}): Record<string, unknown> {
  return auditEvent({ verb: 'create', resource: 'secrets', namespace, requestObject: secret, ...overrides });
}

export const serviceAccountTokenSecret = defineRule({
  id: 'service-account-token-secret',
  alertType: 'K8S_ServiceAccountTokenSecretCreated',
  displayName: 'Long-lived service account token created as a Secret',
  description:
    'A Secret of type `kubernetes.io/service-account-token` naming a service account (annotation ' +
    '`kubernetes.io/service-account.name`) was created. The token controller then writes into it a token for that account that ' +
    'never expires and keeps working until the Secret is deleted, readable by anyone who may read Secrets in the namespace. Since ' +
    'Kubernetes 1.24 the cluster no longer makes these itself: a new one is a person or a tool asking for a permanent credential, ' +
    'which attackers use to keep access to an account (unlike a TokenRequest, reported by kube-system-token-request, which expires). ' +
    'The rule needs the request or response body: with a Metadata-level audit policy for Secrets (the usual one) it stays silent.',
  // No Defender equivalent. Medium: a non-expiring credential; High for an account of a platform namespace (kube-system), whose
  // accounts carry the controllers' and add-ons' rights (severityFor).
  severity: Severity.Medium,
  severityFor: (event, context) => (targetsPlatformNamespace(event, context) ? Severity.High : Severity.Medium),
  intent: Intent.Persistence,
  techniques: ['T1098.001', 'T1528'],
  remediation: [
    'Ask the creator why a permanent token is needed; short-lived tokens (TokenRequest, `kubectl create token`, projected volumes) or workload identity federation replace nearly every use.',
    'If it was not expected, delete the Secret (this revokes the token), review who read it (`get` on the Secret in the audit log) and what the service account did since.',
    'Restrict `create` on secrets in namespaces whose service accounts hold wide rights, and block this Secret type with an admission policy.',
  ],
  falsePositives: [
    'Legacy integrations that still need a non-expiring token (older CI/CD systems, dashboards, monitoring that reads the API from outside) set up by an administrator.',
    'Helm charts that ship a token Secret for their own service account.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets',
    'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#manually-create-an-api-token-for-a-serviceaccount',
    'https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#auto-generated-legacy-serviceaccount-token-clean-up',
    'https://attack.mitre.org/techniques/T1098/001/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: ['Kubernetes ServiceAccount Token Secret Created'] },
  resources: ['secrets'],
  match: (event, context) =>
    isCreate(event) &&
    isResource(event, 'secrets') &&
    apiGroupOf(event) === '' &&
    succeeded(event) &&
    tokenServiceAccount(event) !== undefined &&
    !isSystemRequest(event, context),
  entities: (event) => {
    const namespace = namespaceOf(event);
    return [
      ...requestEntities(event),
      { type: EntityType.serviceAccount, name: tokenServiceAccount(event) ?? '', ...(namespace === undefined ? {} : { namespace }) },
    ];
  },
  details: (event) => ({
    secret: objectName(event) ?? '',
    serviceAccount: `${namespaceOf(event) ?? ''}/${tokenServiceAccount(event) ?? ''}`,
    secretType: SERVICE_ACCOUNT_TOKEN_TYPE,
  }),
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${tokenServiceAccount(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a user creates a permanent token for a CI service account',
      expect: 'alert',
      event: secretCreate(tokenSecret('deployer-token', 'ci', 'deployer'), 'ci'),
    },
    {
      name: 'a workload creates a token Secret for a kube-system account',
      expect: 'alert',
      event: secretCreate(tokenSecret('ns-controller-token', 'kube-system', 'namespace-controller'), 'kube-system', {
        user: 'system:serviceaccount:shop:web',
        userAgent: 'python-requests/2.32.3',
        sourceIP: '10.244.1.17',
      }),
    },
    {
      name: 'an audit policy that logs only the response shows the token Secret',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'secrets',
        namespace: 'monitoring',
        responseObject: { ...tokenSecret('grafana-api-token', 'monitoring', 'grafana'), data: {} },
      }),
    },
    {
      name: 'the controller manager creates a token Secret (legacy auto-generation)',
      expect: 'none',
      event: secretCreate(tokenSecret('default-token-x7k2p', 'shop', 'default'), 'shop', { user: 'system:kube-controller-manager' }),
    },
    {
      name: 'a developer creates an Opaque Secret',
      expect: 'none',
      event: secretCreate({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'web-secrets', namespace: 'shop' }, data: { password: '[REDACTED]' } }, 'shop'),
    },
    {
      name: 'Helm stores a release record',
      expect: 'none',
      event: secretCreate(
        { apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: 'sh.helm.release.v1.shop-cache.v1', namespace: 'shop', labels: { owner: 'helm' } } },
        'shop',
        { userAgent: 'Helm/3.15.4' },
      ),
    },
    {
      name: 'a token Secret create the API server refused',
      expect: 'none',
      event: secretCreate(tokenSecret('deployer-token', 'ci', 'deployer'), 'ci', { code: 403 }),
    },
    {
      name: 'a Secret create logged at Metadata level (no body)',
      expect: 'none',
      event: auditEvent({ verb: 'create', resource: 'secrets', namespace: 'ci', name: 'deployer-token' }),
    },
    {
      name: 'a Secret create whose body was too big to log',
      expect: 'none',
      event: auditEvent({ verb: 'create', resource: 'secrets', namespace: 'ci', requestObject: SKIPPED_TOO_BIG_OBJECT }),
    },
    {
      name: 'a user creates a TokenRequest (reported by the TokenRequest rules, not this one)',
      expect: 'none',
      event: auditEvent({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'ci', name: 'deployer' }),
    },
  ],
});
