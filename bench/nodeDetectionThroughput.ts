import { performance } from 'node:perf_hooks';
import { evidenceIdOf } from '../shared/detection/detectionRecord';
import { evaluateRules } from '../shared/detection/evaluateRules';
import { defaultDetectionContext } from '../shared/detection/detectionContext';
import { type NodeRule, type Rule } from '../shared/detection/rule';
import { allRules } from '../shared/detection/rules/index';
import { decodeNodeInput } from '../shared/node/decodeNodeInput';
import { NodeEventType, type NodeRecord } from '../shared/node/nodeEvent';
import { generateNodeTraffic, type NodeTraffic } from './generateNodeTraffic';
import { detectionPassReport, formatKb, median, ms, percentile, perEvent, seconds, table, timed, timeDetectionPasses } from './measurements';

/**
 * Node detection throughput: how many node sensor events per second the pipeline's pure part gets through
 * (decodeNodeInput: parse and normalize each Tetragon line or Falco alert; then every rule of the library, the
 * engine offering each event only the node rules of its type), against the floor of merely `JSON.parse`-ing the
 * same NDJSON lines, measured in the same run and interleaved so that a shared, noisy machine cancels out in the
 * ratio. Each message is decoded and its records evaluated as one batch, as the pipeline does.
 */

/** Full path at least this fraction of the floor's speed, as for audit events. */
export const NODE_TARGET_RATIO = 0.6;

export interface NodeThroughputOptions {
  events: number;
  rounds: number;
  seed: number;
  /** Also time every node rule's `match` over the events the engine offers it. */
  perRule?: boolean;
}

interface FullPassResult {
  events: number;
  skipped: number;
  findings: number;
  failures: number;
  findingsByRule: Map<string, { attack: number; benign: number }>;
  /** Attack scenarios with a finding of their own rule. */
  detectedScenarios: Set<string>;
  /** Attack scenarios with a finding of any rule. */
  alertedScenarios: Set<string>;
}

export function runNodeThroughputBenchmark(options: NodeThroughputOptions, print: (line: string) => void): void {
  const rules = allRules;
  const nodeRuleCount = rules.filter((rule) => rule.source === 'node').length;
  print(`Argus node detection throughput: node ${process.version}, ${nodeRuleCount} node rules (${rules.length} rules in all), seed ${options.seed}`);
  const generationStart = performance.now();
  const traffic = generateNodeTraffic({ events: options.events, seed: options.seed });
  const megabytes = traffic.characters / 1e6;
  const sizes = [...traffic.eventSizes].sort((a, b) => a - b);
  const attackEvents = Object.values(traffic.scenarioCounts).reduce((sum, count) => sum + count, 0);
  print(
    `traffic: ${traffic.events} node events (${attackEvents} attacks from ${Object.keys(traffic.scenarioCounts).length} rules' examples) in ${traffic.messages.length} NDJSON messages, ` +
      `${megabytes.toFixed(1)} MB; event JSON ${formatKb(sizes[0] ?? 0)}-${formatKb(sizes[sizes.length - 1] ?? 0)}, median ${formatKb(percentile(sizes, 0.5))} ` +
      `(generated in ${seconds(performance.now() - generationStart)})`,
  );

  // Warm-up: let the JIT see every path once.
  floorPass(traffic.messages);
  const warm = fullPass(traffic, rules);
  if (warm.events !== traffic.events) {
    throw new Error(`the full path decoded ${warm.events} events of ${traffic.events} (${warm.skipped} skipped): the generator and the decoder disagree`);
  }

  let result = warm;
  const times = timeDetectionPasses(
    { floor: () => floorPass(traffic.messages), decode: () => decodePass(traffic), full: () => (result = fullPass(traffic, rules)) },
    options.rounds,
  );
  const { ratio, cpuRatio } = times;
  print('');
  print(`${options.rounds} rounds of each pass, interleaved; medians. CPU: this process's user+system time, GC threads included.`);
  for (const line of detectionPassReport(
    times,
    { floor: 'floor: JSON.parse of every NDJSON line', decode: 'decode only: decodeNodeInput', full: 'full: decodeNodeInput + evaluateRules' },
    traffic.events,
    megabytes,
  )) {
    print(line);
  }

  print('');
  printFindings(result, traffic, rules, print);
  print('');
  print(`target: node detection ratio >= ${NODE_TARGET_RATIO} -> ${ratio >= NODE_TARGET_RATIO ? 'MET' : 'NOT MET'} (${ratio.toFixed(2)} wall, ${cpuRatio.toFixed(2)} CPU)`);

  if (options.perRule === true) {
    print('');
    printPerRule(traffic, rules, options.rounds, print);
  }
}

