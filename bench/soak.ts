import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deliverAlertExportsFunction } from '../functions/deliverAlertExports';
import { ingestAuditEventsFunction } from '../functions/ingestAuditEvents';
import { ingestNodeEventsFunction } from '../functions/ingestNodeEvents';
import { startLocalRuntime } from '../local/localRuntime';
import { alertIdentityOf } from '../shared/alerts/aggregateFindings';
import { createDetectionContext } from '../shared/detection/detectionContext';
import { type DetectionRecord } from '../shared/detection/detectionRecord';
import { evaluateRules } from '../shared/detection/evaluateRules';
import { allRules } from '../shared/detection/rules/index';
import { defineEventHubFunction } from '../shared/functions/defineFunction';
import { decodeAuditInput } from '../shared/kubernetes/decodeAuditInput';
import { decodeNodeInput } from '../shared/node/decodeNodeInput';
import { getServices } from '../shared/services';
import { createCosmosClient } from '../shared/store/createCosmosClient';
import { changePlan, upsertPlan } from '../shared/store/planStore';
import { ATTACK_SCENARIOS, generateAuditTraffic } from './generateAuditTraffic';
import { generateNodeTraffic } from './generateNodeTraffic';
import { percentile } from './measurements';
import { startBenchStore } from './storeProcess';

/**
 * `npm run soak -- --minutes N`: sustained traffic through the local runtime (the ingestion functions and the push
 * export's consumer, with their durable hubs; the store in a process of its own, as Cosmos DB is not the Functions
 * host's memory): every second, AKS audit messages and Tetragon/Falco NDJSON of six clusters in six subscriptions, 1%
 * attacks, posted to the local hubs over HTTP. Every new event time falls on a new day, so that windows never mix seconds.
 *
 * Checks at the end (exit 1 when one fails): every alert the stateless rules must raise for the injected events is stored
 * exactly once with the count of its occurrences (the oracle: the same decoders and rules run over the same messages
 * here), no stateless alert exists that the oracle did not expect, and no valid event was dead-lettered (only the sampled
 * klog records are). Prints: heap after a forced GC every 10 s and its least-squares slope (MB per minute, over all
 * samples and over the second half), and p50/p99 post-to-alert latency (POST accepted to the first alert-changed event
 * of the alert on the alert-events hub, which is published after the alert's write).
 */

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    'audit-rate': { type: 'string', default: '100' },
    'node-rate': { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
  },
});
const MINUTES = Number(values.minutes);
const AUDIT_RATE = Number(values['audit-rate']);
const NODE_RATE = Number(values['node-rate']);
const SEED = Number(values.seed);
const NEVER = '0 0 0 1 1 *';
const SUBSCRIPTIONS = Array.from({ length: 6 }, (_, i) => `50a50000-0000-4000-8000-00000000000${i + 1}`);
const CLUSTERS = ['AKS-SHOP-PROD', 'AKS-SHOP-STAGING', 'AKS-DATA-PROD'];
const BASE_DAY = Date.parse('2021-01-01T00:00:00Z');
const DAY_IN_MS = 86_400_000;

interface Expected {
  count: number;
  /** When the POST with its first occurrence was accepted. */
  postedAtMs: number;
}

