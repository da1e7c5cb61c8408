import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Database } from '@azure/cosmos';
import { aggregateFindings, DEFAULT_AGGREGATION_WINDOW_IN_MS } from '../shared/alerts/aggregateFindings';
import { type Alert } from '../shared/alerts/alert';
import { createAlertId } from '../shared/alerts/alertId';
import { EXPORT_FORMATS, type ExportFormat, toExportRecord } from '../shared/alerts/export/exportFormat';
import { evaluateRules } from '../shared/detection/evaluateRules';
import { type Finding } from '../shared/detection/finding';
import { allRules } from '../shared/detection/rules/index';
import { deliverExportChanges, type DeliverySummary } from '../shared/export/deliverExportChanges';
import { deliverWebhook } from '../shared/export/deliverWebhook';
import { TargetCircuitBreaker } from '../shared/export/deliveryRetry';
import { ExportTargetKind, type ExportSettings, type WebhookTarget } from '../shared/export/exportTargets';
import { decodeAuditInput } from '../shared/kubernetes/decodeAuditInput';
import { alertChangedEventOf, type AlertChangedEvent } from '../shared/messaging/alertChangedEvents';
import { BEFORE_FIRST_CHANGE, queryAlertChanges, queryAlerts, upsertAlerts, type AlertChangePosition, type AlertPosition } from '../shared/store/alertStore';
import { createCosmosClient } from '../shared/store/createCosmosClient';
import { ensureDatabase } from '../shared/store/ensureDatabase';
import { getAppVersion } from '../shared/version';
import { startLocalCosmosServer } from '../local/localCosmosServer';
import { generateAuditTraffic } from './generateAuditTraffic';
import { ms, percentile, rate, seconds, summarize, table, timed, timedAsync, type Summary, type Timing } from './measurements';

/**
 * SIEM/SOAR export: what turning alerts into export records, paging them out of the store for the pull
 * export, and pushing them to a webhook cost, each against a baseline timed in the same run (interleaved
 * rounds, medians), so that a shared, noisy machine cancels out in the ratio:
 *
 * 1. formatting: `toExportRecord` + serialization per format, against `JSON.stringify(alert)`;
 * 2. pull: paging every alert with `queryAlertChanges` (the export's read) through the real SDK and the
 *    in-process Cosmos server, against paging the same alerts with `queryAlerts` (the alert list);
 * 3. push: `deliverExportChanges` to a local HTTP receiver (signed, SSRF-guarded, one connection per
 *    delivery, sequential per target), against plain `http.request` POSTs of the same bodies.
 *
 * The alerts are real: the traffic generator's events through decodeAuditInput, evaluateRules and
 * aggregateFindings. Aggregation makes far fewer alerts than there are attack events, so the distinct
 * alerts are cycled, each copy with its own id, into one subscription (one partition, as the pull export
 * reads). Targets are printed as met or not; the process does not fail on them.
 */

/** Export records at least this fraction of the speed of `JSON.stringify(alert)`, for every format. */
export const TARGET_FORMAT_RATIO = 0.25;
/** The export's read at least this fraction of the speed of the alert list, at both page sizes. */
export const TARGET_PULL_RATIO = 0.8;
/**
 * Push deliveries at least this fraction of the speed of plain POSTs that open a connection each, as every
 * delivery does (the SSRF guard connects to the address it checked): signing and formatting cost less
 * than two thirds of a plain POST's time.
 */
export const TARGET_PUSH_RATIO = 0.6;

const PAGE_SIZES = [100, 1000] as const;
/**
 * The pull pages out at most this many alerts: the in-process Cosmos server scans and sorts the whole
 * partition for every page (Azure serves the same queries from composite indexes), so paging everything
 * costs the square of the alerts there: 10,000 alerts take 30 s per pass at 100 per page.
 */
export const MAX_PULL_ALERTS = 2_000;
/** Formatting passes handle at least this many alerts (the alerts repeated), so that one pass is timeable. */
const MIN_FORMATTED_PER_PASS = 20_000;
const BENCH_SUBSCRIPTION = '00000000-0000-4000-8000-00000000be0c';
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';

export interface ExportBenchmarkOptions {
  events: number;
  rounds: number;
  seed: number;
}

/** Alerts formatted, and seeded for the pull up to {@link MAX_PULL_ALERTS}: events / 5, at least 500. */
export function exportAlertCount(events: number): number {
  return Math.max(500, Math.floor(events / 5));
}

