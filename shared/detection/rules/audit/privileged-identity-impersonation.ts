import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, type AuditEventExample, execEvent, tokenRequestEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { deniedImpersonationTarget, impersonationTargetIdentity, privilegedIdentityReasons } from '../../predicates/rbacRoles';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

interface Impersonation {
  username: string;
  groups: string[];
  /** The API server let the caller act as the identity (`impersonatedUser` is logged), or refused it. */
  allowed: boolean;
}

/** The identity the request impersonated, or tried to: `impersonatedUser`, else the target of a refused impersonation. */
function impersonationOf(event: AuditEvent): Impersonation | undefined {
  if (event.impersonatedUser !== undefined) {
    return { username: event.impersonatedUser.username, groups: event.impersonatedUser.groups, allowed: true };
  }
  const target = deniedImpersonationTarget(event);
  return target === undefined ? undefined : { ...impersonationTargetIdentity(target), allowed: false };
}

function privilegeReasons(event: AuditEvent): string[] {
  const impersonation = impersonationOf(event);
  return impersonation === undefined ? [] : privilegedIdentityReasons(impersonation.username, impersonation.groups);
}

/** The API server refused to let the developer act as the target: a 403 whose message names it, with no authorization decision. */
const refusedImpersonation = (request: AuditEventExample, target: string, targetResource: 'users' | 'groups'): Record<string, unknown> => ({
  ...auditEvent({ ...request, code: 403 }),
  annotations: {},
  responseStatus: {
    metadata: {},
    status: 'Failure',
    reason: 'Forbidden',
    code: 403,
    message: `${targetResource} "${target}" is forbidden: User "dana@contoso.com" cannot impersonate resource "${targetResource}" in API group "" at the cluster scope`,
  },
});

export const privilegedIdentityImpersonation = defineRule({
  id: 'privileged-identity-impersonation',
  alertType: 'K8S_PrivilegedIdentityImpersonation',
  displayName: 'Impersonation of a privileged cluster identity',
  description:
    'A request impersonated (or tried to impersonate) a privileged identity: the system:masters or system:nodes group, a node, a ' +
    'control-plane component (API server, controller manager, scheduler) or a kube-system service account. Impersonation headers ' +
    '(`kubectl --as`, `--as-group`) make the API server authorize the request as that identity: an account allowed to impersonate ' +
    'these identities holds their power, including cluster-admin through system:masters and every secret through the controllers.',
  // No Defender equivalent; Elastic rates this behaviour High. A refused attempt is lowered to Medium: it shows intent, not access.
  severity: Severity.High,
  severityFor: (event) => (impersonationOf(event)?.allowed === false ? Severity.Medium : Severity.High),
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1134', 'T1078'],
  remediation: [
    'Confirm with the account that made the request whether the impersonation was expected (break-glass access, a documented tool).',
    'Find who may impersonate: `kubectl get clusterroles -o json` for rules with the impersonate verb, and the bindings to those roles; remove what is not needed.',
    'Limit impersonate grants with resourceNames to the specific users, groups and service accounts needed, never system:masters or system identities.',
    'Review everything the account did while impersonating (the audit events with its username and an impersonatedUser) and rotate exposed secrets.',
  ],
  falsePositives: [
    'Administrators using `kubectl --as-group=system:masters` as a deliberate "sudo" for break-glass changes.',
    'Management proxies and platforms that impersonate their users (Rancher, some dashboards) when those users are cluster administrators.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation',
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/#impersonate-verb',
    'https://attack.mitre.org/techniques/T1134/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: ['Kubernetes API Request Impersonating Privileged Identity'] },
  // An exec while impersonating only ever logs ResponseStarted.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  match: (event, context) => privilegeReasons(event).length > 0 && !isSystemRequest(event, context),
  entities: (event) => {
    const entities: AlertEntity[] = requestEntities(event);
    const impersonation = impersonationOf(event);
    if (impersonation?.allowed === false && impersonation.username !== '') entities.push({ type: EntityType.account, name: impersonation.username });
    return entities;
  },
  details: (event) => {
    const impersonation = impersonationOf(event);
    return {
      impersonatedUser: impersonation?.username ?? '',
      impersonatedGroups: (impersonation?.groups ?? []).join(', '),
      privilegedBecause: privilegeReasons(event).join(', '),
      outcome: impersonation?.allowed === false ? 'refused' : 'allowed',
    };
  },
  dedupKey: (event) => {
    const impersonation = impersonationOf(event);
    const target = impersonation === undefined ? '' : impersonation.username || impersonation.groups.join(',');
    return `${event.user.username}|${target}|${impersonation?.allowed === false ? 'refused' : 'allowed'}`;
  },
  examples: [
    {
      name: 'a user reads every secret as system:masters',
      expect: 'alert',
      event: auditEvent({
        verb: 'list',
        resource: 'secrets',
        impersonatedUser: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
      }),
    },
    {
      name: 'a CI account acts as a kube-system controller to mint a token',
      expect: 'alert',
      event: tokenRequestEvent({ namespace: 'kube-system', name: 'replicaset-controller' }, undefined, {
        user: 'system:serviceaccount:ci:deployer',
        impersonatedUser: {
          username: 'system:serviceaccount:kube-system:replicaset-controller',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
        },
      }),
    },
    {
      name: 'a user acts as a node',
      expect: 'alert',
      event: auditEvent({
        verb: 'get',
        resource: 'secrets',
        namespace: 'shop',
        name: 'db-credentials',
        impersonatedUser: { username: 'system:node:aks-nodepool1-12345678-vmss000000', groups: ['system:nodes', 'system:authenticated'] },
      }),
    },
    {
      name: 'an exec into a pod as system:masters logs only ResponseStarted',
      expect: 'alert',
      event: execEvent({
        namespace: 'kube-system',
        pod: 'coredns-5d78c9869d-7xk2p',
        container: 'coredns',
        command: ['sh'],
        streams: ['stdin', 'tty'],
        impersonatedUser: { username: 'dana@contoso.com', groups: ['system:masters', 'system:authenticated'] },
      }),
    },
    {
      name: 'the API server refuses to let a user act as system:masters',
      expect: 'alert',
      event: refusedImpersonation({ verb: 'list', resource: 'secrets' }, 'system:masters', 'groups'),
    },
    {
      name: 'a user acts as an ordinary colleague',
      expect: 'none',
      event: auditEvent({
        verb: 'list',
        resource: 'pods',
        namespace: 'shop',
        impersonatedUser: { username: 'sam@contoso.com', groups: ['system:authenticated'] },
      }),
    },
    {
      name: 'a user acts as an application service account',
      expect: 'none',
      event: auditEvent({
        verb: 'list',
        resource: 'configmaps',
        namespace: 'shop',
        impersonatedUser: {
          username: 'system:serviceaccount:shop:web',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'],
        },
      }),
    },
    {
      name: 'the API server refuses an impersonation of an ordinary user',
      expect: 'none',
      event: refusedImpersonation({ verb: 'list', resource: 'pods' }, 'sam@contoso.com', 'users'),
    },
    {
      name: 'the AKS control plane acts as a listed system service account',
      expect: 'none',
      event: auditEvent({
        verb: 'get',
        resource: 'nodes',
        user: { username: 'aksService', groups: ['system:masters', 'system:authenticated'] },
        impersonatedUser: {
          username: 'system:serviceaccount:kube-system:cluster-autoscaler',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
        },
      }),
    },
  ],
});
