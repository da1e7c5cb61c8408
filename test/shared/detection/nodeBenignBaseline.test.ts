import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { evidenceIdOf } from '../../../shared/detection/detectionRecord';
import { evaluateRules, type EvaluationResult } from '../../../shared/detection/evaluateRules';
import { type Finding } from '../../../shared/detection/finding';
import { allRules } from '../../../shared/detection/rules/index';
import { type ClusterIdentity } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { decodeNodeInput, type DecodedNodeInput } from '../../../shared/node/decodeNodeInput';
import { type NodeEvent, NodeEventType, type NodeHookArgument, type NodeRecord } from '../../../shared/node/nodeEvent';

/**
 * The benign node baseline (Sigma-style, like the audit one): every rule runs over the Tetragon exports of healthy
 * AKS nodes, and any alert fails the test unless it is listed, with a reason, in knownFalsePositives.json. The
 * fixtures and how they were made are described in test/fixtures/node-benign/README.md.
 */

const fixturesDirectory = path.join(__dirname, '../../fixtures/node-benign');

interface NodeBenignFixture {
  file: string;
  /** Tetragon's export carries no cluster: the caller names it, as the ingestion endpoint and `argus scan` do. */
  cluster: ClusterIdentity;
  node: string;
  expectedEvents: number;
}

const cluster = (resourceId: string): ClusterIdentity => parseClusterResourceId(resourceId) as ClusterIdentity;

const fixtures: readonly NodeBenignFixture[] = [
  {
    file: 'aks-shop-prod-vmss000000.tetragon.ndjson',
    cluster: cluster('/subscriptions/9f3a2c71-4e5b-4d8a-b6c2-7e1f0a9d3b45/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod'),
    node: 'aks-nodepool1-12345678-vmss000000',
    expectedEvents: 1174,
  },
  {
    file: 'aks-payments-vmss00000a.tetragon.ndjson',
    cluster: cluster('/subscriptions/9f3a2c71-4e5b-4d8a-b6c2-7e1f0a9d3b45/resourceGroups/rg-payments-prod/providers/Microsoft.ContainerService/managedClusters/aks-payments'),
    node: 'aks-userpool-27182818-vmss00000a',
    expectedEvents: 525,
  },
];

/** The kernel hooks the baseline's tracing policies report, by what they show. */
const expectedHooks = {
  network: ['tcp_connect'],
  files: ['security_file_permission', 'fd_install'],
  namespaces: ['__x64_sys_setns'],
  credentials: ['commit_creds'],
  modules: ['security_kernel_module_request', 'do_init_module'],
  tracepoints: ['syscalls/sys_enter_memfd_create'],
  lsm: ['file_open'],
} as const;

const knownFalsePositiveSchema = z.array(
  z.strictObject({
    ruleId: z.string().min(1),
    eventId: z.string().min(1),
    reason: z.string().trim().min(20, 'say why this benign event alerts and why that is accepted'),
  }),
);
type KnownFalsePositive = z.infer<typeof knownFalsePositiveSchema>[number];

interface BaselineRun {
  fixture: NodeBenignFixture;
  lines: number;
  decoded: DecodedNodeInput;
  evaluation: EvaluationResult;
}

function runBaseline(fixture: NodeBenignFixture): BaselineRun {
  const text = readFileSync(path.join(fixturesDirectory, fixture.file), 'utf8');
  const decoded = decodeNodeInput(text, { cluster: fixture.cluster });
  return { fixture, lines: text.split('\n').filter((line) => line.trim() !== '').length, decoded, evaluation: evaluateRules(decoded.records, { rules: allRules }) };
}

function readKnownFalsePositives(): unknown {
  return JSON.parse(readFileSync(path.join(fixturesDirectory, 'knownFalsePositives.json'), 'utf8')) as unknown;
}

const findingKey = (ruleId: string, eventId: string): string => `${ruleId}|${eventId}`;

function describeArgument(argument: NodeHookArgument): string {
  if (argument.file !== undefined) return argument.file.path;
  if (argument.socket !== undefined) return `${argument.socket.daddr ?? '?'}:${argument.socket.dport ?? '?'}`;
  if (argument.module !== undefined) return `module ${argument.module.name}`;
  if (argument.credentials !== undefined) return `uid ${argument.credentials.uid ?? '?'}`;
  return String(argument.string ?? argument.int ?? '');
}

/** One line an engineer can act on: which rule, which event, where, which process (and parent), which hook. */
function describeFinding(file: string, finding: Finding): string {
  const { event } = finding.record as NodeRecord;
  const where = event.process.pod === undefined ? `host ${event.nodeName}` : `pod ${event.process.pod.namespace}/${event.process.pod.name}`;
  const command = `${event.process.binary} ${event.process.arguments}`.trim().slice(0, 160);
  const hook = event.hook === undefined ? '' : ` hook=${event.hook.functionName}(${event.hook.args.map(describeArgument).join(', ')})`;
  return `${finding.rule.id} (${finding.alertType}) eventId=${event.id} ${event.type} ${where} process="${command}" parent=${event.parent?.binary ?? '-'}${hook} [${file}]`;
}

const isHookEvent = (event: NodeEvent): boolean =>
  event.type === NodeEventType.processKprobe || event.type === NodeEventType.processTracepoint || event.type === NodeEventType.processLsm;

