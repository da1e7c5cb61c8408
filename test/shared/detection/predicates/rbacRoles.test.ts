import { auditEvent } from '../../../../shared/detection/exampleEvents';
import {
  authorizationDenied,
  autoupdateAnnotation,
  DangerousPermission,
  dangerousPermissions,
  deniedImpersonationTarget,
  describePolicyRule,
  grants,
  impersonationTargetIdentity,
  isRoleResource,
  isSelfSubjectReview,
  type PolicyRule,
  policyRulesOf,
  privilegedIdentityReasons,
  writtenRoleRules,
} from '../../../../shared/detection/predicates/rbacRoles';
import { type AuditEvent } from '../../../../shared/kubernetes/auditEvent';
import { normalizeAuditEvent } from '../../../../shared/kubernetes/normalizeAuditEvent';

const RBAC = 'rbac.authorization.k8s.io';

function eventOf(raw: Record<string, unknown>): AuditEvent {
  const normalized = normalizeAuditEvent(raw);
  if (!normalized.ok) throw new Error(normalized.detail);
  return normalized.event;
}

function rule(fields: Partial<PolicyRule>): PolicyRule {
  return { apiGroups: [''], resources: [], verbs: [], resourceNames: [], nonResourceURLs: [], ...fields };
}

function permissionsOf(...rules: Partial<PolicyRule>[]): string[] {
  return dangerousPermissions(rules.map(rule));
}

