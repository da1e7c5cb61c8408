import { defaultDetectionContext } from '../../../../shared/detection/detectionContext';
import { EntityType } from '../../../../shared/detection/entities';
import { auditEvent } from '../../../../shared/detection/exampleEvents';
import { CallerKind, callerLabel, Refusal, refusalEntities, refusalOf, refusedCallerKind } from '../../../../shared/detection/predicates/refusals';
import { type AuditEvent, AuditStage } from '../../../../shared/kubernetes/auditEvent';
import { normalizeAuditEvent } from '../../../../shared/kubernetes/normalizeAuditEvent';

function eventOf(raw: Record<string, unknown>): AuditEvent {
  const normalized = normalizeAuditEvent(raw);
  if (!normalized.ok) throw new Error(normalized.detail);
  return normalized.event;
}

const secretsList = { verb: 'list', resource: 'secrets', namespace: 'shop' };

/** A 401 as the API server logs it: ResponseStarted, an empty user, no authorization annotations. */
const unauthenticated = eventOf({
  ...auditEvent({ ...secretsList, code: 401, stage: AuditStage.ResponseStarted }),
  user: {},
  annotations: {},
});

describe('refusals', () => {
  describe('refusalOf', () => {
    it('when authentication failed (401), then the refusal is unauthenticated', () => {
      expect(refusalOf(unauthenticated)).toBe(Refusal.unauthenticated);
    });

    it('when the authorizer forbade the request, then the refusal is forbidden', () => {
      expect(refusalOf(eventOf(auditEvent({ ...secretsList, code: 403 })))).toBe(Refusal.forbidden);
    });

    it('when admission refused a request the authorizer allowed, then it is not a refusal', () => {
      const event = eventOf(auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop', code: 403, annotations: { 'authorization.k8s.io/decision': 'allow' } }));
      expect(refusalOf(event)).toBeUndefined();
    });

    it('when the object is missing (404) or in conflict (409), then it is not a refusal', () => {
      expect(refusalOf(eventOf(auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db', code: 404 })))).toBeUndefined();
      expect(refusalOf(eventOf(auditEvent({ verb: 'update', resource: 'configmaps', namespace: 'shop', name: 'x', code: 409 })))).toBeUndefined();
    });

    it('when the impersonation itself was refused, then the request is not reported as a refusal', () => {
      const event = eventOf({
        ...auditEvent({ ...secretsList, code: 403 }),
        annotations: {},
        responseStatus: {
          code: 403,
          message: 'users "system:admin" is forbidden: User "dana@contoso.com" cannot impersonate resource "users" in API group "" at the cluster scope',
        },
      });
      expect(refusalOf(event)).toBeUndefined();
    });
  });

  describe('refusedCallerKind', () => {
    const kindOf = (raw: Record<string, unknown>): CallerKind | undefined => refusedCallerKind(eventOf(raw), defaultDetectionContext);

    it('when the caller is a person, an anonymous client or unauthenticated, then it is named so', () => {
      expect(kindOf(auditEvent({ ...secretsList, code: 403 }))).toBe(CallerKind.person);
      expect(kindOf(auditEvent({ ...secretsList, code: 403, user: 'system:anonymous' }))).toBe(CallerKind.anonymous);
      expect(refusedCallerKind(unauthenticated, defaultDetectionContext)).toBe(CallerKind.unauthenticated);
    });

    it('when the caller is a service account, a node, a bootstrap token or a listed system identity, then it is ignored', () => {
      for (const user of ['system:serviceaccount:shop:web', 'system:node:aks-nodepool1-12345678-vmss000000', 'system:bootstrap:9x2kfq', 'aksService']) {
        expect(kindOf(auditEvent({ ...secretsList, code: 403, user }))).toBeUndefined();
      }
    });
  });

  describe('callerLabel', () => {
    it('when authentication failed, then the caller is labelled unauthenticated', () => {
      expect(callerLabel(unauthenticated)).toBe('(unauthenticated)');
      expect(callerLabel(eventOf(auditEvent(secretsList)))).toBe('dana@contoso.com');
    });
  });

  describe('refusalEntities', () => {
    it('when authentication failed, then no account is named but the address and namespace are', () => {
      const types = refusalEntities(unauthenticated).map((entity) => entity.type);
      expect(types).not.toContain(EntityType.account);
      expect(types).toEqual(expect.arrayContaining([EntityType.ip, EntityType.namespace]));
    });

    it('when the authorizer forbade a person, then the person is named', () => {
      const entities = refusalEntities(eventOf(auditEvent({ ...secretsList, code: 403 })));
      expect(entities).toContainEqual({ type: EntityType.account, name: 'dana@contoso.com' });
    });
  });
});