/** Alert-changed events pushed: events / 20, at least 200. */
export function pushEventCount(events: number): number {
  return Math.max(200, Math.floor(events / 20));
}

export async function runExportBenchmark(options: ExportBenchmarkOptions, print: (line: string) => void): Promise<void> {
  const productVersion = getAppVersion();
  print(`Argus export throughput: node ${process.version}, seed ${options.seed}, ${options.rounds} rounds of each pass, interleaved; medians`);
  const buildStart = performance.now();
  const { alerts, distinct } = benchAlerts(options, exportAlertCount(options.events));
  const sizes = alerts.map((alert) => JSON.stringify(alert).length).sort((a, b) => a - b);
  print(
    `alerts: ${alerts.length} (${distinct} distinct alerts from ${options.events} generated audit events through evaluateRules and aggregateFindings, ` +
      `cycled with their own ids), alert JSON median ${(percentile(sizes, 0.5) / 1024).toFixed(1)} KB (built in ${seconds(performance.now() - buildStart)})`,
  );

  print('');
  measureFormatting(alerts, options.rounds, productVersion, print);
  print('');
  await measurePull(alerts.slice(0, MAX_PULL_ALERTS), alerts.length, options.rounds, print);
  print('');
  await measurePush(alerts.slice(0, pushEventCount(options.events)), options.rounds, productVersion, print);
}

// ---------------------------------------------------------------------------------------------------------
// The alerts

/**
 * `count` alerts of one subscription, stamped in the past (one stamp per three alerts, so that the id
 * breaks ties): the distinct alerts the engine makes of the generated traffic, cycled, each copy with an
 * id of its own.
 */
function benchAlerts(options: ExportBenchmarkOptions, count: number): { alerts: Alert[]; distinct: number } {
  const traffic = generateAuditTraffic({ events: options.events, seed: options.seed });
  const findings: Finding[] = [];
  for (const message of traffic.messages) findings.push(...evaluateRules(decodeAuditInput(message).records, { rules: allRules }).findings);
  const engineAlerts = aggregateFindings(findings, { windowInMs: DEFAULT_AGGREGATION_WINDOW_IN_MS, now: new Date('2026-11-02T12:00:00.000Z') });
  if (engineAlerts.length === 0) throw new Error(`the engine raised no alert on ${options.events} generated events: nothing to export`);
  const templates = engineAlerts.map((alert) => JSON.parse(JSON.stringify(alert).replaceAll(alert.subscriptionId, BENCH_SUBSCRIPTION)) as Alert);
  const firstStampInMs = Date.now() - 24 * 60 * 60 * 1000;
  const alerts = Array.from({ length: count }, (_, index): Alert => {
    const template = templates[index % templates.length] as Alert;
    const id = createAlertId({ ...template, dedupKey: `bench-${index}` });
    return { ...structuredClone(template), id, systemAlertId: id, lastModifiedUtc: new Date(firstStampInMs + Math.floor(index / 3) * 10).toISOString() };
  });
  return { alerts, distinct: engineAlerts.length };
}

// ---------------------------------------------------------------------------------------------------------
// 1. Formatting

/** Formats every alert `repeat` times as the pull export serializes it; returns the characters made. */
function formatPass(alerts: readonly Alert[], repeat: number, format: ExportFormat, productVersion: string): number {
  let characters = 0;
  for (let pass = 0; pass < repeat; pass++) {
    for (const alert of alerts) {
      const record = toExportRecord(format, alert, { productVersion });
      characters += (record.kind === 'json' ? JSON.stringify(record.value) : record.line).length;
    }
  }
  return characters;
}

function stringifyPass(alerts: readonly Alert[], repeat: number): number {
  let characters = 0;
  for (let pass = 0; pass < repeat; pass++) for (const alert of alerts) characters += JSON.stringify(alert).length;
  return characters;
}

