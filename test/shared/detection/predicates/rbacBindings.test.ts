import { type AuditEvent } from '../../../../shared/kubernetes/auditEvent';
import { EntityType } from '../../../../shared/detection/entities';
import { type AuditEventOverrides, bindingEvent, bindingObject } from '../../../../shared/detection/exampleEvents';
import {
  bindingDedupKey,
  bindingDetails,
  bindingEntities,
  bindingRoleRef,
  coversDefaultServiceAccount,
  isAllAuthenticatedSubject,
  isAnonymousSubject,
  isBindingResource,
  isClusterRoleNamed,
  subjectLabel,
  writtenSubjects,
} from '../../../../shared/detection/predicates/rbacBindings';
import { recordOf } from '../../../support/ruleHarness';

const clusterAdmin = { kind: 'ClusterRole', name: 'cluster-admin' };

function bindingWrite(fields: AuditEventOverrides = {}): AuditEvent {
  const subjects: Record<string, string>[] = [
    { kind: 'User', name: 'dana@contoso.com' },
    { kind: 'ServiceAccount', name: 'ci', namespace: 'build' },
  ];
  return recordOf(bindingEvent({ name: 'ops', roleRef: clusterAdmin, subjects }, fields)).event;
}

describe('rbacBindings', () => {
  describe('isBindingResource', () => {
    it('when the request is about a RoleBinding or ClusterRoleBinding of the RBAC group, then it is a binding', () => {
      expect(isBindingResource(bindingWrite())).toBe(true);
      expect(isBindingResource(bindingWrite({ resource: 'rolebindings', namespace: 'shop' }))).toBe(true);
    });

    it('when the resource is a role, another group or a subresource, then it is not a binding', () => {
      expect(isBindingResource(bindingWrite({ resource: 'clusterroles' }))).toBe(false);
      expect(isBindingResource(bindingWrite({ apiGroup: 'example.com' }))).toBe(false);
      expect(isBindingResource(bindingWrite({ subresource: 'status' }))).toBe(false);
    });
  });

  describe('bindingRoleRef', () => {
    it('when the body carries the roleRef, then it is read from the body', () => {
      expect(bindingRoleRef(bindingWrite())).toEqual(clusterAdmin);
    });

    it('when a patch does not carry the roleRef, then the returned binding gives it', () => {
      const event = bindingWrite({
        verb: 'patch',
        requestObject: [{ op: 'add', path: '/subjects/-', value: { kind: 'User', name: 'eve' } }],
        responseObject: bindingObject('ops', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'User', name: 'eve' }]),
      });
      expect(bindingRoleRef(event)).toEqual({ kind: 'ClusterRole', name: 'edit' });
    });

    it('when neither body nor response has a roleRef (a Status, a too-big body), then it is undefined', () => {
      expect(bindingRoleRef(bindingWrite({ requestObject: 'skipped-too-big-size-object', responseObject: { kind: 'Status' } }))).toBeUndefined();
      expect(bindingRoleRef(bindingWrite({ requestObject: { roleRef: { kind: 7 } } }))).toBeUndefined();
    });
  });

  describe('writtenSubjects', () => {
    it('when a binding is created, then every well-formed subject is returned with its namespace', () => {
      expect(writtenSubjects(bindingWrite())).toEqual([
        { kind: 'User', name: 'dana@contoso.com' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'build' },
      ]);
    });

    it('when a JSON patch appends a subject, then only that subject is written', () => {
      const event = bindingWrite({ verb: 'patch', requestObject: [{ op: 'add', path: '/subjects/-', value: { kind: 'Group', name: 'ops' } }] });
      expect(writtenSubjects(event)).toEqual([{ kind: 'Group', name: 'ops' }]);
    });

    it('when subjects are malformed or absent, then they are skipped without throwing', () => {
      expect(writtenSubjects(bindingWrite({ requestObject: { subjects: [null, 'x', { kind: 'User' }, { kind: 'User', name: 'ok' }] } }))).toEqual([
        { kind: 'User', name: 'ok' },
      ]);
      expect(writtenSubjects(bindingWrite({ verb: 'patch', requestObject: { metadata: { labels: { a: 'b' } } } }))).toEqual([]);
      expect(writtenSubjects(bindingWrite({ requestObject: 'skipped-too-big-size-object' }))).toEqual([]);
    });
  });

  describe('isClusterRoleNamed', () => {
    it('when the roleRef is the built-in ClusterRole, then it matches; a namespaced Role of the same name does not', () => {
      expect(isClusterRoleNamed(clusterAdmin, ['cluster-admin'])).toBe(true);
      expect(isClusterRoleNamed({ kind: 'Role', name: 'cluster-admin' }, ['cluster-admin'])).toBe(false);
      expect(isClusterRoleNamed(undefined, ['cluster-admin'])).toBe(false);
    });
  });

  describe('subject kinds', () => {
    it('when the subject is system:anonymous or system:unauthenticated, then it is anonymous', () => {
      expect(isAnonymousSubject({ kind: 'User', name: 'system:anonymous' })).toBe(true);
      expect(isAnonymousSubject({ kind: 'Group', name: 'system:unauthenticated' })).toBe(true);
      expect(isAnonymousSubject({ kind: 'Group', name: 'system:anonymous' })).toBe(false);
      expect(isAnonymousSubject({ kind: 'Group', name: 'system:authenticated' })).toBe(false);
    });

    it('when the subject is the system:authenticated group, then it is every authenticated identity', () => {
      expect(isAllAuthenticatedSubject({ kind: 'Group', name: 'system:authenticated' })).toBe(true);
      expect(isAllAuthenticatedSubject({ kind: 'User', name: 'system:authenticated' })).toBe(false);
    });

    it.each([
      [{ kind: 'ServiceAccount', name: 'default', namespace: 'shop' }, true],
      [{ kind: 'ServiceAccount', name: 'default' }, true],
      [{ kind: 'User', name: 'system:serviceaccount:shop:default' }, true],
      [{ kind: 'Group', name: 'system:serviceaccounts' }, true],
      [{ kind: 'Group', name: 'system:serviceaccounts:shop' }, true],
      [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'shop' }, false],
      [{ kind: 'User', name: 'system:serviceaccount:shop:deployer' }, false],
      [{ kind: 'User', name: 'default' }, false],
      [{ kind: 'Group', name: 'system:serviceaccounts:' }, false],
    ])('when the subject is %j, then covering a default service account is %s', (subject, expected) => {
      expect(coversDefaultServiceAccount(subject)).toBe(expected);
    });
  });

  describe('alert parts', () => {
    it('when a subject is a service account without namespace, then its label uses the binding namespace', () => {
      expect(subjectLabel({ kind: 'ServiceAccount', name: 'default' }, 'shop')).toBe('ServiceAccount:shop/default');
      expect(subjectLabel({ kind: 'Group', name: 'ops' })).toBe('Group:ops');
    });

    it('when entities are built, then the role, service accounts and users are named and groups are not', () => {
      const event = bindingWrite();
      const subjects = [...writtenSubjects(event), { kind: 'Group', name: 'platform-ops' }];
      const entities = bindingEntities(event, subjects);
      expect(entities).toEqual(
        expect.arrayContaining([
          { type: EntityType.role, kind: 'ClusterRole', name: 'cluster-admin' },
          { type: EntityType.serviceAccount, name: 'ci', namespace: 'build' },
          { type: EntityType.account, name: 'dana@contoso.com' },
        ]),
      );
      expect(entities.some((entity) => entity.name === 'platform-ops')).toBe(false);
    });

    it('when details are built for a RoleBinding, then the scope is its namespace', () => {
      const event = bindingWrite({
        resource: 'rolebindings',
        namespace: 'shop',
        requestObject: bindingObject('ops', clusterAdmin, [{ kind: 'ServiceAccount', name: 'default' }], 'shop'),
      });
      expect(bindingDetails(event, writtenSubjects(event))).toEqual({
        bindingKind: 'RoleBinding',
        scope: 'namespace shop',
        roleRef: 'ClusterRole/cluster-admin',
        subjects: 'ServiceAccount:shop/default',
      });
      expect(bindingDedupKey(event)).toBe('rolebindings|shop|ops|cluster-admin|dana@contoso.com');
    });
  });
});
