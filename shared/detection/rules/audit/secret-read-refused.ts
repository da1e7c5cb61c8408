import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent, EXAMPLE_KUBELET_USER_AGENT, unauthenticatedEvent } from '../../exampleEvents';
import { sourceIp } from '../../predicates/identities';
import { callerLabel, refusalEntities, refusalOf, refusedCallerKind } from '../../predicates/refusals';
import { apiGroupOf, isRead, isResource, namespaceOf, queryValues } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { defineRule, Intent, Severity } from '../../rule';

function isSecretRead(event: AuditEvent): boolean {
  return isResource(event, 'secrets') && apiGroupOf(event) === '' && isRead(event);
}

function scopeOf(event: AuditEvent): string {
  const namespace = namespaceOf(event);
  return namespace === undefined ? 'cluster' : `namespace ${namespace}`;
}

/** Every namespace at once, or a platform namespace (kube-system holds the controllers' and add-ons' credentials). */
function isSensitiveScope(event: AuditEvent, context: DetectionContext): boolean {
  const namespace = namespaceOf(event);
  return namespace === undefined || context.lists.infrastructureNamespaces.matches(namespace);
}


const forbiddenMessage = (verb: string, scope: string): Record<string, unknown> => ({
  metadata: {},
  status: 'Failure',
  reason: 'Forbidden',
  code: 403,
  message: `secrets is forbidden: User "dana@contoso.com" cannot ${verb} resource "secrets" in API group "" ${scope}`,
});

