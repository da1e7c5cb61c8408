import { parseArgs } from 'node:util';
import { z } from 'zod';
import { clusterChecks } from '../shared/posture/checks/cluster';
import { type ClusterCheck } from '../shared/posture/clusterCheck';
import { type ClusterInputItem, readClusterInput, type SkippedClusterInput } from '../shared/posture/clusterInput';
import { type ClusterAssessmentResult, evaluateClusterChecks } from '../shared/posture/evaluateClusterChecks';
import { secureScore, type SecureScore } from '../shared/posture/secureScore';
import { formatTable, type TableColumn } from './alertTable';
import { readCliTexts } from './cliInputs';
import { type CliIo, formatCount } from './cliIo';

export const ASSESS_USAGE = `Usage: argus assess [options] <file|directory|->...

Evaluates the cluster configuration checks over AKS managed clusters' JSON and prints one assessment
result per line as JSON (or a table with a summary and the secure score per cluster); a summary goes to
stderr. Accepted: the output of \`az aks show -o json\`, an ARM GET body, an ARM list body {"value":[...]},
Resource Graph rows or responses ({"data":[...]}), azure-rest-api-specs example files, JSON arrays and
NDJSON of any of these. Only the cluster's own JSON is read: checks that need more (diagnostic settings,
audit events received) say NotApplicable.
A directory is read recursively (*.json, *.jsonl, *.ndjson); - reads standard input.
  --format json|table     output format (default json)
  --now <time>            evaluate as of this RFC 3339 time (default now), for reproducible output

Secure score: 100 x (severity weights of Healthy) / (severity weights of Healthy and Unhealthy), with
High 3, Medium 2, Low 1; NotApplicable results do not count.

Exit status: 0 when the input was evaluated, whatever it found; 2 when an input cannot be read or an
option is wrong.`;

/** The extensions read when a directory is walked; other files are counted and ignored. */
export const ASSESSED_EXTENSIONS: ReadonlySet<string> = new Set(['.json', '.jsonl', '.ndjson']);
const MAX_LISTED_SKIPS = 20;

const assessArgsSchema = z.object({
  format: z.enum(['json', 'table'], { error: '--format must be json or table' }).default('json'),
  now: z.iso.datetime({ offset: true, error: '--now must be an RFC 3339 time, e.g. 2026-11-02T10:00:00Z' }).optional(),
});

export interface AssessedCluster {
  origin: string;
  clusterResourceId: string;
  results: ClusterAssessmentResult[];
  score: SecureScore;
}

export interface AssessResult {
  clusters: AssessedCluster[];
  skipped: SkippedClusterInput[];
  inputs: number;
  ignoredFiles: number;
}

/** `argus assess`: parses the options, reads every input, prints the results and a summary. */
export async function assessCommand(argv: string[], io: CliIo, checks: readonly ClusterCheck[] = clusterChecks): Promise<number> {
  const startedAt = io.elapsedInMs();
  const usageError = (message: string): number => {
    io.stderr.write(`argus assess: ${message}\n\nRun \`argus assess --help\` for the options.\n`);
    return 2;
  };
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { format: { type: 'string' }, now: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values['help'] === true) {
    io.stdout.write(`${ASSESS_USAGE}\n`);
    return 0;
  }
  const parsed = assessArgsSchema.safeParse(values);
  if (!parsed.success) return usageError(parsed.error.issues.map((issue) => issue.message).join('\n'));
  if (positionals.length === 0) return usageError('give at least one file, directory, or - for standard input');
  const now = new Date(parsed.data.now ?? io.now()).toISOString();

  const texts = await readCliTexts(positionals, ASSESSED_EXTENSIONS, io.stdin);
  if (typeof texts === 'string') {
    io.stderr.write(`argus assess: ${texts}\n`);
    return 2;
  }
  const result = assessTexts(texts.inputs, now, checks);
  result.ignoredFiles = texts.ignoredFiles;

  if (parsed.data.format === 'table') io.stdout.write(formatAssessmentTable(result.clusters, io.stdout.columns));
  else for (const cluster of result.clusters) for (const line of cluster.results) io.stdout.write(`${JSON.stringify(line)}\n`);
  io.stderr.write(formatAssessSummary(result, checks.length, io.elapsedInMs() - startedAt));
  return 0;
}