function measureFormatting(alerts: readonly Alert[], rounds: number, productVersion: string, print: (line: string) => void): void {
  const repeat = Math.max(1, Math.ceil(MIN_FORMATTED_PER_PASS / alerts.length));
  const formatted = alerts.length * repeat;
  const characters = new Map<string, number>([['baseline', stringifyPass(alerts, 1)]]);
  for (const format of EXPORT_FORMATS) characters.set(format, formatPass(alerts, 1, format, productVersion)); // warm-up
  const times = new Map<string, Timing[]>();
  const record = (name: string, timing: Timing): void => void times.set(name, [...(times.get(name) ?? []), timing]);
  for (let round = 0; round < rounds; round++) {
    record('baseline', timed(() => stringifyPass(alerts, repeat)));
    for (const format of EXPORT_FORMATS) record(format, timed(() => formatPass(alerts, repeat, format, productVersion)));
  }
  const baseline = summarize(times.get('baseline') ?? []);
  const row = (name: string, key: string, summary: Summary): string[] => [
    name,
    ms(summary.wallInMs),
    `(${ms(summary.minWallInMs)}-${ms(summary.maxWallInMs)})`,
    rate(formatted, summary.wallInMs),
    rate(formatted, summary.cpuInMs),
    ((summary.wallInMs * 1000) / formatted).toFixed(1),
    `${(((characters.get(key) ?? 0) / alerts.length) / 1024).toFixed(1)} KB`,
    key === 'baseline' ? '1.00' : (baseline.wallInMs / summary.wallInMs).toFixed(2),
  ];
  const summaries = EXPORT_FORMATS.map((format) => ({ format, summary: summarize(times.get(format) ?? []) }));
  print(`formatting: ${alerts.length} alerts x ${repeat} per pass (${formatted.toLocaleString('en-US')} records), product version ${productVersion}`);
  print(table([
    ['pass', 'wall', '(min-max)', 'alerts/s', 'alerts/CPU-s', 'us/alert', 'size', 'ratio'],
    row('baseline: JSON.stringify(alert)', 'baseline', baseline),
    ...summaries.map(({ format, summary }) => row(`${format}: toExportRecord + ${format === 'cef' ? 'the line' : 'JSON.stringify(value)'}`, format, summary)),
  ]));
  print('ratio = baseline time / format time: the share of plain serialization speed each export format keeps (1.00 = formatting is free).');
  const worst = Math.min(...summaries.map(({ summary }) => baseline.wallInMs / summary.wallInMs));
  print(`target: every format ratio >= ${TARGET_FORMAT_RATIO} -> ${worst >= TARGET_FORMAT_RATIO ? 'MET' : 'NOT MET'} (lowest ${worst.toFixed(2)})`);
}

// ---------------------------------------------------------------------------------------------------------
// 2. Pull: paging through the store

interface PagingPass {
  alerts: number;
  pageTimesInMs: number[];
}

/** Every alert, oldest change first, through the pull export's read. */
async function pageChanges(database: Database, top: number): Promise<PagingPass> {
  const pass: PagingPass = { alerts: 0, pageTimesInMs: [] };
  const settledThroughUtc = new Date().toISOString();
  let after: AlertChangePosition = BEFORE_FIRST_CHANGE;
  for (;;) {
    const start = performance.now();
    const page = await queryAlertChanges(database, BENCH_SUBSCRIPTION, { after, settledThroughUtc, top });
    pass.pageTimesInMs.push(performance.now() - start);
    pass.alerts += page.alerts.length;
    if (!page.hasMore) return pass;
    after = page.next;
  }
}

/** Every alert, newest first, through the alert list's read. */
async function pageList(database: Database, top: number): Promise<PagingPass> {
  const pass: PagingPass = { alerts: 0, pageTimesInMs: [] };
  let after: AlertPosition | undefined;
  for (;;) {
    const start = performance.now();
    const page = await queryAlerts(database, BENCH_SUBSCRIPTION, {}, after === undefined ? { top } : { top, after });
    pass.pageTimesInMs.push(performance.now() - start);
    pass.alerts += page.alerts.length;
    if (page.next === undefined) return pass;
    after = page.next;
  }
}