async function main(): Promise<void> {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc (npm run soak does)');
  const gc = global.gc;
  const store = await startBenchStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-soak-'));
  const firstSeen = new Map<string, number>();
  const probe = defineEventHubFunction('soakAlertProbe', {
    eventHubName: '%ALERT_EVENTS_EVENTHUB_NAME%',
    consumerGroup: 'soak-probe',
    connection: 'EVENTHUB',
    cardinality: 'many',
    handler: (events) => {
      const now = performance.now();
      for (const event of events as { alertId?: string }[]) if (event.alertId !== undefined && !firstSeen.has(event.alertId)) firstSeen.set(event.alertId, now);
      return Promise.resolve();
    },
  });
  const runtime = await startLocalRuntime({
    settings: {
      PORT: '0',
      ARGUS_LOCAL_DATA_DIR: dataDir,
      COSMOS__accountEndpoint: store.endpoint,
      SIMULATION_SCHEDULE: NEVER,
      ASSESSMENT_SCHEDULE: NEVER,
      INCIDENT_SCHEDULE: NEVER,
      THREAT_INTEL_FEED_SCHEDULE: NEVER,
    },
    logger: { log: () => undefined },
    definitions: [ingestAuditEventsFunction, ingestNodeEventsFunction, deliverAlertExportsFunction, probe],
  });
  const database = getServices().database;
  for (const subscriptionId of SUBSCRIPTIONS) {
    const by = { principalId: 'soak', principalName: 'npm run soak' };
    await upsertPlan(database, changePlan(subscriptionId, undefined, { enabled: true, by, now: new Date('2020-01-01T00:00:00Z') }));
  }

  const windowInMs = runtime.config.ingestion.aggregationWindowInMs;
  const context = createDetectionContext(runtime.config.detection.lists);
  const expected = new Map<string, Expected>();
  const heap: { minute: number; mb: number }[] = [];
  const post = async (hub: string, bodies: string[]): Promise<number> => {
    const response = await fetch(`${runtime.url}/api/local/eventhubs/${hub}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodies) });
    if (response.status !== 202) throw new Error(`POST to ${hub}: ${response.status}`);
    return performance.now();
  };
  const expect = (records: readonly DetectionRecord[], postedAtMs: number): number => {
    const { findings } = evaluateRules(records, { rules: allRules, context });
    for (const finding of findings) {
      const { id } = alertIdentityOf(finding, windowInMs);
      const entry = expected.get(id);
      if (entry === undefined) expected.set(id, { count: 1, postedAtMs });
      else entry.count++;
    }
    return findings.length;
  };

  const started = performance.now();
  const endAt = started + MINUTES * 60_000;
  let second = 0;
  let auditEvents = 0;
  let nodeEvents = 0;
  let attacks = 0;
  let lastHeapAt = -Infinity;
  process.stdout.write(`soak: ${MINUTES} min, ${AUDIT_RATE} audit + ${NODE_RATE} node events/s, 1% attacks, ${SUBSCRIPTIONS.length} subscriptions\n`);
  while (performance.now() < endAt) {
    const tickStart = performance.now();
    const day = new Date(BASE_DAY + second * DAY_IN_MS).toISOString().slice(0, 11);
    const offset = second % 2 === 0 ? 0 : 3;
    const audit = generateAuditTraffic({ events: AUDIT_RATE, seed: SEED * 1_000_003 + second, attackShare: 0.01 });
    const auditBodies = audit.messages.map((message) =>
      message
        .replaceAll('2026-11-02T', day)
        .replace(/\/SUBSCRIPTIONS\/[0-9A-F-]{36}\/(RESOURCEGROUPS\/[^/]+\/PROVIDERS\/MICROSOFT\.CONTAINERSERVICE\/MANAGEDCLUSTERS\/)([A-Z0-9-]+)/g, (_m, middle: string, cluster: string) => {
          return `/SUBSCRIPTIONS/${(SUBSCRIPTIONS[CLUSTERS.indexOf(cluster) + offset] ?? SUBSCRIPTIONS[0] ?? '').toUpperCase()}/${middle}${cluster}`;
        }),
    );
    const node = generateNodeTraffic({ events: NODE_RATE, seed: SEED * 1_000_003 + second, attackShare: 0.01, linesPerMessage: { min: 20, max: 40 } });
    const nodeResourceId = `/SUBSCRIPTIONS/${(SUBSCRIPTIONS[(second % SUBSCRIPTIONS.length)] ?? '').toUpperCase()}/RESOURCEGROUPS/RG-NODES/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-NODES`;
    const nodeBodies = node.messages.map((message) =>
      message
        .replaceAll('2026-03-10T', day)
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.stringify({ ...(JSON.parse(line) as Record<string, unknown>), cluster_resource_id: nodeResourceId }))
        .join('\n'),
    );
    const auditPostedAt = await post('insights-logs-kube-audit', auditBodies);
    const nodePostedAt = await post('node-events', nodeBodies);
    attacks += [...audit.scenarioByAuditId.values()].filter((s) => ATTACK_SCENARIOS.has(s)).length + node.scenarioByEventId.size;
    auditEvents += audit.events;
    nodeEvents += node.events;
    expect(auditBodies.flatMap((body) => decodeAuditInput(body).records), auditPostedAt);
    expect(nodeBodies.flatMap((body) => decodeNodeInput(body).records), nodePostedAt);
    second++;
    if (performance.now() - lastHeapAt >= 10_000) {
      gc();
      lastHeapAt = performance.now();
      heap.push({ minute: (lastHeapAt - started) / 60_000, mb: process.memoryUsage().heapUsed / 1024 / 1024 });
    }
    const wait = 1_000 - (performance.now() - tickStart);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const postedFor = (performance.now() - started) / 1000;
  await runtime.eventHubs.whenIdle();
  const drainedAfter = (performance.now() - started) / 1000 - postedFor;

  // The checks, against the store.
  const reader = createCosmosClient({ endpoint: store.endpoint, databaseName: runtime.config.cosmos.databaseName, allowSelfSignedCertificate: true });
  const db = reader.database(runtime.config.cosmos.databaseName);
  const { resources: alerts } = await db.container('alerts').items.readAll<{ id: string; ruleId: string; alertType: string; count: number }>().fetchAll();
  const { resources: deadLetters } = await db.container('deadLetters').items.readAll<{ reason: string }>().fetchAll();
  const statefulRuleIds = new Set(allRules.filter((rule) => rule.stateful !== undefined).map((rule) => rule.id));
  const stored = new Map(alerts.map((alert) => [alert.id, alert]));
  const wrongCounts = [...expected].filter(([id, entry]) => stored.get(id)?.count !== entry.count);
  const unexpected = alerts.filter((alert) => !expected.has(alert.id));
  const unexpectedStateless = unexpected.filter((alert) => !statefulRuleIds.has(alert.ruleId));
  const badDeadLetters = deadLetters.filter((letter) => letter.reason !== 'otherCategory');
  const latencies = [...expected]
    .map(([id, entry]) => (firstSeen.get(id) ?? Number.NaN) - entry.postedAtMs)
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);

  const slope = (samples: readonly { minute: number; mb: number }[]): number => {
    const n = samples.length;
    if (n < 2) return Number.NaN;
    const mx = samples.reduce((s, p) => s + p.minute, 0) / n;
    const my = samples.reduce((s, p) => s + p.mb, 0) / n;
    const sxy = samples.reduce((s, p) => s + (p.minute - mx) * (p.mb - my), 0);
    const sxx = samples.reduce((s, p) => s + (p.minute - mx) ** 2, 0);
    return sxy / sxx;
  };
  const lines = [
    `posted for ${postedFor.toFixed(0)} s (${second} ticks), drained ${drainedAfter.toFixed(1)} s after the last post`,
    `events: ${auditEvents} audit + ${nodeEvents} node = ${auditEvents + nodeEvents}; attack events injected: ${attacks}`,
    `alerts expected (stateless rules): ${expected.size}, stored: ${alerts.length} (stateful: ${unexpected.length - unexpectedStateless.length}); wrong count or missing: ${wrongCounts.length}; unexpected stateless: ${unexpectedStateless.length}`,
    `dead letters: ${deadLetters.length} (sampled klog: ${deadLetters.length - badDeadLetters.length}, valid events dead-lettered: ${badDeadLetters.length})`,
    `heap after GC: ${heap.map((s) => s.mb.toFixed(1)).join(' ')} MB`,
    `heap slope: ${slope(heap).toFixed(2)} MB/min over all ${heap.length} samples, ${slope(heap.slice(Math.floor(heap.length / 2))).toFixed(2)} MB/min over the second half`,
    `post-to-alert latency over ${latencies.length} alerts: p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms, max ${(latencies[latencies.length - 1] ?? Number.NaN).toFixed(0)} ms`,
  ];
  process.stdout.write(`${lines.map((line) => `soak: ${line}`).join('\n')}\n`);
  for (const [id, entry] of wrongCounts.slice(0, 5)) process.stdout.write(`soak: FAIL alert ${id}: expected count ${entry.count}, stored ${stored.get(id)?.count ?? 'none'}\n`);
  for (const alert of unexpectedStateless.slice(0, 5)) process.stdout.write(`soak: FAIL unexpected alert ${alert.id} (${alert.alertType})\n`);

  reader.dispose();
  await runtime.stop();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  const passed = wrongCounts.length === 0 && unexpectedStateless.length === 0 && badDeadLetters.length === 0 && expected.size > 0;
  process.stdout.write(`soak: ${passed ? 'PASS' : 'FAIL'}\n`);
  process.exitCode = passed ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
