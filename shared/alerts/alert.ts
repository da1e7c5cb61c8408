import { type AlertEntity } from '../detection/entities';
import { type Intent, type RuleEquivalents, type Severity } from '../detection/rule';

export const AlertStatus = { Active: 'Active', InProgress: 'InProgress', Resolved: 'Resolved', Dismissed: 'Dismissed' } as const;
export type AlertStatus = (typeof AlertStatus)[keyof typeof AlertStatus];

/** One entry of an alert's status history: who changed it, when, to what, and why. */
export interface AlertStatusChange {
  status: AlertStatus;
  principalId: string;
  principalName: string;
  timeUtc: string;
  comment?: string;
}

export interface ResourceIdentifier {
  type: 'AzureResource';
  azureResourceId: string;
}

/**
 * An alert in the shape of Defender for Cloud's security alert schema (so SIEM content written for
 * Defender reads it), plus Argus' own fields: the partition key, the aggregation count, the evidence,
 * the status history and the rule's equivalents in other products.
 */
export interface Alert {
  /** The Cosmos document id; equal to `systemAlertId`. Deterministic, so re-delivery changes nothing. */
  id: string;
  systemAlertId: string;
  /** Partition key: tenant isolation is by subscription. */
  subscriptionId: string;
  alertType: string;
  alertDisplayName: string;
  description: string;
  severity: Severity;
  intent: Intent;
  techniques: string[];
  status: AlertStatus;
  startTimeUtc: string;
  endTimeUtc: string;
  timeGeneratedUtc: string;
  /** The cluster's name, as Defender names the compromised entity. */
  compromisedEntity: string;
  resourceIdentifiers: ResourceIdentifier[];
  entities: AlertEntity[];
  extendedProperties: Record<string, string>;
  remediationSteps: string[];
  /** Groups alerts about the same cluster and entity across rules (for incidents). */
  correlationKey: string;
  productName: string;
  vendorName: string;
  isSimulated: boolean;
  /** How many requests this alert aggregates. */
  count: number;
  /** Audit ids of the requests behind the alert (bounded, no duplicates). */
  evidenceAuditIds: string[];
  statusHistory: AlertStatusChange[];
  ruleId: string;
  equivalents: RuleEquivalents;
  clusterResourceId: string;
  /** Start of the aggregation window the alert covers. */
  windowStartUtc: string;
  /**
   * Per event stream (`<hub>/<partition>`), the sequence number of the last event already counted in
   * this alert: a re-delivered batch finds its events here and counts nothing twice. Written by the
   * ingestion pipeline; absent on alerts from other sources.
   */
  ingestedThrough?: Record<string, number>;
  /**
   * 1 when the alert is raised, one more at every change (count, times, status). With the alert id it
   * names one state of the alert, so an export consumer that receives a state twice can drop the repeat.
   */
  version: number;
  /** When the alert last changed (the writer's clock, ISO 8601 UTC): the incremental export's order. */
  lastModifiedUtc: string;
}

export const PRODUCT_NAME = 'Argus';
export const VENDOR_NAME = 'Argus';

/** Node alerts say so in their extended properties (`signal: node`, see detectionRecord.ts); audit alerts carry no signal. */
export function isNodeAlert(alert: Pick<Alert, 'extendedProperties'>): boolean {
  return alert.extendedProperties['signal'] === 'node';
}
