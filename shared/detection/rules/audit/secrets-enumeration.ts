import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { auditEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { isResource, namespaceOf, queryValues, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const KUBE_SYSTEM = 'kube-system';
const COLLECTION_VERBS: ReadonlySet<string> = new Set(['list', 'watch']);
const KUBE_SYSTEM_VERBS: ReadonlySet<string> = new Set(['get', 'list', 'watch']);

/** Secrets of every namespace at once (list/watch with no namespace), or of kube-system (get/list/watch). */
function isSensitiveSecretsRead(event: AuditEvent): boolean {
  const namespace = namespaceOf(event);
  if (namespace === undefined) return COLLECTION_VERBS.has(event.verb);
  return namespace === KUBE_SYSTEM && KUBE_SYSTEM_VERBS.has(event.verb);
}

/**
 * Helm's own release records: Helm keeps each release in a Secret labelled `owner=helm` and reads them with that
 * selector (`helm list -A` lists them cluster-wide). Such a request returns release records only.
 */
function isHelmReleaseQuery(event: AuditEvent): boolean {
  return queryValues(event, 'labelSelector').some((selector) =>
    selector.split(',').some((requirement) => /^owner\s*==?\s*helm$/.test(requirement.trim())),
  );
}

/**
 * A watch that resumes from a resourceVersion (the reconnect every informer does after its first list)
 * returns changes only, not the existing secrets; `resourceVersion=0` or none starts from everything.
 */
function isResumedWatch(event: AuditEvent): boolean {
  if (event.verb !== 'watch') return false;
  const resourceVersion = queryValues(event, 'resourceVersion')[0];
  return resourceVersion !== undefined && resourceVersion !== '' && resourceVersion !== '0';
}

function scopeOf(event: AuditEvent): string {
  return namespaceOf(event) ?? 'all namespaces';
}

export const secretsEnumeration = defineRule({
  id: 'secrets-enumeration',
  alertType: 'K8S_SecretsEnumeration',
  displayName: 'Secrets listed across the cluster or read in kube-system',
  description:
    'A user or workload that is not part of the cluster listed or watched the secrets of all namespaces at once, or read secrets in ' +
    'kube-system. Listing every secret hands over every credential the cluster holds (registry passwords, TLS keys, tokens, ' +
    'database passwords), and kube-system secrets belong to the platform. Helm\'s own release queries (label selector owner=helm) ' +
    'are not reported.',
  // Medium: the read may hand over every credential in the cluster, but operators and administrators do it too.
  severity: Severity.Medium,
  intent: Intent.CredentialAccess,
  techniques: ['T1552.007', 'T1613'],
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Check with the account owner whether the read was expected; a person rarely needs the secrets of every namespace.',
    'If it was not, rotate the secrets the caller could read (all of them for a cluster-wide list) and find how the account was obtained.',
    'Restrict `list`, `watch` and `get` on secrets: grant them per namespace with Roles, never cluster-wide, and keep kube-system to the platform.',
  ],
  falsePositives: [
    'Operators and controllers that watch secrets cluster-wide under their own service account (cert-manager, external-secrets, Argo CD, ingress controllers); add them to the systemIdentities list.',
    'Helm releases installed into kube-system: Helm reads its release secrets there (label selector owner=helm, not reported) and the chart may read other secrets.',
    'An administrator running `kubectl get secrets -A` to find a secret (kubectl then only shows names, but the permission used returns values).',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html',
    'https://attack.mitre.org/techniques/T1552/007/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['CredentialAccess:Kubernetes/AnomalousBehavior.SecretsAccessed'],
    elastic: ['Kubernetes Secrets Enumeration', 'Kubernetes Secrets List Across Cluster or Sensitive Namespaces'],
  },
  resources: ['secrets'],
  match: (event, context) =>
    isResource(event, 'secrets') &&
    isSensitiveSecretsRead(event) &&
    succeeded(event) &&
    !isSystemRequest(event, context) &&
    !context.lists.secretReaders.matches(event.user.username) &&
    !isResumedWatch(event) &&
    !isHelmReleaseQuery(event),
  entities: (event) => requestEntities(event),
  details: (event) => {
    const details: Record<string, string> = { scope: scopeOf(event), verb: event.verb };
    const name = event.objectRef?.name;
    if (name !== undefined) details.secret = name;
    const selector = queryValues(event, 'labelSelector')[0];
    if (selector !== undefined) details.labelSelector = redactText(selector);
    return details;
  },
  dedupKey: (event) => `${scopeOf(event)}|${event.user.username}`,
  examples: [
    {
      name: 'a developer lists the secrets of every namespace',
      expect: 'alert',
      event: auditEvent({ verb: 'list', resource: 'secrets', requestURI: '/api/v1/secrets?limit=500' }),
    },
    {
      name: 'a workload watches the secrets of every namespace',
      expect: 'alert',
      event: auditEvent({
        verb: 'watch',
        resource: 'secrets',
        user: 'system:serviceaccount:shop:web',
        userAgent: 'python-requests/2.32.3',
        stage: AuditStage.ResponseStarted,
        requestURI: '/api/v1/secrets?watch=true',
      }),
    },
    {
      name: 'a developer reads a secret in kube-system',
      expect: 'alert',
      event: auditEvent({ verb: 'get', resource: 'secrets', namespace: KUBE_SYSTEM, name: 'azure-policy-webhook-cert' }),
    },
    {
      name: 'helm list -A reads its release records in every namespace',
      expect: 'none',
      event: auditEvent({
        verb: 'list',
        resource: 'secrets',
        userAgent: 'Helm/3.16.2',
        requestURI: '/api/v1/secrets?labelSelector=owner%3Dhelm',
      }),
    },
    {
      name: 'a developer lists the secrets of their own namespace',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', namespace: 'shop', requestURI: '/api/v1/namespaces/shop/secrets?limit=500' }),
    },
    {
      name: 'the controller manager watches every secret',
      expect: 'none',
      event: auditEvent({
        verb: 'watch',
        resource: 'secrets',
        user: 'system:kube-controller-manager',
        stage: AuditStage.ResponseStarted,
        requestURI: '/api/v1/secrets?allowWatchBookmarks=true&resourceVersion=123456&watch=true',
      }),
    },
    {
      name: 'a cluster-wide secrets list that RBAC refused',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', code: 403, requestURI: '/api/v1/secrets?limit=500' }),
    },
    {
      name: "cert-manager's controller lists every secret (a listed secret reader)",
      expect: 'none',
      event: auditEvent({
        verb: 'list',
        resource: 'secrets',
        user: 'system:serviceaccount:cert-manager:cert-manager',
        requestURI: '/api/v1/secrets?limit=500&resourceVersion=0',
      }),
    },
    {
      name: 'an informer resumes its cluster-wide watch from a resourceVersion',
      expect: 'none',
      event: auditEvent({
        verb: 'watch',
        resource: 'secrets',
        user: 'system:serviceaccount:platform:config-syncer',
        requestURI: '/api/v1/secrets?allowWatchBookmarks=true&resourceVersion=48213377&timeoutSeconds=412&watch=true',
      }),
    },
    {
      name: 'a watch of every secret from the beginning',
      expect: 'alert',
      event: auditEvent({
        verb: 'watch',
        resource: 'secrets',
        user: 'system:serviceaccount:platform:config-syncer',
        requestURI: '/api/v1/secrets?resourceVersion=0&watch=true',
      }),
    },
  ],
});
