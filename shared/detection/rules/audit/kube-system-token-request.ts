import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asObject, asString, asStringArray, getPath } from '../../../kubernetes/jsonValues';
import { type DetectionContext } from '../../detectionContext';
import { EntityType } from '../../entities';
import { EXAMPLE_KUBELET_USER_AGENT, tokenRequestEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { isCreate, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const KUBE_SYSTEM = 'kube-system';

function targetServiceAccount(event: AuditEvent): string {
  return event.objectRef?.name ?? '';
}

/** The target account is one of the cluster's own (a listed controller): its token acts as the control plane. */
function targetsSystemIdentity(event: AuditEvent, context: DetectionContext): boolean {
  return context.lists.systemIdentities.matches(`system:serviceaccount:${KUBE_SYSTEM}:${targetServiceAccount(event)}`);
}

/**
 * The TokenRequest spec as the client sent it. Read from the request only: the response carries the token.
 */
function tokenRequestSpec(event: AuditEvent): Record<string, unknown> | undefined {
  return asObject(getPath(event.requestObject, 'spec'));
}

export const kubeSystemTokenRequest = defineRule({
  id: 'kube-system-token-request',
  alertType: 'K8S_KubeSystemTokenRequest',
  displayName: 'Token requested for a kube-system service account',
  description:
    'A user or workload that is not part of the cluster requested a token (TokenRequest API, `kubectl create token`) for a service ' +
    'account in kube-system. Those accounts belong to the platform\'s controllers and add-ons, many with cluster-wide rights: the ' +
    'token lets the caller act as them from anywhere, and the request leaves no trace other than this audit record.',
  // Medium: kube-system accounts are platform identities; High when the account is a listed controller (acting as the control plane).
  severity: Severity.Medium,
  severityFor: (event, context) => (targetsSystemIdentity(event, context) ? Severity.High : Severity.Medium),
  intent: Intent.CredentialAccess,
  techniques: ['T1528', 'T1552.007'],
  remediation: [
    'Ask the caller why it needed a token for this account. A token cannot be revoked by itself: if the request is not expected, ' +
      'delete and recreate the service account (its tokens become invalid) or wait out the token\'s expiry, and review what the account did meanwhile.',
    'Remove the RBAC rule that grants `create` on serviceaccounts/token in kube-system to the caller.',
    'Give tools and people their own service accounts outside kube-system instead of borrowing platform ones.',
  ],
  falsePositives: [
    'An administrator creating a short-lived token for an account kept in kube-system on purpose (a dashboard admin account, a break-glass account).',
    'Add-ons that mint tokens for their own kube-system accounts under an identity missing from the systemIdentities list.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/',
    'https://kubernetes.io/docs/concepts/security/service-accounts/',
    'https://attack.mitre.org/techniques/T1528/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Service Account Token Created via TokenRequest API'],
  },
  resources: ['serviceaccounts'],
  match: (event, context) =>
    isCreate(event) &&
    isResource(event, 'serviceaccounts', 'token') &&
    namespaceOf(event) === KUBE_SYSTEM &&
    succeeded(event) &&
    !isSystemRequest(event, context),
  entities: (event) => [
    ...requestEntities(event).filter((entity) => entity.kind !== 'serviceaccounts'),
    { type: EntityType.serviceAccount, name: targetServiceAccount(event), namespace: KUBE_SYSTEM },
  ],
  details: (event) => {
    const spec = tokenRequestSpec(event);
    const details: Record<string, string> = { serviceAccount: `${KUBE_SYSTEM}/${targetServiceAccount(event)}` };
    const expirationSeconds = spec?.expirationSeconds;
    if (typeof expirationSeconds === 'number') details.expirationSeconds = String(expirationSeconds);
    const audiences = asStringArray(spec?.audiences);
    if (audiences.length > 0) details.audiences = audiences.join(', ');
    const boundKind = asString(getPath(spec, 'boundObjectRef', 'kind'));
    const boundName = asString(getPath(spec, 'boundObjectRef', 'name'));
    if (boundKind !== undefined && boundName !== undefined) details.boundObject = `${boundKind}/${boundName}`;
    return details;
  },
  dedupKey: (event) => `${targetServiceAccount(event)}|${event.user.username}`,
  examples: [
    {
      name: 'a developer mints a token for the namespace controller',
      expect: 'alert',
      event: tokenRequestEvent({ namespace: KUBE_SYSTEM, name: 'namespace-controller' }, { audiences: null, expirationSeconds: 86400 }),
    },
    {
      name: 'a developer creates a token for an admin account kept in kube-system',
      expect: 'alert',
      event: tokenRequestEvent({ namespace: KUBE_SYSTEM, name: 'admin-user' }, { expirationSeconds: 3600 }),
    },
    {
      name: 'the kubelet requests the projected token of a kube-system pod',
      expect: 'none',
      event: tokenRequestEvent(
        { namespace: KUBE_SYSTEM, name: 'coredns' },
        { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'coredns-789789675-8wm9t' } },
        { user: 'system:node:aks-nodepool1-12345678-vmss000000', userAgent: EXAMPLE_KUBELET_USER_AGENT },
      ),
    },
    {
      name: 'a developer creates a token for an account of their own namespace',
      expect: 'none',
      event: tokenRequestEvent({ namespace: 'shop', name: 'ci-deployer' }, { expirationSeconds: 3600 }),
    },
    {
      name: 'the controller manager requests a token for a controller',
      expect: 'none',
      event: tokenRequestEvent({ namespace: KUBE_SYSTEM, name: 'replicaset-controller' }, { expirationSeconds: 3600 }, { user: 'system:kube-controller-manager' }),
    },
    {
      name: 'a token request for a kube-system account that RBAC refused',
      expect: 'none',
      event: tokenRequestEvent({ namespace: KUBE_SYSTEM, name: 'clusterrole-aggregation-controller' }, undefined, { code: 403 }),
    },
  ],
});
