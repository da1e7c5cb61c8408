import { type AuditEvent, SKIPPED_TOO_BIG_OBJECT } from '../../../shared/kubernetes/auditEvent';
import { jsonPatchToPartialObject } from '../../../shared/kubernetes/patchDocuments';
import { normalizeAuditEvent } from '../../../shared/kubernetes/normalizeAuditEvent';
import { podSpecOf, workloadContainers, writtenObject } from '../../../shared/kubernetes/workloads';
import { auditEvent, container, cronJobObject, podObject, workloadObject } from '../../../shared/detection/exampleEvents';

function normalized(raw: Record<string, unknown>): AuditEvent {
  const result = normalizeAuditEvent(raw);
  if (!result.ok) throw new Error(result.detail);
  return result.event;
}

describe('jsonPatchToPartialObject', () => {
  it('when add and replace operations are applied, then the partial object has their values at their paths', () => {
    expect(
      jsonPatchToPartialObject([
        { op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: { privileged: true } },
        { op: 'replace', path: '/metadata/annotations/a~1b', value: 'x' },
        { op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'host', hostPath: { path: '/' } } },
        { op: 'remove', path: '/spec/replicas' },
        { op: 'test', path: '/spec/paused', value: false },
      ]),
    ).toEqual({
      spec: { template: { spec: { containers: [{ securityContext: { privileged: true } }], volumes: [{ name: 'host', hostPath: { path: '/' } }] } } },
      metadata: { annotations: { 'a/b': 'x' } },
    });
  });

  it('when a path tries to reach the prototype or a huge index, then it is ignored', () => {
    const result = jsonPatchToPartialObject([
      { op: 'add', path: '/__proto__/polluted', value: true },
      { op: 'add', path: '/spec/containers/99999999', value: {} },
      { op: 'add', path: 'not-a-pointer', value: 1 },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result).toEqual({ spec: { containers: [] } });
  });
});

describe('workloadContainers', () => {
  const privileged = container({ name: 'p', securityContext: { privileged: true } });

  it.each([
    ['pods', podObject({ containers: [privileged], initContainers: [container({ name: 'i' })], ephemeralContainers: [container({ name: 'e' })] })],
    ['deployments', workloadObject('deployments', { containers: [privileged], initContainers: [container({ name: 'i' })], ephemeralContainers: [container({ name: 'e' })] })],
    ['daemonsets', workloadObject('daemonsets', { containers: [privileged], initContainers: [container({ name: 'i' })], ephemeralContainers: [container({ name: 'e' })] })],
    ['statefulsets', workloadObject('statefulsets', { containers: [privileged], initContainers: [container({ name: 'i' })], ephemeralContainers: [container({ name: 'e' })] })],
    ['replicasets', workloadObject('replicasets', { containers: [privileged], initContainers: [container({ name: 'i' })], ephemeralContainers: [container({ name: 'e' })] })],
    ['jobs', workloadObject('jobs', { containers: [privileged], initContainers: [container({ name: 'i' })], ephemeralContainers: [container({ name: 'e' })] })],
    ['cronjobs', cronJobObject({ containers: [privileged], initContainers: [container({ name: 'i' })], ephemeralContainers: [container({ name: 'e' })] })],
  ])('when %s are created, then containers, init and ephemeral containers of the pod spec are all seen', (resource, body) => {
    const event = normalized(auditEvent({ verb: 'create', resource, namespace: 'shop', requestObject: body }));
    expect(workloadContainers(event).map((c) => [c.kind, c.name])).toEqual([
      ['container', 'p'],
      ['initContainer', 'i'],
      ['ephemeralContainer', 'e'],
    ]);
  });

  it('when the request body was too big, then the returned object is read instead', () => {
    const event = normalized(
      auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop', requestObject: SKIPPED_TOO_BIG_OBJECT, responseObject: podObject({ containers: [privileged] }) }),
    );
    expect(workloadContainers(event).map((c) => c.name)).toEqual(['p']);
  });

  it('when both bodies are missing or the response is a Status, then there is no object and no container', () => {
    const event = normalized(auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop', responseObject: { kind: 'Status', code: 409 } }));
    expect(writtenObject(event)).toBeUndefined();
    expect(workloadContainers(event)).toEqual([]);
  });

  it('when a status subresource is written, then it is not read as a pod spec', () => {
    const event = normalized(auditEvent({ verb: 'update', resource: 'pods', subresource: 'status', namespace: 'shop', name: 'web', requestObject: podObject({ containers: [privileged] }) }));
    expect(podSpecOf(event)).toBeUndefined();
  });

  it('when ephemeral containers are added through their subresource, then they are seen', () => {
    const event = normalized(
      auditEvent({
        verb: 'patch',
        resource: 'pods',
        subresource: 'ephemeralcontainers',
        namespace: 'shop',
        name: 'web',
        requestObject: { spec: { ephemeralContainers: [container({ name: 'debugger-x7', image: 'busybox' })] } },
      }),
    );
    expect(workloadContainers(event).map((c) => [c.kind, c.image])).toEqual([['ephemeralContainer', 'busybox']]);
  });

  it('when the body is odd (a string, an array of non-operations, numbers in place of lists), then nothing throws', () => {
    for (const body of ['hello', [1, 2], { spec: { containers: 5 } }, { spec: { template: null } }, null]) {
      const event = normalized(auditEvent({ verb: 'create', resource: 'deployments', namespace: 'shop', requestObject: body }));
      expect(workloadContainers(event)).toEqual([]);
    }
  });
});
