import { workloadControls } from './checks/workload';
import { namespacePodSecurityLevels, POD_SECURITY_ENFORCE_LABEL, type AssessedWorkloadObject } from './podSecurityLevel';
import { type PodSecurityLevel, type WorkloadControl } from './workloadControl';
import { type InventoryDocument } from './workloadInventory';
import { WorkloadTarget } from './workloadObject';
import { type WorkloadSettings } from './workloadSettings';
import { type FailingControlView, failingControlViewOf, judgeWorkload, type JudgedWorkload } from './workloadView';

/**
 * One cluster's namespaces as its live inventory shows them: per namespace, the highest Pod Security level all its
 * current workloads meet, the label (and the kubectl command) that would enforce it, and what holds it below the next
 * level; plus how much of the cluster the inventory has seen. Pure.
 */

/** Partial workloads named in the coverage; the rest are counted. */
export const MAX_PARTIAL_WORKLOADS_LISTED = 50;

export interface WorkloadRef {
  kind: string;
  name: string;
}

export interface BlockingWorkloadView extends WorkloadRef {
  /** The level it meets (the namespace's). */
  level: PodSecurityLevel;
  /** The controls of the next level it fails, with their findings. */
  failingControls: FailingControlView[];
}

export type WorkloadNamespaceView =
  | {
      namespace: string;
      excluded: false;
      /** Current workloads of the namespace (judged or not). */
      workloads: number;
      /** The highest level all its judged workloads meet; absent when none could be judged. */
      level?: PodSecurityLevel;
      /** The namespace label that enforces `level`. */
      enforceLabel?: { key: string; value: PodSecurityLevel };
      /** `kubectl label --overwrite ns <namespace> pod-security.kubernetes.io/enforce=<level>`. */
      kubectlCommand?: string;
      /** The level above `level`; absent at restricted. */
      nextLevel?: PodSecurityLevel;
      /** The workloads below `nextLevel` and why; empty at restricted. */
      blockedBy: BlockingWorkloadView[];
      /** Workloads whose pod spec Argus has not seen (Metadata-level or patch-only): `level` does not account for them. */
      notJudged: WorkloadRef[];
    }
  | {
      namespace: string;
      /** In the settings' excluded namespaces: no level is claimed. */
      excluded: true;
      workloads: number;
    };

export interface InventoryCoverage {
  /** The earliest first sighting of any workload of the cluster, deleted ones included. */
  seenSinceUtc: string;
  /** Current (not deleted) workloads. */
  workloads: number;
  /** Current workloads whose spec is not known in full. */
  partialWorkloads: number;
  /** Up to {@link MAX_PARTIAL_WORKLOADS_LISTED} of them, by namespace, kind and name. */
  partial: { namespace: string; kind: string; name: string }[];
  /** How many partial workloads `partial` leaves out. */
  partialOmitted: number;
}

export interface WorkloadNamespaces {
  cluster: string;
  coverage: InventoryCoverage;
  namespaces: WorkloadNamespaceView[];
}

/**
 * The namespaces of one cluster from its inventory documents (deleted ones included: they count for `seenSinceUtc`
 * only). Undefined when there are none.
 */
export function workloadNamespacesOf(
  clusterResourceId: string,
  documents: readonly InventoryDocument[],
  settings: WorkloadSettings,
  controls: readonly WorkloadControl[] = workloadControls,
): WorkloadNamespaces | undefined {
  if (documents.length === 0) return undefined;
  const seenSinceUtc = documents.map((document) => document.firstSeenUtc).reduce((earliest, time) => (Date.parse(time) < Date.parse(earliest) ? time : earliest));
  const current = documents.filter((document) => !document.deleted).map((document) => judgeWorkload(document, settings, controls));

  const byNamespace = new Map<string, JudgedWorkload[]>();
  for (const judged of current) byNamespace.set(judged.namespace, [...(byNamespace.get(judged.namespace) ?? []), judged]);
  const assessedObjects: AssessedWorkloadObject[] = current
    .filter((judged) => judged.object !== undefined)
    .map((judged) => ({ kind: judged.document.kind, namespace: judged.namespace, name: judged.document.name, target: WorkloadTarget.podTemplate, results: judged.results }));
  const levels = new Map(namespacePodSecurityLevels(assessedObjects, { excludedNamespaces: settings.excludedNamespaces }).map((entry) => [entry.namespace, entry]));
  const byName = new Map(controls.map((control) => [control.name, control]));

  const namespaces = [...byNamespace.keys()].sort(compare).map((namespace): WorkloadNamespaceView => {
    const members = byNamespace.get(namespace) ?? [];
    if (settings.excludedNamespaces.includes(namespace)) return { namespace, excluded: true, workloads: members.length };
    const notJudged = members.filter((judged) => judged.object === undefined).map(refOf).sort(compareRefs);
    const entry = levels.get(namespace);
    if (entry === undefined || entry.excluded) return { namespace, excluded: false, workloads: members.length, blockedBy: [], notJudged };
    const blockedBy = entry.blockedBy.map((blocking): BlockingWorkloadView => {
      const judged = members.find((member) => member.document.kind === blocking.kind && member.document.name === blocking.name);
      const failing = new Set(blocking.failingControls);
      return {
        kind: blocking.kind,
        name: blocking.name,
        level: blocking.level,
        failingControls: (judged?.results ?? []).filter((result) => failing.has(result.controlName)).map((result) => failingControlViewOf(result, byName.get(result.controlName))),
      };
    });
    return {
      namespace,
      excluded: false,
      workloads: members.length,
      level: entry.level,
      enforceLabel: { key: POD_SECURITY_ENFORCE_LABEL, value: entry.level },
      ...(isDnsLabel(namespace) ? { kubectlCommand: `kubectl label --overwrite ns ${namespace} ${POD_SECURITY_ENFORCE_LABEL}=${entry.level}` } : {}),
      ...(entry.nextLevel === undefined ? {} : { nextLevel: entry.nextLevel }),
      blockedBy,
      notJudged,
    };
  });

  const partial = current
    .filter((judged) => judged.document.partial)
    .map((judged) => ({ namespace: judged.namespace, kind: judged.document.kind, name: judged.document.name }))
    .sort((a, b) => compare(a.namespace, b.namespace) || compareRefs(a, b));
  return {
    cluster: clusterResourceId,
    coverage: {
      seenSinceUtc,
      workloads: current.length,
      partialWorkloads: partial.length,
      partial: partial.slice(0, MAX_PARTIAL_WORKLOADS_LISTED),
      partialOmitted: Math.max(0, partial.length - MAX_PARTIAL_WORKLOADS_LISTED),
    },
    namespaces,
  };
}

function refOf(judged: JudgedWorkload): WorkloadRef {
  return { kind: judged.document.kind, name: judged.document.name };
}

/** A namespace name as Kubernetes validates it (RFC 1123 label): safe to paste into a shell command. */
function isDnsLabel(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name);
}

function compareRefs(a: WorkloadRef, b: WorkloadRef): number {
  return compare(a.kind, b.kind) || compare(a.name, b.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
