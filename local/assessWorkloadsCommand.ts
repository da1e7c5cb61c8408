import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AssessmentSeverity, AssessmentStatusCode } from '../shared/posture/assessment';
import { workloadControls } from '../shared/posture/checks/workload';
import { evaluateWorkloadControls, type WorkloadControlResult, WorkloadEvaluationFailure } from '../shared/posture/evaluateWorkloadControls';
import { type AssessedWorkloadObject, namespacePodSecurityLevels, type NamespacePodSecurity, podSecurityLevelOf } from '../shared/posture/podSecurityLevel';
import { PodSecurityLevel, type WorkloadControl, type WorkloadFinding } from '../shared/posture/workloadControl';
import { readWorkloadManifests, type ManifestProblem, type SkippedManifestItem } from '../shared/posture/workloadManifests';
import { WorkloadTarget, workloadObjectOf } from '../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS, DEFENDER_EXCLUDED_NAMESPACES, type WorkloadSettings } from '../shared/posture/workloadSettings';
import { formatTable, type TableColumn } from './alertTable';
import { readCliTexts } from './cliInputs';
import { type CliIo, formatCount } from './cliIo';

export const ASSESS_WORKLOADS_USAGE = `Usage: argus assess-workloads [options] <file|directory|->...

Evaluates the workload controls (the Pod Security Standards and the Kubernetes recommendations Defender
assigns through Azure Policy) over Kubernetes manifests before they are applied, and prints one line of
JSON per failing control and object (or a table with a summary and the Pod Security level per
namespace); a summary goes to stderr. Accepted: multi-document YAML (Helm-rendered output too), JSON,
JSON arrays, and \`kubectl get ... -o json\` lists. Pods and their controllers (Deployment, DaemonSet,
StatefulSet, ReplicaSet, Job, CronJob, ...), Services and Ingresses are judged; other kinds are counted.
A directory is read recursively (*.yaml, *.yml, *.json); - reads standard input.
  --format json|table          output format (default json)
  --level baseline|restricted  only the Pod Security Standards' controls up to this level, as
                               \`pod-security.kubernetes.io/enforce: <level>\` would admit them; without
                               it, every control (both PSS levels and the Azure Policy ones)
  --fail-on high|medium|low    exit 1 when a failing control has this severity or a higher one
  --allowed-images <prefix,...>     registries or image prefixes images may come from (default none:
                               the allowed-images control says NotApplicable)
  --allowed-ports <port,...>   ports a Service may expose (default none: not checked)
  --exclude-namespaces <ns,...>     namespaces no control judges, replacing the default
                               (${DEFENDER_EXCLUDED_NAMESPACES.join(',')}); '' judges every namespace

The Pod Security level of a namespace is the highest level all its pod templates in the input meet,
from every PSS control whatever --level says; the label that would enforce it is printed with it.

Exit status: 0 when the input was evaluated and nothing failed at or above --fail-on (always, without
it); 1 when something did; 2 when an input cannot be read or parsed (a YAML or JSON error, reported
with its file and line, after the rest is evaluated) or an option is wrong.`;

/** The extensions read when a directory is walked; other files are counted and ignored. */
export const MANIFEST_EXTENSIONS: ReadonlySet<string> = new Set(['.yaml', '.yml', '.json']);
const MAX_LISTED = 20;

const severityRank: Readonly<Record<AssessmentSeverity, number>> = { High: 3, Medium: 2, Low: 1 };
const severityOption = { high: AssessmentSeverity.High, medium: AssessmentSeverity.Medium, low: AssessmentSeverity.Low } as const;

const commaList = z
  .string()
  .transform((text) => text.split(',').map((part) => part.trim()).filter((part) => part !== ''));

const assessWorkloadsArgsSchema = z.object({
  format: z.enum(['json', 'table'], { error: '--format must be json or table' }).default('json'),
  level: z.enum(['baseline', 'restricted'], { error: '--level must be baseline or restricted' }).optional(),
  'fail-on': z.enum(['high', 'medium', 'low'], { error: '--fail-on must be high, medium or low' }).optional(),
  'allowed-images': commaList.optional(),
  'allowed-ports': commaList
    .refine((parts) => parts.every((part) => /^\d{1,5}$/.test(part) && Number(part) >= 1 && Number(part) <= 65535), {
      error: '--allowed-ports must be ports (1-65535) separated by commas',
    })
    .transform((parts) => parts.map(Number))
    .optional(),
  'exclude-namespaces': commaList.optional(),
});