describe('rbacRoles', () => {
  describe('policyRulesOf', () => {
    it('when rules hold non-objects and non-string entries, then they are skipped', () => {
      const rules = policyRulesOf({ rules: [null, 'x', { apiGroups: [''], resources: ['pods', 7], verbs: ['get'] }] });
      expect(rules).toEqual([rule({ resources: ['pods'], verbs: ['get'] })]);
    });

    it('when the object is not a role at all, then there are no rules', () => {
      expect(policyRulesOf('skipped-too-big-size-object')).toEqual([]);
      expect(policyRulesOf(undefined)).toEqual([]);
      expect(policyRulesOf({ rules: 'all' })).toEqual([]);
    });
  });

  describe('grants', () => {
    it('when the rule names the resource, group and verb, then it grants them', () => {
      expect(grants(rule({ resources: ['secrets'], verbs: ['get'] }), '', 'secrets', ['get', 'list'])).toBe(true);
    });

    it('when the rule uses wildcards, then they match like RBAC', () => {
      expect(grants(rule({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }), 'apps', 'deployments/scale', ['update'])).toBe(true);
      expect(grants(rule({ resources: ['*/exec'], verbs: ['create'] }), '', 'pods/exec', ['create'])).toBe(true);
    });

    it('when the rule grants the parent resource only, then the subresource is not granted', () => {
      expect(grants(rule({ resources: ['pods'], verbs: ['*'] }), '', 'pods/exec', ['create'])).toBe(false);
    });

    it('when the group or the verb differ, then nothing is granted', () => {
      expect(grants(rule({ apiGroups: ['apps'], resources: ['secrets'], verbs: ['get'] }), '', 'secrets', ['get'])).toBe(false);
      expect(grants(rule({ resources: ['secrets'], verbs: ['create'] }), '', 'secrets', ['get'])).toBe(false);
      expect(grants(rule({ resources: ['nodes/proxy'], verbs: [] }), '', 'nodes/proxy')).toBe(false);
    });
  });

  describe('dangerousPermissions', () => {
    it('when a rule grants everything, then every dangerous permission is reported once, cluster-admin first', () => {
      const found = permissionsOf({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
      expect(found).toEqual(Object.values(DangerousPermission));
    });

    it.each([
      [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }, [DangerousPermission.wildcardVerbs]],
      [{ apiGroups: ['apps'], resources: ['*'], verbs: ['delete'] }, [DangerousPermission.wildcardResources]],
      [{ apiGroups: ['*'], resources: ['deployments'], verbs: ['patch'] }, [DangerousPermission.wildcardApiGroups]],
      [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['escalate'] }, [DangerousPermission.escalate]],
      [{ apiGroups: [RBAC], resources: ['roles'], verbs: ['bind'], resourceNames: ['view'] }, [DangerousPermission.bind]],
      [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }, [DangerousPermission.impersonate]],
      [{ apiGroups: ['authentication.k8s.io'], resources: ['userextras'], verbs: ['impersonate'] }, [DangerousPermission.impersonate]],
      [{ apiGroups: [''], resources: ['secrets'], verbs: ['watch'] }, [DangerousPermission.secretsRead]],
      [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }, [DangerousPermission.podsExec]],
      [{ apiGroups: [''], resources: ['pods/attach'], verbs: ['create'] }, [DangerousPermission.podsAttach]],
      [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }, [DangerousPermission.nodesProxy]],
    ])('when a rule is %j, then it is reported as %j', (fields, expected) => {
      expect(permissionsOf(fields)).toEqual(expected);
    });

    it.each([
      [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }],
      [{ apiGroups: ['metrics.k8s.io'], resources: ['*'], verbs: ['get', 'list'] }],
      [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['web-tls'] }],
      [{ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] }],
      [{ apiGroups: ['apps'], resources: ['clusterroles'], verbs: ['bind'] }],
      [{ apiGroups: [''], resources: ['users'], verbs: ['get'] }],
      [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }],
    ])('when a rule is the ordinary %j, then nothing is reported', (fields) => {
      expect(permissionsOf(fields)).toEqual([]);
    });
  });

  describe('writtenRoleRules', () => {
    it('when a role is created, then its rules are read from the request', () => {
      const event = eventOf(
        auditEvent({
          verb: 'create',
          resource: 'roles',
          apiGroup: RBAC,
          namespace: 'shop',
          requestObject: { kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
        }),
      );
      expect(writtenRoleRules(event)).toEqual([rule({ resources: ['secrets'], verbs: ['get'] })]);
    });

    it('when a JSON patch touches rules and the server returned the role, then the returned rules are used', () => {
      const event = eventOf(
        auditEvent({
          verb: 'patch',
          resource: 'roles',
          apiGroup: RBAC,
          namespace: 'shop',
          name: 'r',
          requestObject: [{ op: 'add', path: '/rules/0/resources/-', value: 'secrets' }],
          responseObject: { kind: 'Role', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get'] }] },
        }),
      );
      expect(dangerousPermissions(writtenRoleRules(event))).toEqual([DangerousPermission.secretsRead]);
    });

    it('when a JSON patch touches rules and the response was not logged, then the patch fragments are used', () => {
      const event = eventOf(
        auditEvent({ verb: 'patch', resource: 'roles', apiGroup: RBAC, namespace: 'shop', name: 'r', requestObject: [{ op: 'add', path: '/rules/0/verbs/-', value: '*' }] }),
      );
      expect(dangerousPermissions(writtenRoleRules(event))).toEqual([DangerousPermission.wildcardVerbs]);
    });

    it('when the patch does not touch rules, then no rules are written even if the role is powerful', () => {
      const event = eventOf(
        auditEvent({
          verb: 'patch',
          resource: 'clusterroles',
          apiGroup: RBAC,
          name: 'r',
          requestObject: { metadata: { labels: { a: 'b' } } },
          responseObject: { kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
        }),
      );
      expect(writtenRoleRules(event)).toEqual([]);
    });
  });

  describe('describePolicyRule', () => {
    it('when a rule is described, then the core group shows as "" and empty optional lists are left out', () => {
      expect(describePolicyRule(rule({ resources: ['secrets'], verbs: ['get', 'list'] }))).toBe('apiGroups=[""] resources=[secrets] verbs=[get,list]');
      expect(describePolicyRule(rule({ resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] }))).toContain('resourceNames=[a]');
    });
  });

  describe('isRoleResource and isSelfSubjectReview', () => {
    it('when the request is about roles, cluster roles or self reviews, then they are recognised', () => {
      expect(isRoleResource(eventOf(auditEvent({ verb: 'create', resource: 'clusterroles', apiGroup: RBAC })))).toBe(true);
      expect(isRoleResource(eventOf(auditEvent({ verb: 'create', resource: 'roles', apiGroup: 'example.com', namespace: 'a' })))).toBe(false);
      expect(isSelfSubjectReview(eventOf(auditEvent({ verb: 'create', resource: 'selfsubjectrulesreviews', apiGroup: 'authorization.k8s.io' })))).toBe(true);
      expect(isSelfSubjectReview(eventOf(auditEvent({ verb: 'create', resource: 'subjectaccessreviews', apiGroup: 'authorization.k8s.io' })))).toBe(false);
    });
  });

  describe('autoupdateAnnotation', () => {
    it('when the written object carries the annotation, then its value is returned, else the response is consulted', () => {
      const annotated = (value: string): Record<string, unknown> => ({
        kind: 'ClusterRole',
        metadata: { name: 'edit', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': value } },
      });
      expect(autoupdateAnnotation(eventOf(auditEvent({ verb: 'update', resource: 'clusterroles', apiGroup: RBAC, name: 'edit', requestObject: annotated('false') })))).toBe('false');
      expect(
        autoupdateAnnotation(eventOf(auditEvent({ verb: 'delete', resource: 'clusterroles', apiGroup: RBAC, name: 'edit', responseObject: annotated('true') }))),
      ).toBe('true');
      expect(autoupdateAnnotation(eventOf(auditEvent({ verb: 'delete', resource: 'clusterroles', apiGroup: RBAC, name: 'x', responseObject: { kind: 'Status' } })))).toBeUndefined();
    });
  });

  describe('privilegedIdentityReasons', () => {
    it.each([
      ['admin', ['system:masters', 'system:authenticated'], ['group system:masters']],
      ['system:node:aks-nodepool1-0', ['system:nodes'], ['group system:nodes', 'node identity']],
      ['system:kube-controller-manager', [], ['control-plane identity']],
      ['system:apiserver', [], ['control-plane identity']],
      ['system:serviceaccount:kube-system:replicaset-controller', [], ['kube-system service account']],
    ])('when the identity is %s with groups %j, then it is privileged because %j', (username, groups, reasons) => {
      expect(privilegedIdentityReasons(username, groups)).toEqual(reasons);
    });

    it('when the identity is an ordinary user or application account, then it is not privileged', () => {
      expect(privilegedIdentityReasons('dana@contoso.com', ['system:authenticated'])).toEqual([]);
      expect(privilegedIdentityReasons('system:serviceaccount:shop:web', ['system:serviceaccounts:kube-system-like'])).toEqual([]);
    });
  });

  describe('authorizationDenied', () => {
    it('when the authorizer forbade the request, then it is denied; an admission 403 is not', () => {
      expect(authorizationDenied(eventOf(auditEvent({ verb: 'get', resource: 'secrets', code: 403 })))).toBe(true);
      const admission = auditEvent({ verb: 'create', resource: 'pods', code: 403, annotations: { 'authorization.k8s.io/decision': 'allow' } });
      expect(authorizationDenied(eventOf(admission))).toBe(false);
    });

    it('when a 403 carries no decision annotation (impersonation refused), then it is denied', () => {
      expect(authorizationDenied(eventOf({ ...auditEvent({ verb: 'get', resource: 'pods', code: 403 }), annotations: {} }))).toBe(true);
      expect(authorizationDenied(eventOf({ ...auditEvent({ verb: 'get', resource: 'pods' }), annotations: {} }))).toBe(false);
    });
  });

  describe('deniedImpersonationTarget', () => {
    function refused(message: string, code = 403): AuditEvent {
      return eventOf({ ...auditEvent({ verb: 'list', resource: 'secrets', code }), annotations: {}, responseStatus: { code, message } });
    }

    it('when a user impersonation was refused, then the target user is read from the message', () => {
      const target = deniedImpersonationTarget(
        refused('users "system:admin" is forbidden: User "dana@contoso.com" cannot impersonate resource "users" in API group "" at the cluster scope'),
      );
      expect(target).toEqual({ resource: 'users', name: 'system:admin' });
      expect(target && impersonationTargetIdentity(target)).toEqual({ username: 'system:admin', groups: [] });
    });

    it('when a service account impersonation was refused, then its namespace is kept', () => {
      const target = deniedImpersonationTarget(
        refused('serviceaccounts "replicaset-controller" is forbidden: User "x" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"'),
      );
      expect(target).toEqual({ resource: 'serviceaccounts', name: 'replicaset-controller', namespace: 'kube-system' });
      expect(target && impersonationTargetIdentity(target).username).toBe('system:serviceaccount:kube-system:replicaset-controller');
    });

    it('when a group impersonation was refused, then the group is the identity', () => {
      const target = deniedImpersonationTarget(
        refused('groups "system:masters" is forbidden: User "x" cannot impersonate resource "groups" in API group "" at the cluster scope'),
      );
      expect(target && impersonationTargetIdentity(target)).toEqual({ username: '', groups: ['system:masters'] });
    });

    it('when the refusal is an ordinary RBAC one or not a 403, then there is no target', () => {
      expect(deniedImpersonationTarget(refused('secrets is forbidden: User "x" cannot list resource "secrets" in API group "" at the cluster scope'))).toBeUndefined();
      expect(deniedImpersonationTarget(refused('users "a" is forbidden: User "x" cannot impersonate resource "users" in API group "" at the cluster scope', 500))).toBeUndefined();
      expect(deniedImpersonationTarget(eventOf(auditEvent({ verb: 'get', resource: 'pods', code: 403 })))).toBeUndefined();
    });
  });
});