/** The floor: what any consumer must do to read the events at all (split the NDJSON, parse every line). */
function floorPass(messages: readonly string[]): number {
  let events = 0;
  for (const message of messages) {
    for (const line of message.split('\n')) {
      if (line !== '' && JSON.parse(line) !== null) events++;
    }
  }
  return events;
}

function decodePass(traffic: NodeTraffic): number {
  let events = 0;
  for (const message of traffic.messages) events += decodeNodeInput(message, { cluster: traffic.cluster }).records.length;
  return events;
}

/** The pipeline's pure part: decode and normalize every message, evaluate every rule over its records. */
function fullPass(traffic: NodeTraffic, rules: readonly Rule[]): FullPassResult {
  const result: FullPassResult = { events: 0, skipped: 0, findings: 0, failures: 0, findingsByRule: new Map(), detectedScenarios: new Set(), alertedScenarios: new Set() };
  for (const message of traffic.messages) {
    const decoded = decodeNodeInput(message, { cluster: traffic.cluster });
    result.events += decoded.records.length;
    result.skipped += decoded.skipped.length;
    const evaluation = evaluateRules(decoded.records, { rules });
    result.failures += evaluation.failures.length;
    result.findings += evaluation.findings.length;
    for (const finding of evaluation.findings) {
      const scenario = traffic.scenarioByEventId.get(evidenceIdOf(finding.record));
      if (scenario !== undefined) {
        result.alertedScenarios.add(scenario);
        if (finding.rule.id === scenario) result.detectedScenarios.add(scenario);
      }
      const counts = result.findingsByRule.get(finding.rule.id) ?? { attack: 0, benign: 0 };
      if (scenario === undefined) counts.benign++;
      else counts.attack++;
      result.findingsByRule.set(finding.rule.id, counts);
    }
  }
  return result;
}

function printFindings(result: FullPassResult, traffic: NodeTraffic, rules: readonly Rule[], print: (line: string) => void): void {
  const attackEvents = Object.values(traffic.scenarioCounts).reduce((sum, count) => sum + count, 0);
  print(`findings: ${result.findings} (${attackEvents} attack events in the traffic; rule failures: ${result.failures})`);
  const rows = rules
    .filter((rule) => rule.source === 'node')
    .map((rule) => ({ id: rule.id, ...(result.findingsByRule.get(rule.id) ?? { attack: 0, benign: 0 }) }))
    .sort((a, b) => b.attack + b.benign - (a.attack + a.benign) || a.id.localeCompare(b.id));
  print(table([['node rule', 'on attacks', 'on benign traffic'], ...rows.map((row) => [row.id, String(row.attack), String(row.benign)])]));
  const scenarios = Object.keys(traffic.scenarioCounts).sort();
  const undetected = scenarios.filter((scenario) => !result.detectedScenarios.has(scenario));
  print(`attack scenarios detected by their rule: ${scenarios.length - undetected.length} of ${scenarios.length}; not detected: ${undetected.length === 0 ? 'none' : undetected.join(', ')}`);
}

/**
 * Where the rules' time goes: each node rule's `match` alone over the decoded events the engine would offer it
 * (its event types; Falco alerts only to the rules that take them), with the built-in lists. Entities, details and
 * dedup keys are left out: only matching events pay for them.
 */
function printPerRule(traffic: NodeTraffic, rules: readonly Rule[], rounds: number, print: (line: string) => void): void {
  const records: NodeRecord[] = traffic.messages.flatMap((message) => decodeNodeInput(message, { cluster: traffic.cluster }).records);
  const offered = (rule: NodeRule, record: NodeRecord): boolean =>
    rule.eventTypes === undefined ? record.event.type !== NodeEventType.falcoAlert : rule.eventTypes.includes(record.event.type);
  const perRule = rules
    .filter((rule): rule is NodeRule => rule.source === 'node')
    .map((rule) => {
      const events = records.filter((record) => offered(rule, record)).map((record) => record.event);
      const run = (): void => {
        for (const event of events) {
          try {
            rule.match(event, defaultDetectionContext);
          } catch {
            // A rule that throws is counted by the full pass; here only its time matters.
          }
        }
      };
      run();
      return { id: rule.id, offered: events.length, time: median(Array.from({ length: rounds }, () => timed(run).wallInMs)) };
    })
    .sort((a, b) => b.time - a.time);
  const sum = perRule.reduce((total, rule) => total + rule.time, 0);
  print(`node rules' match, each alone over the events offered to it (wall time, median of ${rounds}):`);
  print(
    table([
      ['node rule', 'events offered', 'time', 'us/event of the traffic', 'share'],
      ...perRule.map((rule) => [rule.id, String(rule.offered), ms(rule.time, 1), perEvent(rule.time, traffic.events), `${((rule.time / sum) * 100).toFixed(1)}%`]),
    ]),
  );
  print(`all node rules' match, summed: ${ms(sum)} = ${perEvent(sum, traffic.events)} us/event`);
}