async function measurePull(alerts: readonly Alert[], formatted: number, rounds: number, print: (line: string) => void): Promise<void> {
  const server = await startLocalCosmosServer(0);
  const client = createCosmosClient({ endpoint: server.endpoint, databaseName: 'argus-bench', allowSelfSignedCertificate: true });
  try {
    const database = await ensureDatabase(client, 'argus-bench');
    const seeding = await timedAsync(() => upsertAlerts(database, alerts));
    const capped = alerts.length < formatted ? ` (at most ${MAX_PULL_ALERTS.toLocaleString('en-US')}: the in-process server scans the partition for every page)` : '';
    print(`pull: ${alerts.length} alerts${capped} seeded into the in-process Cosmos server (real SDK, HTTPS) in ${seconds(seeding.wallInMs)}, one subscription, all settled`);

    const passes = [
      ...PAGE_SIZES.map((top) => ({ name: `baseline: queryAlerts (alert list), top ${top}`, top, run: () => pageList(database, top) })),
      ...PAGE_SIZES.map((top) => ({ name: `export: queryAlertChanges, top ${top}`, top, run: () => pageChanges(database, top) })),
    ];
    for (const pass of passes) {
      const warm = await pass.run();
      if (warm.alerts !== alerts.length) throw new Error(`${pass.name} read ${warm.alerts} alerts of ${alerts.length}`);
    }
    const times = new Map<string, Timing[]>();
    const pageTimes = new Map<string, number[]>();
    const pageCounts = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      for (const pass of passes) {
        let result: PagingPass = { alerts: 0, pageTimesInMs: [] };
        const timing = await timedAsync(async () => (result = await pass.run()));
        times.set(pass.name, [...(times.get(pass.name) ?? []), timing]);
        pageTimes.set(pass.name, [...(pageTimes.get(pass.name) ?? []), ...result.pageTimesInMs]);
        pageCounts.set(pass.name, result.pageTimesInMs.length);
      }
    }
    const summaries = new Map(passes.map((pass) => [pass.name, summarize(times.get(pass.name) ?? [])]));
    const baselineOf = (top: number): Summary => summaries.get(`baseline: queryAlerts (alert list), top ${top}`) as Summary;
    const rows = passes.map((pass) => {
      const summary = summaries.get(pass.name) as Summary;
      const sorted = [...(pageTimes.get(pass.name) ?? [])].sort((a, b) => a - b);
      return [
        pass.name,
        String(pageCounts.get(pass.name) ?? 0),
        ms(summary.wallInMs),
        `(${ms(summary.minWallInMs)}-${ms(summary.maxWallInMs)})`,
        rate(alerts.length, summary.wallInMs),
        ms(summary.cpuInMs),
        ms(percentile(sorted, 0.5), 1),
        ms(percentile(sorted, 0.99), 1),
        pass.name.startsWith('baseline') ? '1.00' : (baselineOf(pass.top).wallInMs / summary.wallInMs).toFixed(2),
      ];
    });
    print(table([['pass', 'pages', 'wall', '(min-max)', 'alerts/s', 'CPU', 'page p50', 'page p99', 'ratio'], ...rows]));
    print('ratio = alert list time / export time at the same page size: how fast the export pages out every alert compared with the alert list (1.00 = as fast).');
    print('CPU includes the in-process Cosmos server, which runs in this process.');
    const worst = Math.min(...PAGE_SIZES.map((top) => baselineOf(top).wallInMs / (summaries.get(`export: queryAlertChanges, top ${top}`) as Summary).wallInMs));
    print(`target: export ratio >= ${TARGET_PULL_RATIO} at both page sizes -> ${worst >= TARGET_PULL_RATIO ? 'MET' : 'NOT MET'} (lowest ${worst.toFixed(2)})`);
  } finally {
    client.dispose();
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// 3. Push: webhook deliveries

interface Receiver {
  url: string;
  port: number;
  /** Bodies received since the last `take()`, in order. */
  take(): string[];
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1: reads the body, answers 200 with no body. */
async function startReceiver(): Promise<Receiver> {
  let bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-length': 0 }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    take: () => {
      const taken = bodies;
      bodies = [];
      return taken;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Plain POSTs, one after the other: no formatting, no signature, no address check. */
async function postPlain(port: number, bodies: readonly string[], keepAlive: boolean): Promise<number> {
  let delivered = 0;
  for (const body of bodies) {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, ...(keepAlive ? {} : { agent: false }) },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    if (status === 200) delivered++;
  }
  return delivered;
}

async function measurePush(alerts: readonly Alert[], rounds: number, productVersion: string, print: (line: string) => void): Promise<void> {
  const receiver = await startReceiver();
  try {
    const target: WebhookTarget = {
      kind: ExportTargetKind.webhook,
      name: 'bench-receiver',
      enabled: true,
      format: 'json',
      url: receiver.url,
      secret: WEBHOOK_SECRET,
      secretCreatedAtUtc: '2026-11-01T00:00:00.000Z',
    };
    const settings: ExportSettings = {
      id: BENCH_SUBSCRIPTION,
      subscriptionId: BENCH_SUBSCRIPTION,
      targets: [target],
      updatedAtUtc: '2026-11-01T00:00:00.000Z',
      updatedBy: { principalId: 'bench', principalName: 'bench' },
    };
    const breaker = new TargetCircuitBreaker();
    const userAgent = `Argus/${productVersion} (bench)`;
    const events: AlertChangedEvent[] = alerts.map(alertChangedEventOf);
    const deliver = (): Promise<DeliverySummary> =>
      deliverExportChanges(events, {
        exportSettingsOf: () => Promise.resolve(settings),
        eventHubSender: () => {
          throw new Error('the benchmark has no Event Hub target');
        },
        webhookSecretOf: () => Promise.resolve(WEBHOOK_SECRET),
        postWebhook: (request) => deliverWebhook(request, { local: true, userAgent }),
        retry: {},
        breakerOf: () => breaker,
        writeDeadLetters: () => Promise.resolve(),
        productVersion,
        now: () => new Date(),
      });

    // Warm-up, and the bodies the push sends: the baselines POST exactly these.
    const warm = await deliver();
    const bodies = receiver.take();
    if (warm.delivered !== events.length || bodies.length !== events.length) {
      print(`push: WARNING: the warm-up delivered ${warm.delivered} of ${events.length} (${warm.deadLettered} dead-lettered, receiver saw ${bodies.length}); the figures below are not comparable`);
    }
    await postPlain(receiver.port, bodies, true);
    await postPlain(receiver.port, bodies, false);
    receiver.take();

    const passes = [
      { name: 'baseline: http.request POST, keep-alive agent', run: () => postPlain(receiver.port, bodies, true) },
      { name: 'baseline: http.request POST, new connection', run: () => postPlain(receiver.port, bodies, false) },
      { name: 'push: deliverExportChanges (json webhook)', run: async () => (await deliver()).delivered },
    ];
    const times = new Map<string, Timing[]>();
    const failures = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      for (const pass of passes) {
        let delivered = 0;
        times.set(pass.name, [...(times.get(pass.name) ?? []), await timedAsync(async () => (delivered = await pass.run()))]);
        failures.set(pass.name, (failures.get(pass.name) ?? 0) + (events.length - delivered));
        receiver.take();
      }
    }
    const summaries = passes.map((pass) => ({ name: pass.name, summary: summarize(times.get(pass.name) ?? []) }));
    const newConnection = summaries[1]?.summary as Summary;
    const keepAlive = summaries[0]?.summary as Summary;
    const meanBody = bodies.reduce((sum, body) => sum + body.length, 0) / Math.max(1, bodies.length);
    print(`push: ${events.length} alert-changed events to one json webhook target (${receiver.url}), sequential, bodies ${(meanBody / 1024).toFixed(1)} KB on average`);
    print(table([
      ['pass', 'wall', '(min-max)', 'deliveries/s', 'ms/delivery', 'CPU', 'failed', 'ratio', 'vs new conn.'],
      ...summaries.map(({ name, summary }) => [
        name,
        ms(summary.wallInMs),
        `(${ms(summary.minWallInMs)}-${ms(summary.maxWallInMs)})`,
        rate(events.length, summary.wallInMs),
        (summary.wallInMs / events.length).toFixed(2),
        ms(summary.cpuInMs),
        String(failures.get(name) ?? 0),
        (keepAlive.wallInMs / summary.wallInMs).toFixed(2),
        (newConnection.wallInMs / summary.wallInMs).toFixed(2),
      ]),
    ]));
    const push = summaries[2]?.summary as Summary;
    print(
      'ratio = plain POST time (default agent, keep-alive) / pass time: the share of plain HTTP speed a signed, formatted, SSRF-guarded delivery keeps; ' +
        '"vs new conn." compares with plain POSTs that open a connection each, as every delivery does, leaving signing and formatting.',
    );
    print(
      `per delivery over the plain POST on a new connection: +${(((push.wallInMs - newConnection.wallInMs) * 1000) / events.length).toFixed(0)} us wall, ` +
        `+${(((push.cpuInMs - newConnection.cpuInMs) * 1000) / events.length).toFixed(0)} us CPU (both ends of the connection run in this process)`,
    );
    const ratio = newConnection.wallInMs / push.wallInMs;
    print(`target: push vs new conn. >= ${TARGET_PUSH_RATIO} -> ${ratio >= TARGET_PUSH_RATIO ? 'MET' : 'NOT MET'} (${ratio.toFixed(2)}; vs keep-alive ${(keepAlive.wallInMs / push.wallInMs).toFixed(2)})`);
  } finally {
    await receiver.close();
  }
}
