import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asObject, asString, getPath } from '../../../kubernetes/jsonValues';
import { writtenObject } from '../../../kubernetes/workloads';
import { auditEvent } from '../../exampleEvents';
import { actingUsername, isServiceAccount, isSystemRequest, sourceIp } from '../../predicates/identities';
import { isSelfSubjectReview, SELF_SUBJECT_REVIEW_RESOURCES } from '../../predicates/rbacRoles';
import { isCreate, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const AUTHORIZATION_API = 'authorization.k8s.io';

/** What the caller asked about: `verb group/resource[/subresource] in namespace name`, a path, or a namespace's rules. */
function reviewQuestion(event: AuditEvent): string {
  const spec = getPath(writtenObject(event), 'spec');
  if (event.objectRef?.resource === 'selfsubjectrulesreviews') return `all rules in namespace ${asString(getPath(spec, 'namespace')) ?? ''}`;
  const nonResource = asObject(getPath(spec, 'nonResourceAttributes'));
  if (nonResource !== undefined) return `${asString(nonResource.verb) ?? ''} ${asString(nonResource.path) ?? ''}`;
  const attributes = asObject(getPath(spec, 'resourceAttributes'));
  if (attributes === undefined) return '';
  const field = (name: string): string => asString(attributes[name]) ?? '';
  const resource = [field('group'), field('resource')].filter((part) => part !== '').join('/') + (field('subresource') ? `/${field('subresource')}` : '');
  const where = field('namespace') === '' ? 'cluster-wide' : `in namespace ${field('namespace')}`;
  return [field('verb'), resource, where, field('name')].filter((part) => part !== '').join(' ');
}

function selfAccessReview(resourceAttributes: Record<string, string>): Record<string, unknown> {
  return { apiVersion: `${AUTHORIZATION_API}/v1`, kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes } };
}

export const permissionEnumeration = defineRule({
  id: 'permission-enumeration',
  alertType: 'K8S_PermissionEnumeration',
  displayName: 'Permission enumeration through self-subject reviews',
  description:
    'An account asked the API server what it is allowed to do (a SelfSubjectAccessReview or SelfSubjectRulesReview, what ' +
    '`kubectl auth can-i` sends). Attackers who obtain a token check its permissions before using it. People do this routinely; ' +
    'a service account doing it usually means someone is using its token by hand.',
  // No Defender equivalent. Low for people, who run `kubectl auth can-i` and use tools that check permissions; Medium for
  // service accounts, whose code rarely asks and whose stolen tokens are the usual subject of such checks.
  severity: Severity.Low,
  severityFor: (event) => (isServiceAccount(actingUsername(event)) ? Severity.Medium : Severity.Low),
  intent: Intent.Discovery,
  techniques: ['T1613', 'T1069.003', 'T1087.004'],
  remediation: [
    'For a service account: find the pods that run as it and check whether the workload checks its own permissions; if not, treat its token as stolen (check the source IP and user agent, rotate the token, delete the pod).',
    'For a user: confirm with the person that they ran the check; review what the account did next.',
  ],
  falsePositives: [
    'Cluster tools that check permissions as the signed-in user (Kubernetes Dashboard, k9s, Lens, Headlamp, IDE plugins).',
    'Operators and CI jobs that verify their permissions at start-up.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access',
    'https://attack.mitre.org/techniques/T1613/',
    'https://attack.mitre.org/techniques/T1069/003/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['Discovery:Kubernetes/AnomalousBehavior.PermissionChecked'],
    elastic: ['Kubernetes Suspicious Self-Subject Review', 'RBAC Permission Enumeration Attempt'],
  },
  resources: [...SELF_SUBJECT_REVIEW_RESOURCES],
  match: (event, context) => isSelfSubjectReview(event) && isCreate(event) && succeeded(event) && !isSystemRequest(event, context),
  entities: (event) => requestEntities(event),
  details: (event) => {
    const allowed = getPath(event.responseObject, 'status', 'allowed');
    return {
      reviewKind: event.objectRef?.resource === 'selfsubjectrulesreviews' ? 'SelfSubjectRulesReview' : 'SelfSubjectAccessReview',
      question: redactText(reviewQuestion(event)),
      allowed: typeof allowed === 'boolean' ? String(allowed) : '',
      userAgent: event.userAgent ?? '',
    };
  },
  dedupKey: (event) => `${actingUsername(event)}|${sourceIp(event) ?? ''}`,
  examples: [
    {
      name: 'a service account token lists its permissions',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'selfsubjectrulesreviews',
        apiGroup: AUTHORIZATION_API,
        user: 'system:serviceaccount:shop:web',
        userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
        requestObject: { apiVersion: `${AUTHORIZATION_API}/v1`, kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: 'shop' } },
      }),
    },
    {
      name: 'a user asks whether they can read secrets in kube-system',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'selfsubjectaccessreviews',
        apiGroup: AUTHORIZATION_API,
        requestObject: selfAccessReview({ verb: 'get', resource: 'secrets', namespace: 'kube-system' }),
        responseObject: { ...selfAccessReview({ verb: 'get', resource: 'secrets', namespace: 'kube-system' }), status: { allowed: false } },
      }),
    },
    {
      name: 'a listed platform account checks its permissions',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'selfsubjectaccessreviews',
        apiGroup: AUTHORIZATION_API,
        user: 'system:serviceaccount:kube-system:azure-policy',
        requestObject: selfAccessReview({ verb: 'list', group: 'constraints.gatekeeper.sh', resource: '*' }),
      }),
    },
    {
      name: 'kube-rbac-proxy checks a caller with a SubjectAccessReview',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'subjectaccessreviews',
        apiGroup: AUTHORIZATION_API,
        user: 'system:serviceaccount:monitoring:kube-rbac-proxy',
      }),
    },
    {
      name: 'a user asks who they are',
      expect: 'none',
      event: auditEvent({ verb: 'create', resource: 'selfsubjectreviews', apiGroup: 'authentication.k8s.io' }),
    },
  ],
});