/** A failing control on one object: one JSON line. */
export interface WorkloadFailure {
  /** `<file>:<line>` (or `-:<line>` for standard input), plus the Helm template when the document names one. */
  source: string;
  helmSource?: string;
  kind: string;
  namespace: string;
  name: string;
  control: string;
  displayName: string;
  severity: AssessmentSeverity;
  /** The control's Pod Security Standards level; absent for Azure Policy-only controls. */
  podSecurityLevel?: PodSecurityLevel;
  /** The highest Pod Security level the object meets (pod templates only). */
  objectPodSecurityLevel?: PodSecurityLevel;
  findings: readonly WorkloadFinding[];
}

export interface AssessWorkloadsResult {
  failures: WorkloadFailure[];
  namespaces: NamespacePodSecurity[];
  /** Objects a control judges (pod templates, Services, Ingresses). */
  objects: number;
  /** Objects of kinds no control judges (ConfigMap, ServiceAccount, ...). */
  otherObjects: number;
  /** Control evaluations that failed (a bug in a control): listed, never silently passed. */
  controlErrors: { source: string; control: string; description: string }[];
  problems: (ManifestProblem & { source: string })[];
  skipped: (SkippedManifestItem & { source: string })[];
  inputs: number;
  ignoredFiles: number;
}

export interface AssessWorkloadsOptions {
  settings: WorkloadSettings;
  /** The controls whose failures are reported (the --level selection). */
  reported: readonly WorkloadControl[];
}

/** `argus assess-workloads`: parses the options, reads every input, prints the failures and a summary. */
export async function assessWorkloadsCommand(argv: string[], io: CliIo, controls: readonly WorkloadControl[] = workloadControls): Promise<number> {
  const startedAt = io.elapsedInMs();
  const usageError = (message: string): number => {
    io.stderr.write(`argus assess-workloads: ${message}\n\nRun \`argus assess-workloads --help\` for the options.\n`);
    return 2;
  };
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        format: { type: 'string' },
        level: { type: 'string' },
        'fail-on': { type: 'string' },
        'allowed-images': { type: 'string' },
        'allowed-ports': { type: 'string' },
        'exclude-namespaces': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values['help'] === true) {
    io.stdout.write(`${ASSESS_WORKLOADS_USAGE}\n`);
    return 0;
  }
  const parsed = assessWorkloadsArgsSchema.safeParse(values);
  if (!parsed.success) return usageError([...new Set(parsed.error.issues.map((issue) => issue.message))].join('\n'));
  if (positionals.length === 0) return usageError('give at least one file, directory, or - for standard input');
  const options = parsed.data;
  const settings: WorkloadSettings = {
    excludedNamespaces: options['exclude-namespaces'] ?? DEFAULT_WORKLOAD_SETTINGS.excludedNamespaces,
    allowedImagePrefixes: options['allowed-images'] ?? DEFAULT_WORKLOAD_SETTINGS.allowedImagePrefixes,
    allowedServicePorts: options['allowed-ports'] ?? DEFAULT_WORKLOAD_SETTINGS.allowedServicePorts,
  };

  const texts = await readCliTexts(positionals, MANIFEST_EXTENSIONS, io.stdin);
  if (typeof texts === 'string') {
    io.stderr.write(`argus assess-workloads: ${texts}\n`);
    return 2;
  }
  const result = assessWorkloadTexts(texts.inputs, { settings, reported: controlsUpTo(controls, options.level) }, controls);
  result.ignoredFiles = texts.ignoredFiles;

  if (options.format === 'table') io.stdout.write(formatWorkloadTable(result, io.stdout.columns));
  else for (const failure of result.failures) io.stdout.write(`${JSON.stringify(failure)}\n`);
  io.stderr.write(formatAssessWorkloadsSummary(result, io.elapsedInMs() - startedAt));

  if (result.problems.length > 0) return 2;
  const failOn = options['fail-on'];
  if (failOn === undefined) return 0;
  const threshold = severityRank[severityOption[failOn]];
  return result.failures.some((failure) => severityRank[failure.severity] >= threshold) ? 1 : 0;
}

