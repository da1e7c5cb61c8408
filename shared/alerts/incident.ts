import { type AlertEntity } from '../detection/entities';
import { type Intent, type Severity } from '../detection/rule';
import { type AlertStatus, type AlertStatusChange, type ResourceIdentifier } from './alert';

/** The alert type of every incident (Argus' own: Defender names its incidents by display name only). */
export const INCIDENT_ALERT_TYPE = 'K8S_SecurityIncident';

/**
 * Whether the incident still stands as correlated: `current`, `merged` into another incident (see
 * `mergedIntoIncidentId`), or `dissolved` (its alerts no longer form an incident: dismissed, or fewer
 * than two intents left). Only current incidents are listed by default; the others keep their history.
 */
export const IncidentCorrelationState = { current: 'current', merged: 'merged', dissolved: 'dissolved' } as const;
export type IncidentCorrelationState = (typeof IncidentCorrelationState)[keyof typeof IncidentCorrelationState];

/** What an incident shows of each of its alerts: the parts of an alert that never change once it is raised. */
export interface IncidentAlertSummary {
  id: string;
  alertType: string;
  alertDisplayName: string;
  intent: Intent;
  severity: Severity;
}

/**
 * What correlation computes for an incident from its alerts alone (no status, no clock): the part that
 * re-correlation may change. See correlateIncidents.ts.
 */
export interface CorrelatedIncident {
  /** Deterministic: the subscription, cluster, simulated flag and the anchor (earliest) alert's id. */
  id: string;
  subscriptionId: string;
  clusterResourceId: string;
  /** The cluster's name, as Defender names the compromised entity. */
  compromisedEntity: string;
  isSimulated: boolean;
  /** The earliest alert (by start time, then id): the incident's id derives from it. */
  anchorAlertId: string;
  /** The alerts in kill-chain order (by intent, then start time, then id). */
  alertIds: string[];
  /** The same alerts, in the same order, by type, name, intent and severity (what the exports name them by). */
  alertSummaries: IncidentAlertSummary[];
  /** The distinct intents of the alerts, in kill-chain order. */
  intents: Intent[];
  /** The distinct ATT&CK techniques of the alerts, sorted. */
  techniques: string[];
  /** One step above the highest alert's severity (Informational < Low < Medium < High), capped at High. */
  severity: Severity;
  /** The entities that tie the alerts together (named by two or more of them), normalized, sorted. */
  sharedEntities: AlertEntity[];
  /** Earliest start and latest end of the alerts' activity. */
  startTimeUtc: string;
  endTimeUtc: string;
  /** Defender's field: groups the incident (stable with its id). */
  correlationKey: string;
}

/**
 * An incident in the shape of Defender for Cloud's incident alerts (`isIncident: true`, a correlation key,
 * the correlated alerts), with a status the admins set like an alert's, kept across re-correlation.
 */
export interface Incident extends CorrelatedIncident {
  /** Equal to `id`, as for alerts. */
  systemAlertId: string;
  isIncident: true;
  alertType: typeof INCIDENT_ALERT_TYPE;
  alertDisplayName: string;
  description: string;
  status: AlertStatus;
  statusHistory: AlertStatusChange[];
  resourceIdentifiers: ResourceIdentifier[];
  correlationState: IncidentCorrelationState;
  /** When `correlationState` is `merged`: the incident that now holds the alerts. */
  mergedIntoIncidentId?: string;
  productName: string;
  vendorName: string;
  /** When the incident was first formed (the writer's clock). */
  timeGeneratedUtc: string;
  /**
   * 1 when formed, one more at every exported change: the alerts, severity or shared entities changing, a merge
   * or dissolution, a status change. A run that changes nothing writes nothing.
   */
  version: number;
  lastModifiedUtc: string;
  /**
   * When the store wrote this version (stamped at write time, and again after a write slower than the export's
   * settle time): the pull export's change order (`GET .../export/incidents`), as `lastModifiedUtc` is for alerts.
   */
  exportedChangeUtc: string;
}