/** Evaluates every cluster in the inputs' texts (pure apart from nothing: no I/O here). */
export function assessTexts(inputs: readonly { source: string; text: string }[], now: string, checks: readonly ClusterCheck[] = clusterChecks): AssessResult {
  const clusters: ClusterInputItem[] = [];
  const skipped: SkippedClusterInput[] = [];
  for (const input of inputs) {
    const read = readClusterInput(input.text.replace(/^\uFEFF/, ''), input.source);
    clusters.push(...read.clusters);
    skipped.push(...read.skipped);
  }
  return {
    clusters: clusters.map(({ cluster, origin }) => {
      const results = evaluateClusterChecks(cluster, { now }, checks);
      return { origin, clusterResourceId: results[0]?.clusterResourceId ?? String(cluster['id']), results, score: secureScore(results) };
    }),
    skipped,
    inputs: inputs.length,
    ignoredFiles: 0,
  };
}



const tableColumns: readonly TableColumn[] = [
  { header: 'CLUSTER', maxWidth: 32 },
  { header: 'CHECK', maxWidth: 44 },
  { header: 'SEVERITY', maxWidth: 8 },
  { header: 'STATUS', maxWidth: 13 },
  { header: 'CAUSE', maxWidth: 60 },
];

/** A table of every result, then one summary line per cluster: counts and the secure score. */
export function formatAssessmentTable(clusters: readonly AssessedCluster[], widthInColumns?: number): string {
  const rows = clusters.flatMap((cluster) =>
    cluster.results.map((result) => [clusterName(result.clusterResourceId), result.checkName, result.severity, result.status.code, result.status.cause ?? result.status.description ?? '']),
  );
  const table = formatTable(tableColumns, rows, widthInColumns === undefined ? {} : { widthInColumns });
  const summaries = clusters.map((cluster) => `${clusterName(cluster.clusterResourceId)}: ${describeScore(cluster.score)}`);
  return `${table}\n${summaries.join('\n')}${summaries.length > 0 ? '\n' : ''}`;
}

export function describeScore(score: SecureScore): string {
  const counts = `${score.healthy} healthy, ${score.unhealthy} unhealthy, ${score.notApplicable} not applicable, ${score.exempted} exempted`;
  return `${counts}; secure score ${score.score === null ? 'n/a (nothing applicable)' : `${score.score.toFixed(1)}%`}`;
}

function clusterName(resourceId: string): string {
  const name = resourceId.split('/').filter((part) => part !== '').pop();
  return name ?? resourceId;
}

export function formatAssessSummary(result: AssessResult, checkCount: number, elapsedInMs: number): string {
  const lines = [
    `argus assess: ${formatCount(result.clusters.length)} cluster${result.clusters.length === 1 ? '' : 's'} from ${formatCount(result.inputs)} input${result.inputs === 1 ? '' : 's'}, ` +
      `${formatCount(checkCount)} checks, ${formatCount(result.clusters.length * checkCount)} results in ${Math.round(elapsedInMs)} ms`,
  ];
  if (result.ignoredFiles > 0) lines.push(`  ${formatCount(result.ignoredFiles)} files ignored (not *.json, *.jsonl or *.ndjson)`);
  if (result.skipped.length > 0) {
    lines.push(`  ${formatCount(result.skipped.length)} item${result.skipped.length === 1 ? '' : 's'} skipped:`);
    for (const skip of result.skipped.slice(0, MAX_LISTED_SKIPS)) lines.push(`    ${skip.origin}: ${skip.reason} (${skip.detail})`);
    if (result.skipped.length > MAX_LISTED_SKIPS) lines.push(`    ... and ${formatCount(result.skipped.length - MAX_LISTED_SKIPS)} more`);
  }
  for (const cluster of result.clusters) lines.push(`  ${cluster.clusterResourceId}: ${describeScore(cluster.score)}`);
  return `${lines.join('\n')}\n`;
}
