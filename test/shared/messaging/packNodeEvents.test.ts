import { defaultClusterIdentity } from '../../../shared/clusters/clusterRegistration';
import { MAX_MESSAGE_BODY_IN_BYTES } from '../../../shared/messaging/packDiagnosticRecords';
import { packNodeEvents } from '../../../shared/messaging/packNodeEvents';
import { CLUSTER_RESOURCE_ID_KEY } from '../../../shared/node/nodeClusterIdentity';
import { falcoAlertEvent, processExecEvent, tcpConnectEvent } from '../../../shared/node/exampleNodeEvents';

const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
const CLUSTER = defaultClusterIdentity(SUB, 'kind-dev').resourceId;
const OTHER_CLUSTER = defaultClusterIdentity(SUB, 'someone-else').resourceId;

/** `n` distinct events: process starts, connections and Falco alerts. */
function events(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 3 === 0) return processExecEvent({ binary: '/usr/bin/curl', arguments: `-s http://10.0.0.${i % 250}/`, pid: 1000 + i });
    if (i % 3 === 1) return tcpConnectEvent({ daddr: `10.0.1.${i % 250}`, dport: 443 });
    return falcoAlertEvent({ rule: 'Terminal shell in container', outputFields: { 'proc.pid': 2000 + i } });
  });
}

const linesOf = (messages: readonly string[]) => messages.flatMap((message) => message.split('\n')).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('packNodeEvents', () => {
  it('when events are packed, then the message is NDJSON of the events, in order, each tagged with the cluster', () => {
    const input = events(30);
    const packed = packNodeEvents(input, { resourceId: CLUSTER });

    expect(packed).toMatchObject({ accepted: 30, tooLarge: 0 });
    expect(packed.messages).toHaveLength(1);
    expect(packed.messages[0]!.split('\n')).toHaveLength(30);
    expect(linesOf(packed.messages)).toEqual(input.map((event) => ({ ...event, [CLUSTER_RESOURCE_ID_KEY]: CLUSTER })));
    expect(CLUSTER_RESOURCE_ID_KEY).toBe('cluster_resource_id');
  });

  it('when an event claims another cluster, then the claim is overwritten with the cluster that sent it', () => {
    const claiming = { ...processExecEvent({ binary: '/bin/sh' }), cluster_resource_id: OTHER_CLUSTER };
    const packed = packNodeEvents([claiming], { resourceId: CLUSTER });
    expect(linesOf(packed.messages).map((event) => event['cluster_resource_id'])).toEqual([CLUSTER]);
    expect(packed.messages.join('\n')).not.toContain('someone-else');
  });

  it('when the events are packed, then the input events are left as they were', () => {
    const input = events(2);
    const copy = structuredClone(input);
    packNodeEvents(input, { resourceId: CLUSTER });
    expect(input).toEqual(copy);
  });

  it('when the events exceed one message, then they are split into messages each within the limit, none lost', () => {
    const input = events(60);
    const limit = 8 * 1024;
    const packed = packNodeEvents(input, { resourceId: CLUSTER, maxMessageBodyInBytes: limit });

    expect(packed).toMatchObject({ accepted: 60, tooLarge: 0 });
    expect(packed.messages.length).toBeGreaterThan(2);
    for (const message of packed.messages) expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(limit);
    expect(linesOf(packed.messages)).toEqual(input.map((event) => ({ ...event, [CLUSTER_RESOURCE_ID_KEY]: CLUSTER })));
  });

  it('when events fill a message to the byte, then the limit is met exactly and not exceeded', () => {
    const line = (filler: string) => JSON.stringify({ a: filler, [CLUSTER_RESOURCE_ID_KEY]: CLUSTER });
    const oneLine = Buffer.byteLength(line('x'), 'utf8');
    // Two events fill a message of 2 lines + 1 newline exactly; a third goes to the next message.
    const packed = packNodeEvents([{ a: 'x' }, { a: 'y' }, { a: 'z' }], { resourceId: CLUSTER, maxMessageBodyInBytes: 2 * oneLine + 1 });
    expect(packed.messages.map((message) => Buffer.byteLength(message, 'utf8'))).toEqual([2 * oneLine + 1, oneLine]);
  });

  it('when one event alone is larger than a message, then it is counted too large and the others are forwarded', () => {
    const huge = { ...processExecEvent({ binary: '/bin/bash' }), padding: 'x'.repeat(MAX_MESSAGE_BODY_IN_BYTES) };
    const small = processExecEvent({ binary: '/usr/bin/id' });
    const packed = packNodeEvents([small, huge, small], { resourceId: CLUSTER });

    expect(packed).toMatchObject({ accepted: 2, tooLarge: 1 });
    expect(packed.messages.every((message) => Buffer.byteLength(message, 'utf8') <= MAX_MESSAGE_BODY_IN_BYTES)).toBe(true);
    expect(packed.messages.join('\n')).not.toContain('xxxxxxxx');
  });

  it('when there are no events, then there is no message', () => {
    expect(packNodeEvents([], { resourceId: CLUSTER })).toEqual({ messages: [], accepted: 0, tooLarge: 0 });
  });

  it('when events hold non-ASCII text, then the limit is counted in UTF-8 bytes', () => {
    const wide = { note: 'é'.repeat(400) }; // 800 bytes of text in 400 characters
    const limit = 1000;
    const packed = packNodeEvents([wide, wide], { resourceId: CLUSTER, maxMessageBodyInBytes: limit });
    expect(packed.messages).toHaveLength(2);
    for (const message of packed.messages) expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(limit);
  });
});
