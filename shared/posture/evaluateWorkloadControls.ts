import { type AssessmentSeverity, AssessmentStatusCode } from './assessment';
import { workloadControls } from './checks/workload';
import { type ControlOutcome, type WorkloadControl, type WorkloadControlDefinition, type WorkloadFinding } from './workloadControl';
import { type WorkloadObject } from './workloadObject';
import { type WorkloadSettings } from './workloadSettings';

/**
 * Evaluates the workload controls over one Kubernetes object. Pure: a control that throws or returns something that
 * is not an outcome is isolated (NotApplicable, cause `checkFailed`) so one bug never hides the other controls.
 */

/** One control's verdict on one object. */
export interface WorkloadControlResult {
  controlName: string;
  code: AssessmentStatusCode;
  /** Why, for NotApplicable (`notItsTarget`, `excludedNamespace`, `noPodSpec`, `checkFailed`, or the control's own). */
  cause?: string;
  /** For people: what the control said beside the code (NotApplicable only). */
  description?: string;
  /** What fails; empty unless Unhealthy. */
  findings: readonly WorkloadFinding[];
  severity: AssessmentSeverity;
  /** The Pod Security Standards' control and level; absent for Azure Policy-only controls. */
  podSecurity?: WorkloadControlDefinition['podSecurity'];
}

/** Causes the evaluation itself gives (the controls and defineWorkloadControl give their own). */
export const WorkloadEvaluationFailure = {
  /** The control threw or returned something that is not an outcome: a bug, isolated. */
  CheckFailed: 'checkFailed',
} as const;

const validCodes = new Set<string>(Object.values(AssessmentStatusCode));

export function evaluateWorkloadControls(
  object: WorkloadObject,
  settings: WorkloadSettings,
  controls: readonly WorkloadControl[] = workloadControls,
): WorkloadControlResult[] {
  return controls.map((control) => {
    const outcome = runControl(control, object, settings);
    return {
      controlName: control.name,
      code: outcome.code,
      ...(outcome.code === AssessmentStatusCode.NotApplicable ? { cause: outcome.cause } : {}),
      ...(outcome.code === AssessmentStatusCode.NotApplicable && outcome.description !== undefined ? { description: outcome.description } : {}),
      findings: outcome.code === AssessmentStatusCode.Unhealthy ? outcome.findings : [],
      severity: control.severity,
      ...(control.podSecurity === undefined ? {} : { podSecurity: control.podSecurity }),
    };
  });
}

function runControl(control: WorkloadControl, object: WorkloadObject, settings: WorkloadSettings): ControlOutcome {
  try {
    const outcome: unknown = control.evaluate(object, settings);
    return isOutcome(outcome) ? outcome : failed('The control returned no valid outcome.');
  } catch (error) {
    return failed(`The control failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function failed(description: string): ControlOutcome {
  return { code: AssessmentStatusCode.NotApplicable, cause: WorkloadEvaluationFailure.CheckFailed, description };
}

function isOutcome(value: unknown): value is ControlOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const outcome = value as Record<string, unknown>;
  const code = outcome['code'];
  if (typeof code !== 'string' || !validCodes.has(code)) return false;
  if (code === AssessmentStatusCode.NotApplicable) return typeof outcome['cause'] === 'string';
  if (code === AssessmentStatusCode.Healthy) return true;
  const findings = outcome['findings'];
  return Array.isArray(findings) && findings.length > 0 && findings.every(isFinding);
}

function isFinding(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const finding = value as Record<string, unknown>;
  return typeof finding['field'] === 'string' && typeof finding['value'] === 'string' && (finding['container'] === undefined || typeof finding['container'] === 'string');
}
