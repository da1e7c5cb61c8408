/**
 * A security assessment in the shape of Defender for Cloud's `Microsoft.Security/assessments` (flattened and
 * camelCase like Argus' alerts), so tooling written for Defender's recommendations maps over: one per
 * recommendation (check) and resource (cluster).
 */

export const AssessmentStatusCode = { Healthy: 'Healthy', Unhealthy: 'Unhealthy', NotApplicable: 'NotApplicable' } as const;
export type AssessmentStatusCode = (typeof AssessmentStatusCode)[keyof typeof AssessmentStatusCode];

/** Defender's recommendation severities. */
export const AssessmentSeverity = { High: 'High', Medium: 'Medium', Low: 'Low' } as const;
export type AssessmentSeverity = (typeof AssessmentSeverity)[keyof typeof AssessmentSeverity];

/** Defender's `userImpact` and `implementationEffort` levels. */
export const ImpactLevel = { Low: 'Low', Moderate: 'Moderate', High: 'High' } as const;
export type ImpactLevel = (typeof ImpactLevel)[keyof typeof ImpactLevel];

/** Defender's recommendation categories, and Argus' `Workload` (the workload controls' assessments carry it beside theirs). */
export const AssessmentCategory = { Compute: 'Compute', Networking: 'Networking', Data: 'Data', IdentityAndAccess: 'IdentityAndAccess', IoT: 'IoT', Workload: 'Workload' } as const;
export type AssessmentCategory = (typeof AssessmentCategory)[keyof typeof AssessmentCategory];

/** Defender's threat names. */
export const AssessmentThreat = {
  AccountBreach: 'AccountBreach',
  DataExfiltration: 'DataExfiltration',
  DataSpillage: 'DataSpillage',
  MaliciousInsider: 'MaliciousInsider',
  ElevationOfPrivilege: 'ElevationOfPrivilege',
  ThreatResistance: 'ThreatResistance',
  MissingCoverage: 'MissingCoverage',
  DenialOfService: 'DenialOfService',
} as const;
export type AssessmentThreat = (typeof AssessmentThreat)[keyof typeof AssessmentThreat];

export interface AssessmentStatus {
  code: AssessmentStatusCode;
  /** Why, in one camelCase word (`noReadAccess`, `notAksCluster`, `noNodePools`, ...); mostly for NotApplicable. */
  cause?: string;
  /** For people: what was found. */
  description?: string;
}

export interface AssessmentMetadata {
  displayName: string;
  description: string;
  remediationDescription: string;
  severity: AssessmentSeverity;
  categories: readonly AssessmentCategory[];
  threats: readonly AssessmentThreat[];
  userImpact: ImpactLevel;
  implementationEffort: ImpactLevel;
}

/** The check's equivalents in other tools, as rules name theirs. */
export interface CheckEquivalents {
  /** Defender for Cloud recommendation display names (or assessment keys). */
  defender: readonly string[];
  /** Prowler check ids (`aks_cluster_rbac_enabled`). */
  prowler: readonly string[];
  /** Checkov ids (`CKV_AZURE_5`). */
  checkov: readonly string[];
  /** Trivy / defsec ids (`AVD-AZU-0042`). */
  trivy: readonly string[];
  /** CIS Azure Kubernetes Service Benchmark recommendation numbers (`5.4.1`). */
  cisAks: readonly string[];
}
