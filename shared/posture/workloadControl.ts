import { type AssessmentMetadata, AssessmentStatusCode } from './assessment';
import { type ContainerKind } from '../kubernetes/workloads';
import { type JsonObject } from '../kubernetes/jsonValues';
import { type WorkloadObject, type WorkloadTarget } from './workloadObject';
import { type WorkloadSettings } from './workloadSettings';

/**
 * A workload control: metadata, a pure function over one Kubernetes object (a pod template, a Service or an Ingress)
 * that lists what fails, and examples that must come out Healthy, Unhealthy or NotApplicable. The Pod Security
 * Standards' controls and the Kubernetes recommendations Defender assigns through Azure Policy, under the same
 * catalogue tests as cluster checks and detection rules.
 */

/** The Pod Security Standards' levels, least to most restrictive (`privileged` restricts nothing). */
export const PodSecurityLevel = { privileged: 'privileged', baseline: 'baseline', restricted: 'restricted' } as const;
export type PodSecurityLevel = (typeof PodSecurityLevel)[keyof typeof PodSecurityLevel];

/** One thing that fails a control: where (container, field path) and what was found. */
export interface WorkloadFinding {
  /** The container's name; absent for pod-level fields. */
  container?: string;
  containerKind?: ContainerKind;
  /**
   * The field as a path from the object's pod spec (pod templates) or the object (`spec.ports[0].port`), e.g.
   * `containers[0].securityContext.privileged`, `hostNetwork`, `volumes[2].hostPath.path`.
   */
  field: string;
  /** What was found (stringified; `(absent)` when the control requires a field that is missing). */
  value: string;
}

/** What a control decided for one object. Unhealthy lists every finding; NotApplicable says why. */
export type ControlOutcome =
  | { code: typeof AssessmentStatusCode.Healthy }
  | { code: typeof AssessmentStatusCode.Unhealthy; findings: readonly WorkloadFinding[] }
  | { code: typeof AssessmentStatusCode.NotApplicable; cause: string; description?: string };

/** An Azure Policy built-in definition (Kubernetes) that enforces the same control. */
export interface AzurePolicyDefinition {
  /** The definition's GUID (`/providers/Microsoft.Authorization/policyDefinitions/<id>`). */
  id: string;
  displayName: string;
}

/** The control's equivalents in other tools. */
export interface WorkloadControlEquivalents {
  /** Defender for Cloud recommendation display names. */
  defender: readonly string[];
  azurePolicy: readonly AzurePolicyDefinition[];
  /** kubescape control ids (`C-0057`). */
  kubescape: readonly string[];
  /** Polaris check ids (`privilegeEscalationAllowed`). */
  polaris: readonly string[];
  /** kube-score test ids (`container-security-context-privileged`). */
  kubeScore: readonly string[];
}

export interface WorkloadControlExample {
  name: string;
  expect: AssessmentStatusCode;
  /** A manifest: YAML text (one document) or the object. */
  manifest: string | JsonObject;
  /** Settings for this example; default DEFAULT_WORKLOAD_SETTINGS. */
  settings?: Partial<WorkloadSettings>;
}

export interface WorkloadControlDefinition extends AssessmentMetadata {
  /** Stable forever, never reused; also the file name under checks/workload/. */
  name: string;
  /** The Pod Security Standards' control this is, by its upstream name and level; absent for Azure Policy-only controls. */
  podSecurity?: { level: typeof PodSecurityLevel.baseline | typeof PodSecurityLevel.restricted; control: string };
  /** What the control judges. */
  target: WorkloadTarget;
  /**
   * A Linux-only control (capabilities, seccomp, privilege escalation, a read-only root filesystem): a Windows pod
   * (`spec.os.name: windows`) is NotApplicable `windowsPod`, answered once here for every such control.
   */
  linuxOnly?: boolean;
  equivalents: WorkloadControlEquivalents;
  references: readonly string[];
  /**
   * Pure and total: never throws on odd input (partial objects from patches, wrong types). Lists every finding, in
   * every container list (containers, initContainers, ephemeralContainers). Called only for objects of its target
   * outside the excluded namespaces (see {@link defineWorkloadControl}).
   */
  evaluate: (object: WorkloadObject, settings: WorkloadSettings) => ControlOutcome;
  examples: readonly WorkloadControlExample[];
}

export type WorkloadControl = WorkloadControlDefinition;

export const WorkloadEvaluationCause = {
  /** The object is not of the kind the control judges (a Service for a pod control). */
  NotItsTarget: 'notItsTarget',
  /** The namespace is in the settings' excluded namespaces. */
  ExcludedNamespace: 'excludedNamespace',
  /** A pod template object without a pod spec (a partial object from a patch). */
  NoPodSpec: 'noPodSpec',
  /** A Windows pod, for a Linux-only control. */
  WindowsPod: 'windowsPod',
} as const;

/**
 * Declares a workload control; the catalogue tests check the rest. What no control can judge is answered here once:
 * objects of another target, excluded namespaces, and pod templates without a pod spec.
 */
export function defineWorkloadControl(definition: WorkloadControlDefinition): WorkloadControl {
  return {
    ...definition,
    evaluate: (object, settings) => {
      if (object.target !== definition.target) return { code: AssessmentStatusCode.NotApplicable, cause: WorkloadEvaluationCause.NotItsTarget };
      if (settings.excludedNamespaces.includes(object.namespace)) {
        return { code: AssessmentStatusCode.NotApplicable, cause: WorkloadEvaluationCause.ExcludedNamespace, description: `The namespace ${object.namespace} is excluded.` };
      }
      if (object.target === 'podTemplate' && object.podSpec === undefined) {
        return { code: AssessmentStatusCode.NotApplicable, cause: WorkloadEvaluationCause.NoPodSpec, description: 'The object shows no pod spec to judge.' };
      }
      if (definition.linuxOnly === true && object.podSpec?.['os'] !== undefined && (object.podSpec['os'] as { name?: unknown }).name === 'windows') {
        return { code: AssessmentStatusCode.NotApplicable, cause: WorkloadEvaluationCause.WindowsPod, description: `${definition.displayName}: a Linux-only control; the pod sets spec.os.name: windows.` };
      }
      return definition.evaluate(object, settings);
    },
  };
}

/** The outcome for a list of findings: Healthy when there are none. */
export function outcomeOf(findings: readonly WorkloadFinding[]): ControlOutcome {
  return findings.length === 0 ? { code: AssessmentStatusCode.Healthy } : { code: AssessmentStatusCode.Unhealthy, findings };
}
