import { parseArgs } from 'node:util';
import { policyListsOf, type Rule, SignalSource } from '../shared/detection/rule';
import { allRules } from '../shared/detection/rules';
import { formatTable, type TableColumn } from './alertTable';
import { type CliIo } from './cliIo';
import { coverageCells, renderRuleCatalogueMarkdown } from './ruleCatalogueMarkdown';

export const RULES_USAGE = `Usage: argus rules [--json | --markdown] [--source audit|node]

Lists the detection rules of both signals (audit: the Kubernetes audit log; node: the nodes' Tetragon
events and Falco alerts): id, signal, alert type, severity, ATT&CK intent and techniques, and the
equivalent content in Defender for Containers, Falco, GuardDuty and Elastic/Sigma.
  --json              every rule's metadata (without its code) and its number of examples, as a JSON
                      array; node rules with the event types they read
  --markdown          the catalogue as Markdown (docs/detections.md)
  --source audit|node only the rules of that signal`;

/** A rule as `argus rules --json` prints it: the metadata, not the functions or the example events. */
export interface RuleSummary {
  id: string;
  alertType: string;
  displayName: string;
  description: string;
  severity: string;
  intent: string;
  techniques: readonly string[];
  /** The signal the rule reads. */
  source: string;
  /** Audit rules: the stages they look at. */
  stages?: readonly string[];
  /** Node rules: the event types they look at (empty: any, Falco alerts by name). */
  eventTypes?: readonly string[];
  remediation: readonly string[];
  falsePositives: readonly string[];
  references: readonly string[];
  equivalents: Rule['equivalents'];
  exampleCount: number;
  /** The policy lists the rule needs set (empty: it alerts with the built-in lists). */
  policyLists: string[];
}

export function summarizeRule(rule: Rule): RuleSummary {
  return {
    id: rule.id,
    alertType: rule.alertType,
    displayName: rule.displayName,
    description: rule.description,
    severity: rule.severity,
    intent: rule.intent,
    techniques: rule.techniques,
    source: rule.source,
    ...(rule.source === 'audit' ? { stages: rule.stages } : { eventTypes: rule.eventTypes ?? [] }),
    remediation: rule.remediation,
    falsePositives: rule.falsePositives,
    references: rule.references,
    equivalents: rule.equivalents,
    exampleCount: rule.examples.length,
    policyLists: policyListsOf(rule),
  };
}

const ruleColumns: readonly TableColumn[] = [
  // Ids are identifiers: never cut (the longest is 44 characters).
  { header: 'id', maxWidth: 48 },
  { header: 'source', maxWidth: 6 },
  { header: 'alertType', maxWidth: 44 },
  { header: 'severity', maxWidth: 13 },
  { header: 'intent', maxWidth: 19 },
  { header: 'techniques', maxWidth: 24 },
  { header: 'defender', maxWidth: 36 },
  { header: 'falco', maxWidth: 32 },
  { header: 'guardDuty', maxWidth: 40 },
  { header: 'elastic', maxWidth: 48 },
];

export function rulesCommand(argv: string[], io: CliIo, rules: readonly Rule[] = allRules): number {
  let json: boolean;
  let markdown: boolean;
  let source: SignalSource | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, markdown: { type: 'boolean' }, source: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help === true) {
      io.stdout.write(`${RULES_USAGE}\n`);
      return 0;
    }
    json = values.json === true;
    markdown = values.markdown === true;
    if (json && markdown) throw new Error('--json and --markdown cannot be combined');
    if (values.source !== undefined && !isSignalSource(values.source)) throw new Error(`--source must be ${Object.values(SignalSource).join(' or ')}; got '${values.source}'`);
    source = values.source;
  } catch (error) {
    io.stderr.write(`argus rules: ${(error as Error).message}\n\n${RULES_USAGE}\n`);
    return 2;
  }
  const selected = source === undefined ? rules : rules.filter((rule) => rule.source === source);
  if (markdown) {
    io.stdout.write(renderRuleCatalogueMarkdown(selected));
    return 0;
  }
  const sorted = [...selected].sort((a, b) => a.id.localeCompare(b.id));
  if (json) {
    io.stdout.write(`${JSON.stringify(sorted.map(summarizeRule), null, 2)}\n`);
    return 0;
  }
  const list = (names: readonly string[]): string => (names.length === 0 ? '-' : names.join('; '));
  const rows = sorted.map((rule) => [rule.id, rule.source, rule.alertType, rule.severity, rule.intent, ...coverageCells(rule, list)]);
  io.stdout.write(formatTable(ruleColumns, rows));
  const bySource = Object.values(SignalSource).map((signal) => `${sorted.filter((rule) => rule.source === signal).length} ${signal}`);
  io.stderr.write(`${sorted.length} rules (${bySource.join(', ')}); long names are cut: \`argus rules --json\` has every field\n`);
  return 0;
}

function isSignalSource(value: string): value is SignalSource {
  return (Object.values(SignalSource) as string[]).includes(value);
}