/** The controls `--level` selects: the PSS controls up to that level; every control without it. */
export function controlsUpTo(controls: readonly WorkloadControl[], level: 'baseline' | 'restricted' | undefined): readonly WorkloadControl[] {
  if (level === undefined) return controls;
  const levels: readonly string[] = level === PodSecurityLevel.baseline ? [PodSecurityLevel.baseline] : [PodSecurityLevel.baseline, PodSecurityLevel.restricted];
  return controls.filter((control) => control.podSecurity !== undefined && levels.includes(control.podSecurity.level));
}

/**
 * Evaluates every object in the inputs' texts (no I/O here). Every control is evaluated, so the Pod Security levels
 * do not depend on --level; only the `reported` controls' failures are listed.
 */
export function assessWorkloadTexts(
  inputs: readonly { source: string; text: string }[],
  options: AssessWorkloadsOptions,
  controls: readonly WorkloadControl[] = workloadControls,
): AssessWorkloadsResult {
  const reported = new Set(options.reported.map((control) => control.name));
  const byName = new Map(controls.map((control) => [control.name, control]));
  const result: AssessWorkloadsResult = { failures: [], namespaces: [], objects: 0, otherObjects: 0, controlErrors: [], problems: [], skipped: [], inputs: inputs.length, ignoredFiles: 0 };
  const assessed: AssessedWorkloadObject[] = [];
  for (const input of inputs) {
    const read = readWorkloadManifests(input.text);
    result.problems.push(...read.problems.map((problem) => ({ ...problem, source: placeOf(input.source, problem.line, problem.document) })));
    result.skipped.push(...read.skipped.map((skip) => ({ ...skip, source: placeOf(input.source, skip.line, skip.document) })));
    for (const item of read.items) {
      const object = workloadObjectOf(item.object);
      if (object === undefined) {
        result.otherObjects++;
        continue;
      }
      result.objects++;
      const source = placeOf(input.source, item.line, item.document);
      const results = evaluateWorkloadControls(object, options.settings, controls);
      assessed.push({ kind: object.kind, namespace: object.namespace, name: object.name, target: object.target, results });
      const objectLevel = object.target === WorkloadTarget.podTemplate ? podSecurityLevelOf(results) : undefined;
      for (const outcome of results) {
        if (outcome.code === AssessmentStatusCode.NotApplicable && outcome.cause === WorkloadEvaluationFailure.CheckFailed) {
          result.controlErrors.push({ source, control: outcome.controlName, description: outcome.description ?? '' });
        }
        if (outcome.code !== AssessmentStatusCode.Unhealthy || !reported.has(outcome.controlName)) continue;
        result.failures.push(failureOf(outcome, byName.get(outcome.controlName)?.displayName ?? outcome.controlName, object, source, item.helmSource, objectLevel));
      }
    }
  }
  result.namespaces = namespacePodSecurityLevels(assessed, { excludedNamespaces: options.settings.excludedNamespaces });
  return result;
}

function failureOf(
  outcome: WorkloadControlResult,
  displayName: string,
  object: { kind: string; namespace: string; name: string },
  source: string,
  helmSource: string | undefined,
  objectLevel: PodSecurityLevel | undefined,
): WorkloadFailure {
  return {
    source,
    ...(helmSource === undefined ? {} : { helmSource }),
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
    control: outcome.controlName,
    displayName,
    severity: outcome.severity,
    ...(outcome.podSecurity === undefined ? {} : { podSecurityLevel: outcome.podSecurity.level }),
    ...(objectLevel === undefined ? {} : { objectPodSecurityLevel: objectLevel }),
    findings: outcome.findings,
  };
}

function placeOf(source: string, line: number | undefined, document: number): string {
  return line === undefined ? `${source} (document ${document})` : `${source}:${line}`;
}


const tableColumns: readonly TableColumn[] = [
  { header: 'NAMESPACE', maxWidth: 24 },
  { header: 'OBJECT', maxWidth: 40 },
  { header: 'CONTROL', maxWidth: 32 },
  { header: 'SEVERITY', maxWidth: 8 },
  { header: 'PSS', maxWidth: 10 },
  { header: 'FINDINGS', maxWidth: 80 },
];