describe('node benign baseline', () => {
  let runs: BaselineRun[];

  beforeAll(() => {
    runs = fixtures.map(runBaseline);
  });

  const runOf = (file: string): BaselineRun => {
    const run = runs.find((candidate) => candidate.fixture.file === file);
    if (run === undefined) throw new Error(`no run for ${file}`);
    return run;
  };

  it.each(fixtures.map((fixture) => [fixture.file] as const))('when %s is decoded with its cluster, then every line is a record of that node and nothing is skipped', (file) => {
    const { fixture, lines, decoded } = runOf(file);
    expect(decoded.skipped.map((skip) => `${skip.reason}: ${skip.detail}`)).toEqual([]);
    expect(decoded.records.length).toBe(lines);
    expect(decoded.records.length).toBe(fixture.expectedEvents);
    expect(new Set(decoded.records.map((record) => record.event.nodeName))).toEqual(new Set([fixture.node]));
    expect(new Set(decoded.records.map((record) => record.cluster.clusterName))).toEqual(new Set([fixture.cluster.clusterName]));
  });

  it('when the fixtures are counted, then the baseline holds over a thousand node events, each with its own id', () => {
    const ids = runs.flatMap((run) => run.decoded.records.map((record) => record.event.id));
    expect(ids.length).toBeGreaterThanOrEqual(1_000);
    expect(new Set(ids).size).toBe(ids.length);
    expect(runs.reduce((sum, run) => sum + run.evaluation.stats.duplicateEvents, 0)).toBe(0);
  });

  it('when the events are sorted by kind, then every event type the node rules read is there, from host and pod processes alike', () => {
    const events = runs.flatMap((run) => run.decoded.records.map((record) => record.event));
    const readByRules = new Set(
      allRules.flatMap((rule) => (rule.source === 'node' ? (rule.eventTypes ?? [NodeEventType.processExec, NodeEventType.processKprobe]) : [])),
    );
    // Falco alerts are the sensor's verdicts (none on a quiet node), and the book-era network events are not exported by Tetragon today.
    const notInTetragonExports = new Set<string>([NodeEventType.falcoAlert, NodeEventType.processConnect, NodeEventType.processClose, NodeEventType.processListen]);
    const present = new Set(events.map((event) => event.type));
    expect([...readByRules].filter((type) => !notInTetragonExports.has(type) && !present.has(type))).toEqual([]);
    for (const type of [NodeEventType.processExec, NodeEventType.processExit, NodeEventType.processKprobe, NodeEventType.processTracepoint, NodeEventType.processLsm]) {
      const ofType = events.filter((event) => event.type === type);
      expect({ type, host: ofType.some((event) => event.process.pod === undefined), pod: ofType.some((event) => event.process.pod !== undefined) }).toEqual({ type, host: true, pod: true });
    }
    const hooks = new Set(events.filter(isHookEvent).map((event) => event.hook?.functionName));
    expect(Object.values(expectedHooks).flat().filter((hook) => !hooks.has(hook))).toEqual([]);
    expect(events.some((event) => event.process.pod?.container?.maybeExecProbe === true)).toBe(true);
  });

  it('when every rule runs over the benign traffic, then no rule throws', () => {
    const failures = runs.flatMap((run) => run.evaluation.failures.map((failure) => `${failure.ruleId} eventId=${failure.auditId}: ${failure.message} [${run.fixture.file}]`));
    expect(failures).toEqual([]);
  });

  it('when every rule runs over the benign traffic, then every alert is a listed known false positive', () => {
    const known = new Set(knownFalsePositiveSchema.parse(readKnownFalsePositives()).map((entry) => findingKey(entry.ruleId, entry.eventId)));
    const unexpected = runs.flatMap((run) =>
      run.evaluation.findings.filter((finding) => !known.has(findingKey(finding.rule.id, evidenceIdOf(finding.record)))).map((finding) => describeFinding(run.fixture.file, finding)),
    );
    expect(unexpected).toEqual([]);
  });

  it('when the known false positives are read, then each names a node rule of the library, an event id and a reason, once', () => {
    const parsed = knownFalsePositiveSchema.safeParse(readKnownFalsePositives());
    expect(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([]);
    const entries: KnownFalsePositive[] = parsed.success ? parsed.data : [];
    const nodeRuleIds = new Set(allRules.filter((rule) => rule.source === 'node').map((rule) => rule.id));
    expect(entries.filter((entry) => !nodeRuleIds.has(entry.ruleId)).map((entry) => entry.ruleId)).toEqual([]);
    const keys = entries.map((entry) => findingKey(entry.ruleId, entry.eventId));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('when the known false positives are read, then each still alerts (no stale entries)', () => {
    const alerting = new Set(runs.flatMap((run) => run.evaluation.findings.map((finding) => findingKey(finding.rule.id, evidenceIdOf(finding.record)))));
    const stale = knownFalsePositiveSchema
      .parse(readKnownFalsePositives())
      .filter((entry) => !alerting.has(findingKey(entry.ruleId, entry.eventId)))
      .map((entry) => `${entry.ruleId} eventId=${entry.eventId}`);
    expect(stale).toEqual([]);
  });
});