export const secretReadRefused = defineRule({
  id: 'secret-read-refused',
  alertType: 'K8S_SecretReadRefused',
  displayName: 'Secret read refused to a user or an unauthenticated client',
  description:
    'The API server refused to let a person, an anonymous client or a client whose credentials failed read Secrets ' +
    '(get, list or watch answered 401 or 403 by authentication or authorization). Someone holding stolen or leftover credentials ' +
    'tries the secrets first: they hold the tokens, keys and passwords that open the rest of the cluster and the cloud around it. ' +
    'Service accounts are left to the service-account-request-denied rule (a refused secret read by a workload is reported there), ' +
    'and nodes, controllers and other system identities, whose reads are refused as a matter of course while pods start, are ignored. ' +
    'A 404 is not reported: it means authorization allowed the read and the Secret did not exist, which is how `kubectl apply` and ' +
    'Helm find out that they must create one (a GET by name, then a create); guessing names with get-only rights shows as many 404s ' +
    'and needs a counting rule, not this one. Refusals by admission webhooks (403 after an "allow" decision) and refused ' +
    'impersonations (reported by privileged-identity-impersonation) are not reported either.',
  // No Defender equivalent (Falco's rule is a WARNING). Low: developers without secrets access run `kubectl get secrets` too;
  // Medium when the read was for every namespace or for a platform namespace (severityFor).
  severity: Severity.Low,
  severityFor: (event, context) => (isSensitiveScope(event, context) ? Severity.Medium : Severity.Low),
  intent: Intent.CredentialAccess,
  techniques: ['T1552.007', 'T1078'],
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Ask the account owner whether they tried to read the secrets; for a 401 or an anonymous client, look at the source IP and user agent: a client outside your networks or a scanner user agent is an attacker trying leaked credentials.',
    'If the attempt was not expected, revoke the identity\'s sessions and credentials (kubeconfig certificate, identity-provider sessions, static tokens) and review what else it did from the same source IP.',
    'Keep secrets read access narrow (per namespace, by resourceNames) and restrict network access to the API server (authorized IP ranges, private cluster).',
  ],
  falsePositives: [
    'Developers with view rights running `kubectl get secrets` or `kubectl describe secret` in a namespace they do not administer.',
    'People whose kubeconfig token expired (401) running a command that reads secrets, such as `helm list` (Helm keeps its releases in Secrets).',
    'Internet scanners trying anonymous access on a cluster whose API server is reachable from the Internet with anonymous authentication on.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
    'https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-whether-a-request-is-allowed-or-denied',
    'https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml',
    'https://attack.mitre.org/techniques/T1552/007/',
  ],
  equivalents: {
    defender: [],
    falco: ['K8s Secret Get Unsuccessfully Tried'],
    guardDuty: [],
    elastic: ['Kubernetes Unauthorized or Unauthenticated Access'],
  },
  resources: ['secrets'],
  match: (event, context) => isSecretRead(event) && refusalOf(event) !== undefined && refusedCallerKind(event, context) !== undefined,
  entities: (event) => refusalEntities(event),
  details: (event, context) => {
    const details: Record<string, string> = {
      refusal: refusalOf(event) ?? '',
      caller: refusedCallerKind(event, context) ?? '',
      verb: event.verb,
      scope: scopeOf(event),
      userAgent: redactText(event.userAgent ?? ''),
    };
    const name = event.objectRef?.name;
    if (name !== undefined) details.secret = name;
    const selector = queryValues(event, 'labelSelector')[0];
    if (selector !== undefined) details.labelSelector = redactText(selector);
    return details;
  },
  // One probing session from one place is one alert, whatever secrets it tries.
  dedupKey: (event) => `${callerLabel(event)}|${sourceIp(event) ?? ''}`,
  examples: [
    {
      name: 'a developer is refused a secret in kube-system',
      expect: 'alert',
      event: {
        ...auditEvent({ verb: 'get', resource: 'secrets', namespace: 'kube-system', name: 'azure-policy-webhook-cert', code: 403 }),
        responseStatus: forbiddenMessage('get', 'in the namespace "kube-system"'),
      },
    },
    {
      name: 'a user is refused a list of every secret in the cluster',
      expect: 'alert',
      event: auditEvent({
        verb: 'list',
        resource: 'secrets',
        user: { username: 'oidc:mallory@fabrikam.example', groups: ['system:authenticated'] },
        userAgent: 'curl/8.5.0',
        sourceIP: '198.51.100.23',
        requestURI: '/api/v1/secrets?limit=500',
        code: 403,
      }),
    },
    {
      name: 'a client with an expired or forged token tries to list the secrets of a namespace (401)',
      expect: 'alert',
      event: unauthenticatedEvent({
        verb: 'list',
        resource: 'secrets',
        namespace: 'shop',
        userAgent: 'python-requests/2.32.3',
        sourceIP: '198.51.100.77',
      }),
    },
    {
      name: 'an anonymous client is refused a watch of every secret',
      expect: 'alert',
      event: auditEvent({
        verb: 'watch',
        resource: 'secrets',
        user: 'system:anonymous',
        userAgent: 'Go-http-client/1.1',
        sourceIP: '203.0.113.250',
        requestURI: '/api/v1/secrets?watch=true',
        code: 403,
      }),
    },
    {
      name: 'kubectl apply looks up a Secret that does not exist yet (404), before creating it',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-secrets', code: 404 }),
    },
    {
      name: 'a kubelet is refused the secret of a pod not yet bound to its node',
      expect: 'none',
      event: auditEvent({
        verb: 'get',
        resource: 'secrets',
        namespace: 'monitoring',
        name: 'grafana-admin',
        user: 'system:node:aks-nodepool1-12345678-vmss000002',
        userAgent: EXAMPLE_KUBELET_USER_AGENT,
        code: 403,
        annotations: { 'authorization.k8s.io/reason': 'no relationship found between node \'aks-nodepool1-12345678-vmss000002\' and this object' },
      }),
    },
    {
      name: 'a kube-system add-on service account is refused secrets while it starts (left to the service-account rule)',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', namespace: 'kube-system', user: 'system:serviceaccount:kube-system:coredns', code: 403 }),
    },
    {
      name: 'a calico-system service account is refused a cluster-wide watch of secrets',
      expect: 'none',
      event: auditEvent({
        verb: 'watch',
        resource: 'secrets',
        user: 'system:serviceaccount:calico-system:calico-kube-controllers',
        requestURI: '/api/v1/secrets?watch=true',
        code: 403,
      }),
    },
    {
      name: 'the controller manager is refused a secret during start-up',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: 'kube-system', name: 'bootstrap-token-abcdef', user: 'system:kube-controller-manager', code: 403 }),
    },
    {
      name: 'a developer reads a secret they are allowed to',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-secrets' }),
    },
    {
      name: 'an admission policy refuses a developer\'s secret write (not a read, not authorization)',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'secrets',
        namespace: 'shop',
        code: 403,
        annotations: { 'authorization.k8s.io/decision': 'allow' },
      }),
    },
    {
      name: 'a developer is refused a ConfigMap',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'kube-system', name: 'kubeadm-config', code: 403 }),
    },
  ],
});
