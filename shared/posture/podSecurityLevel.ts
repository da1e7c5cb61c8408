import { AssessmentStatusCode } from './assessment';
import { type WorkloadControlResult, WorkloadEvaluationFailure } from './evaluateWorkloadControls';
import { PodSecurityLevel } from './workloadControl';
import { WorkloadTarget } from './workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS } from './workloadSettings';

/**
 * The highest Pod Security Standards level an object meets, and per namespace the highest level all its current
 * workloads meet with the label that would enforce it: the step a user can take today without breaking anything.
 * Pure.
 *
 * A level is met when every PSS control of that level and below is Healthy or NotApplicable. Two exceptions keep the
 * answer honest: a control that failed (`checkFailed`) holds the object below its level (Argus cannot vouch for it),
 * and a level none of whose controls were evaluated is never claimed (results from baseline controls only reach at
 * most baseline).
 */

/** The namespace label Pod Security Admission enforces. */
export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

const levelOrder: readonly PodSecurityLevel[] = [PodSecurityLevel.privileged, PodSecurityLevel.baseline, PodSecurityLevel.restricted];

/** The level above `level`; undefined for restricted. */
export function nextPodSecurityLevel(level: PodSecurityLevel): PodSecurityLevel | undefined {
  return levelOrder[levelOrder.indexOf(level) + 1];
}

/** The PSS controls of `level` (baseline or restricted) that hold an object below it, by name. */
function controlsFailingAt(results: readonly WorkloadControlResult[], level: PodSecurityLevel): string[] {
  return results.filter((result) => result.podSecurity?.level === level && !passes(result)).map((result) => result.controlName);
}

function passes(result: WorkloadControlResult): boolean {
  if (result.code === AssessmentStatusCode.Healthy) return true;
  return result.code === AssessmentStatusCode.NotApplicable && result.cause !== WorkloadEvaluationFailure.CheckFailed;
}

/** The highest level an object's results meet (see the module comment). */
export function podSecurityLevelOf(results: readonly WorkloadControlResult[]): PodSecurityLevel {
  let met: PodSecurityLevel = PodSecurityLevel.privileged;
  for (const level of [PodSecurityLevel.baseline, PodSecurityLevel.restricted]) {
    const evaluated = results.some((result) => result.podSecurity?.level === level);
    if (!evaluated || controlsFailingAt(results, level).length > 0) return met;
    met = level;
  }
  return met;
}

/** An object and its results, as the CLI or the inventory has them. */
export interface AssessedWorkloadObject {
  kind: string;
  namespace: string;
  name: string;
  target: WorkloadTarget;
  results: readonly WorkloadControlResult[];
}

/** An object that holds its namespace below the next level, and the controls it fails at that level. */
export interface BlockingWorkload {
  kind: string;
  name: string;
  level: PodSecurityLevel;
  failingControls: readonly string[];
}

export type NamespacePodSecurity =
  | {
      namespace: string;
      excluded: false;
      /** The highest level every workload of the namespace meets. */
      level: PodSecurityLevel;
      /** The label that would enforce it: `pod-security.kubernetes.io/enforce: restricted`. */
      enforceLabel: string;
      /** Pod-template objects (pods and their controllers) counted. */
      workloads: number;
      /** The next level up; absent at restricted. */
      nextLevel?: PodSecurityLevel;
      /** The workloads below `nextLevel`, with the controls of that level they fail; empty at restricted. */
      blockedBy: readonly BlockingWorkload[];
    }
  | {
      namespace: string;
      /** No control judges this namespace (the settings' excluded namespaces): no level is claimed. */
      excluded: true;
      workloads: number;
    };

export interface NamespacePodSecurityOptions {
  /** Default: Defender's excluded namespaces. */
  excludedNamespaces?: readonly string[];
}

/**
 * Per namespace (sorted by name), the highest level all its pod-template objects meet. Services and Ingresses do
 * not count (Pod Security Admission judges pods); namespaces with no pod-template object are not listed.
 */
export function namespacePodSecurityLevels(objects: readonly AssessedWorkloadObject[], options: NamespacePodSecurityOptions = {}): NamespacePodSecurity[] {
  const excludedNamespaces = new Set(options.excludedNamespaces ?? DEFAULT_WORKLOAD_SETTINGS.excludedNamespaces);
  const byNamespace = new Map<string, { object: AssessedWorkloadObject; level: PodSecurityLevel }[]>();
  for (const object of objects) {
    if (object.target !== WorkloadTarget.podTemplate) continue;
    const entries = byNamespace.get(object.namespace) ?? [];
    entries.push({ object, level: podSecurityLevelOf(object.results) });
    byNamespace.set(object.namespace, entries);
  }
  return [...byNamespace.keys()].sort().map((namespace): NamespacePodSecurity => {
    const entries = byNamespace.get(namespace) ?? [];
    if (excludedNamespaces.has(namespace)) return { namespace, excluded: true, workloads: entries.length };
    const level = entries.reduce<PodSecurityLevel>((lowest, entry) => (levelOrder.indexOf(entry.level) < levelOrder.indexOf(lowest) ? entry.level : lowest), PodSecurityLevel.restricted);
    const nextLevel = nextPodSecurityLevel(level);
    const blockedBy =
      nextLevel === undefined
        ? []
        : entries
            .filter((entry) => entry.level === level)
            .map((entry) => ({ kind: entry.object.kind, name: entry.object.name, level: entry.level, failingControls: controlsFailingAt(entry.object.results, nextLevel) }))
            .sort((a, b) => (a.kind === b.kind ? compare(a.name, b.name) : compare(a.kind, b.kind)));
    return {
      namespace,
      excluded: false,
      level,
      enforceLabel: `${POD_SECURITY_ENFORCE_LABEL}: ${level}`,
      workloads: entries.length,
      ...(nextLevel === undefined ? {} : { nextLevel }),
      blockedBy,
    };
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
