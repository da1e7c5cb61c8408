import { parseArgs } from 'node:util';
import { policyListsOf, type Rule } from '../shared/detection/rule';
import { allRules } from '../shared/detection/rules';
import { formatTable, type TableColumn } from './alertTable';
import { type CliIo } from './cliIo';
import { coverageCells, renderRuleCatalogueMarkdown } from './ruleCatalogueMarkdown';

export const RULES_USAGE = `Usage: argus rules [--json | --markdown]

Lists the detection rules: id, alert type, severity, ATT&CK intent and techniques, and the equivalent
content in Defender for Containers, Falco, GuardDuty and Elastic/Sigma.
  --json       every rule's metadata (without its code) and its number of examples, as a JSON array
  --markdown   the catalogue as Markdown (docs/detections.md)`;

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
  { header: 'id', maxWidth: 40 },
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
  try {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, markdown: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help === true) {
      io.stdout.write(`${RULES_USAGE}\n`);
      return 0;
    }
    json = values.json === true;
    markdown = values.markdown === true;
    if (json && markdown) throw new Error('--json and --markdown cannot be combined');
  } catch (error) {
    io.stderr.write(`argus rules: ${(error as Error).message}\n\n${RULES_USAGE}\n`);
    return 2;
  }
  if (markdown) {
    io.stdout.write(renderRuleCatalogueMarkdown(rules));
    return 0;
  }
  const sorted = [...rules].sort((a, b) => a.id.localeCompare(b.id));
  if (json) {
    io.stdout.write(`${JSON.stringify(sorted.map(summarizeRule), null, 2)}\n`);
    return 0;
  }
  const list = (names: readonly string[]): string => (names.length === 0 ? '-' : names.join('; '));
  const rows = sorted.map((rule) => [rule.id, rule.alertType, rule.severity, rule.intent, ...coverageCells(rule, list)]);
  io.stdout.write(formatTable(ruleColumns, rows));
  io.stderr.write(`${rules.length} rules; long names are cut: \`argus rules --json\` has every field\n`);
  return 0;
}
