import { type WorkloadFinding } from './workloadControl';

/**
 * What a workload finding may show wherever it leaves Argus (the workload list, assessments' sub-assessments, the
 * export): audit objects carry secrets in environment variables and commands, so those values never leave. Pure.
 */

/** A finding as the API shows it. */
export interface WorkloadFindingView {
  container?: string;
  field: string;
  value: string;
}

/** The longest finding value shown; longer ones are cut (a value is evidence, not a copy of the manifest). */
export const MAX_FINDING_VALUE_LENGTH = 256;

export const REDACTED = '(redacted)';

/**
 * Fields whose values are never shown: environment variables, commands and arguments (where secrets are passed when
 * they are not mounted), and FlexVolume options (driver-defined, credentials included). No control reports such a
 * field today; this keeps it so when one does.
 */
const secretBearingField = /(^|\.)(env|envFrom|command|args)(\[|\.|$)|(^|\.)flexVolume(\.|$)/;

/** A finding as the API may show it: no secret-bearing value, and no value longer than {@link MAX_FINDING_VALUE_LENGTH}. */
export function redactFinding(finding: WorkloadFinding): WorkloadFindingView {
  const value = secretBearingField.test(finding.field)
    ? REDACTED
    : finding.value.length > MAX_FINDING_VALUE_LENGTH
      ? `${finding.value.slice(0, MAX_FINDING_VALUE_LENGTH - 3)}...`
      : finding.value;
  return { ...(finding.container === undefined ? {} : { container: finding.container }), field: finding.field, value };
}
