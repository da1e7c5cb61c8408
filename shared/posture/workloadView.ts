import { redactFinding, type WorkloadFindingView } from './redactFinding';
import { AssessmentStatusCode, type AssessmentSeverity } from './assessment';
import { workloadControls } from './checks/workload';
import { evaluateWorkloadControls, type WorkloadControlResult } from './evaluateWorkloadControls';
import { podSecurityLevelOf } from './podSecurityLevel';
import { type PodSecurityLevel, type WorkloadControl } from './workloadControl';
import { type InventoryDocument, type InventoryKind, type InventorySpecSource } from './workloadInventory';
import { type WorkloadObject, workloadObjectOf } from './workloadObject';
import { type WorkloadSettings } from './workloadSettings';

/**
 * An inventory workload as the API shows it: where it is, how well Argus knows it, its Pod Security level and the
 * controls it fails, evaluated when read. Never the spec itself (audited objects can hold secrets in env values and
 * commands): only the findings, redacted by {@link redactFinding}. Pure.
 */


export interface FailingControlView {
  name: string;
  displayName: string;
  severity: AssessmentSeverity;
  /** The Pod Security Standards level of the control; absent for Azure Policy-only controls. */
  podSecurityLevel?: PodSecurityLevel;
  findings: WorkloadFindingView[];
}

export interface WorkloadView {
  id: string;
  cluster: string;
  kind: InventoryKind;
  namespace: string;
  name: string;
  /** The spec is not known to be the whole current object (patches without a base, Metadata-level events, owned objects). */
  partial: boolean;
  specFrom: InventorySpecSource;
  firstSeenUtc: string;
  lastChangedUtc: string;
  /** False when Argus has seen no pod spec of it to judge (only Metadata-level events, or patches that never showed one). */
  judged: boolean;
  /** In one of the settings' excluded namespaces: no control judges it. */
  excluded: boolean;
  /** The highest Pod Security level it meets; absent when it is not judged or excluded. */
  podSecurityLevel?: PodSecurityLevel;
  /** Empty when healthy, not judged or excluded. */
  failingControls: FailingControlView[];
}

/** An inventory document read as the controls see it, and their verdicts. */
export interface JudgedWorkload {
  document: InventoryDocument;
  /** The namespace the workload is in (`default` when the audit event named none). */
  namespace: string;
  /** Undefined when no pod spec is known. */
  object?: WorkloadObject;
  results: readonly WorkloadControlResult[];
  excluded: boolean;
}

/** Evaluates one inventory document with `settings`; a document without a known pod spec is not judged. */
export function judgeWorkload(document: InventoryDocument, settings: WorkloadSettings, controls: readonly WorkloadControl[] = workloadControls): JudgedWorkload {
  const read = document.object === undefined ? undefined : workloadObjectOf(document.object);
  const namespace = document.namespace === '' ? (read?.namespace ?? 'default') : document.namespace;
  const excluded = settings.excludedNamespaces.includes(namespace);
  if (read === undefined || read.podSpec === undefined) return { document, namespace, results: [], excluded };
  const object: WorkloadObject = { ...read, namespace, name: document.name, kind: document.kind };
  return { document, namespace, object, results: excluded ? [] : evaluateWorkloadControls(object, settings, controls), excluded };
}

/** The API's view of a judged workload. */
export function workloadViewOf(judged: JudgedWorkload, controls: readonly WorkloadControl[] = workloadControls): WorkloadView {
  const { document } = judged;
  const byName = new Map(controls.map((control) => [control.name, control]));
  const assessed = judged.object !== undefined && !judged.excluded;
  return {
    id: document.id,
    cluster: document.cluster,
    kind: document.kind,
    namespace: judged.namespace,
    name: document.name,
    partial: document.partial,
    specFrom: document.specFrom,
    firstSeenUtc: document.firstSeenUtc,
    lastChangedUtc: document.lastChangedUtc,
    judged: judged.object !== undefined,
    excluded: judged.excluded,
    ...(assessed ? { podSecurityLevel: podSecurityLevelOf(judged.results) } : {}),
    failingControls: judged.results
      .filter((result) => result.code === AssessmentStatusCode.Unhealthy)
      .map((result) => failingControlViewOf(result, byName.get(result.controlName))),
  };
}

/** Whether the judged workload fails the named control. */
export function failsControl(judged: JudgedWorkload, controlName: string): boolean {
  return judged.results.some((result) => result.controlName === controlName && result.code === AssessmentStatusCode.Unhealthy);
}

export function failingControlViewOf(result: WorkloadControlResult, control: WorkloadControl | undefined): FailingControlView {
  return {
    name: result.controlName,
    displayName: control?.displayName ?? result.controlName,
    severity: result.severity,
    ...(result.podSecurity === undefined ? {} : { podSecurityLevel: result.podSecurity.level }),
    findings: result.findings.map(redactFinding),
  };
}
