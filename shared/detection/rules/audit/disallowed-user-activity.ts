import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { objectName } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent, execEvent } from '../../exampleEvents';
import { forbidden, namespaceOf, requestPath, succeeded, unauthenticated } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

interface DisallowedIdentity {
  username: string;
  /** `requester` (the authenticated user) or `impersonated` (the user the request acted as). */
  role: 'requester' | 'impersonated';
  /** The list entry that matched. */
  entry: string;
}

/** The identities of the request that are on the `disallowedUsers` list: the authenticated user, then the impersonated one. */
function disallowedIdentities(event: AuditEvent, context: DetectionContext): DisallowedIdentity[] {
  const list = context.lists.disallowedUsers;
  const found: DisallowedIdentity[] = [];
  const requester = list.find(event.user.username);
  if (requester !== undefined) found.push({ username: event.user.username, role: 'requester', entry: requester });
  const impersonated = event.impersonatedUser === undefined ? undefined : list.find(event.impersonatedUser.username);
  if (impersonated !== undefined && event.impersonatedUser !== undefined) {
    found.push({ username: event.impersonatedUser.username, role: 'impersonated', entry: impersonated });
  }
  return found;
}

/** The API server refused the request: authentication failed or authorization forbade it. */
function refused(event: AuditEvent): boolean {
  return forbidden(event) || unauthenticated(event);
}

/** How the request ended, for the analyst. */
function outcomeOf(event: AuditEvent): string {
  const code = event.responseStatus?.code;
  if (unauthenticated(event)) return 'refused: not authenticated (401)';
  if (forbidden(event)) return `refused: forbidden (${code ?? 403})`;
  if (succeeded(event)) return `succeeded (${code ?? ''})`;
  return code === undefined ? 'no response code logged' : `allowed, then failed (${code})`;
}

const departedAdmin = 'carl@contoso.com';
const retiredPipeline = 'system:serviceaccount:ci:legacy-deployer';
const policy = { disallowedUsers: [departedAdmin, retiredPipeline] };

export const disallowedUserActivity = defineRule({
  id: 'disallowed-user-activity',
  alertType: 'K8S_DisallowedUserActivity',
  displayName: 'Request by a disallowed user',
  description:
    'A request was made by, or impersonating, an identity on the `disallowedUsers` list (a policy list, empty by default: the rule ' +
    'is silent until it is set): a departed administrator, a retired pipeline, a break-glass account that should stay unused. ' +
    'Every request counts, whatever its verb or resource, whether the API server allowed it or refused it; the details say which. ' +
    'A listed identity that still acts means its credentials (a kubeconfig, a token, a client certificate) are still valid and in someone\'s hands.',
  // High when the request was allowed (the identity still has access); Medium when the API server refused it.
  severity: Severity.High,
  severityFor: (event) => (refused(event) ? Severity.Medium : Severity.High),
  intent: Intent.InitialAccess,
  techniques: ['T1078'],
  remediation: [
    'Find out who holds the identity\'s credentials: the source IP and user agent show where the request came from.',
    'Revoke them: disable the Entra ID account, delete the service account or its token secrets, remove its RBAC bindings; a ' +
      'client certificate stays valid until it expires, so rotate the cluster CA (`az aks rotate-certs`) if one was issued to it.',
    'Review everything the identity did in the cluster since it should have stopped.',
  ],
  falsePositives: [
    'Controllers or pipelines still configured with the identity after it was retired (their requests repeat from a known address and user agent).',
    'A list entry broader than meant (a glob that also names a current user).',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/authentication/',
    'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation',
    'https://attack.mitre.org/techniques/T1078/',
  ],
  equivalents: {
    defender: [],
    falco: ['Disallowed K8s User'],
    guardDuty: [],
    elastic: [],
  },
  // Exec, attach and port-forward streams may only log ResponseStarted; the engine counts each request once.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  match: (event, context) => disallowedIdentities(event, context).length > 0,
  entities: (event) => requestEntities(event),
  details: (event, context) => {
    const found = disallowedIdentities(event, context);
    const resource = event.objectRef?.resource;
    const subresource = event.objectRef?.subresource;
    const details: Record<string, string> = {
      disallowedIdentities: found.map((identity) => `${identity.username} (${identity.role})`).join(', '),
      matchedEntries: [...new Set(found.map((identity) => identity.entry))].join(', '),
      outcome: outcomeOf(event),
      verb: event.verb,
      requestPath: redactText(requestPath(event)),
    };
    if (resource !== undefined) details.resource = subresource === undefined ? resource : `${resource}/${subresource}`;
    const namespace = namespaceOf(event);
    if (namespace !== undefined) details.namespace = namespace;
    const name = objectName(event);
    if (name !== undefined) details.name = name;
    return details;
  },
  dedupKey: (event) => `${event.user.username}|${event.impersonatedUser?.username ?? ''}|${refused(event) ? 'refused' : 'allowed'}`,
  examples: [
    {
      name: 'a departed administrator lists the secrets of a namespace',
      expect: 'alert',
      lists: policy,
      event: auditEvent({
        verb: 'list',
        resource: 'secrets',
        namespace: 'shop',
        user: { username: departedAdmin, groups: ['system:authenticated', '5d6e7f80-aaaa-4bbb-8ccc-000000000002'] },
        sourceIP: '198.51.100.77',
      }),
    },
    {
      name: 'a retired pipeline is refused when it creates a deployment',
      expect: 'alert',
      lists: policy,
      event: auditEvent({
        verb: 'create',
        resource: 'deployments',
        apiGroup: 'apps',
        namespace: 'shop',
        user: retiredPipeline,
        code: 403,
        userAgent: 'argocd-application-controller/v2.9.3',
      }),
    },
    {
      name: 'a developer impersonates the departed administrator',
      expect: 'alert',
      lists: policy,
      event: auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'web-settings', impersonatedUser: { username: departedAdmin } }),
    },
    {
      name: 'the departed administrator opens a shell in a pod (the stream only logs ResponseStarted)',
      expect: 'alert',
      lists: policy,
      event: execEvent({ namespace: 'shop', pod: 'web-7d9f8c6b5-x2k4q', container: 'app', command: ['sh'], user: departedAdmin }),
    },
    {
      name: 'the departed administrator lists secrets with the default lists (no user policy set)',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', namespace: 'shop', user: departedAdmin }),
    },
    {
      name: 'a current developer lists secrets while the policy names others',
      expect: 'none',
      lists: policy,
      event: auditEvent({ verb: 'list', resource: 'secrets', namespace: 'shop' }),
    },
    {
      name: 'a service account of another namespace with the same name as the retired pipeline',
      expect: 'none',
      lists: policy,
      event: auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'shop', user: 'system:serviceaccount:shop:legacy-deployer' }),
    },
  ],
});