/** A table of the failures, a summary line, and the Pod Security level per namespace. */
export function formatWorkloadTable(result: AssessWorkloadsResult, widthInColumns?: number): string {
  const rows = result.failures.map((failure) => [
    failure.namespace,
    `${failure.kind}/${failure.name}`,
    failure.control,
    failure.severity,
    failure.podSecurityLevel ?? '-',
    describeFindings(failure.findings),
  ]);
  const table = formatTable(tableColumns, rows, widthInColumns === undefined ? {} : { widthInColumns });
  return `${table}\n${describeCounts(result)}\n\nPod Security levels by namespace:\n${describeNamespaces(result.namespaces).join('\n')}\n`;
}

function describeFindings(findings: readonly WorkloadFinding[]): string {
  const [first] = findings;
  if (first === undefined) return '';
  const more = findings.length > 1 ? ` (+${findings.length - 1} more)` : '';
  return `${first.container === undefined ? '' : `${first.container}: `}${first.field}=${first.value}${more}`;
}

function describeCounts(result: AssessWorkloadsResult): string {
  const bySeverity = Object.values(AssessmentSeverity).map((severity) => `${formatCount(result.failures.filter((failure) => failure.severity === severity).length)} ${severity}`);
  const failingObjects = new Set(result.failures.map((failure) => `${failure.kind}/${failure.namespace}/${failure.name}`)).size;
  return (
    `${formatCount(result.failures.length)} failing control${result.failures.length === 1 ? '' : 's'} (${bySeverity.join(', ')}) on ` +
    `${formatCount(failingObjects)} of ${formatCount(result.objects)} object${result.objects === 1 ? '' : 's'}`
  );
}

function describeNamespaces(namespaces: readonly NamespacePodSecurity[]): string[] {
  if (namespaces.length === 0) return ['  (no pods or pod templates in the input)'];
  return namespaces.map((namespace) => {
    if (namespace.excluded) return `  ${namespace.namespace}: excluded (not judged)`;
    const held =
      namespace.nextLevel === undefined || namespace.blockedBy.length === 0
        ? ''
        : `; below ${namespace.nextLevel} because of ${namespace.blockedBy
            .map((object) => `${object.kind}/${object.name}${object.failingControls.length > 0 ? ` (${object.failingControls.join(', ')})` : ''}`)
            .join(', ')}`;
    return `  ${namespace.namespace}: ${namespace.level} (${namespace.enforceLabel})${held}`;
  });
}

export function formatAssessWorkloadsSummary(result: AssessWorkloadsResult, elapsedInMs: number): string {
  const lines = [
    `argus assess-workloads: ${formatCount(result.objects)} object${result.objects === 1 ? '' : 's'} judged from ${formatCount(result.inputs)} input` +
      `${result.inputs === 1 ? '' : 's'} (${formatCount(result.otherObjects)} of other kinds) in ${Math.round(elapsedInMs)} ms; ${describeCounts(result)}`,
  ];
  if (result.ignoredFiles > 0) lines.push(`  ${formatCount(result.ignoredFiles)} files ignored (not *.yaml, *.yml or *.json)`);
  const listed = (title: string, entries: readonly string[]): void => {
    if (entries.length === 0) return;
    lines.push(`  ${title}:`);
    for (const entry of entries.slice(0, MAX_LISTED)) lines.push(`    ${entry}`);
    if (entries.length > MAX_LISTED) lines.push(`    ... and ${formatCount(entries.length - MAX_LISTED)} more`);
  };
  listed(`${formatCount(result.problems.length)} unreadable document${result.problems.length === 1 ? '' : 's'}`, result.problems.map((problem) => `${problem.source}: ${problem.message}`));
  listed(`${formatCount(result.skipped.length)} item${result.skipped.length === 1 ? '' : 's'} skipped`, result.skipped.map((skip) => `${skip.source}: ${skip.reason}`));
  listed(`${formatCount(result.controlErrors.length)} control evaluation${result.controlErrors.length === 1 ? '' : 's'} failed`, result.controlErrors.map((error) => `${error.source}: ${error.control}: ${error.description}`));
  lines.push('  Pod Security levels by namespace:', ...describeNamespaces(result.namespaces).map((line) => `  ${line}`));
  return `${lines.join('\n')}\n`;
}
