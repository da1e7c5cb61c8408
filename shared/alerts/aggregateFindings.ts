import { actorOf, evidenceIdOf, occurredAtOf, recordPropertiesOf } from '../detection/detectionRecord';
import { type AlertEntity, EntityType } from '../detection/entities';
import { type Finding } from '../detection/finding';
import { type Severity } from '../detection/rule';
import { type Alert, AlertStatus, PRODUCT_NAME, VENDOR_NAME } from './alert';
import { createAlertId, createCorrelationKey } from './alertId';

export interface AggregateFindingsOptions {
  /** Findings of the same rule, cluster and dedup key within one window are one alert. */
  windowInMs: number;
  /** When the alerts are generated (the caller's clock). */
  now: Date;
  /** Evidence audit ids kept per alert. */
  maxEvidence?: number;
  /** Entities kept per alert. */
  maxEntities?: number;
  /** The findings come from the attack simulation: the alerts are marked and their names say so. */
  isSimulated?: boolean;
}

/** How a simulated alert's display name starts (as Defender names its sample alerts). */
export const SAMPLE_ALERT_PREFIX = '[Sample alert] ';

export const DEFAULT_AGGREGATION_WINDOW_IN_MS = 60 * 60 * 1000;
export const DEFAULT_MAX_EVIDENCE = 20;
export const DEFAULT_MAX_ENTITIES = 50;

export const severityRank: Record<Severity, number> = { Informational: 0, Low: 1, Medium: 2, High: 3 };

/** Which alert a finding belongs to: its deterministic id and the start of its aggregation window. */
export interface FindingAlertIdentity {
  id: string;
  windowStartUtc: string;
}

/**
 * The alert a finding folds into: same rule, cluster and dedup key within a fixed window aligned to the
 * epoch, so every instance and every re-delivery computes the same id.
 */
export function alertIdentityOf(finding: Finding, windowInMs: number): FindingAlertIdentity {
  const { cluster } = finding.record;
  const timeInMs = Date.parse(occurredAtOf(finding.record));
  const windowStartUtc = new Date(Math.floor(timeInMs / windowInMs) * windowInMs).toISOString();
  const id = createAlertId({
    subscriptionId: cluster.subscriptionId,
    clusterResourceId: cluster.resourceId,
    ruleId: finding.rule.id,
    dedupKey: finding.dedupKey,
    windowStartUtc,
  });
  return { id, windowStartUtc };
}

/**
 * Turns findings into alerts: same rule, same cluster, same dedup key within a fixed window (aligned
 * to the epoch, so every instance and every re-delivery agrees) is one alert with a count, the widest
 * time range, the highest severity, the union of entities and a bounded, duplicate-free evidence list.
 */
export function aggregateFindings(findings: readonly Finding[], options: AggregateFindingsOptions): Alert[] {
  const maxEvidence = options.maxEvidence ?? DEFAULT_MAX_EVIDENCE;
  const maxEntities = options.maxEntities ?? DEFAULT_MAX_ENTITIES;
  const alerts = new Map<string, Alert>();
  const entityKeys = new Map<string, Set<string>>();

  for (const finding of findings) {
    const time = new Date(Date.parse(occurredAtOf(finding.record))).toISOString();
    const evidenceId = evidenceIdOf(finding.record);
    const { id, windowStartUtc } = alertIdentityOf(finding, options.windowInMs);
    let alert = alerts.get(id);
    if (alert === undefined) {
      alert = newAlert(finding, id, time, windowStartUtc, options);
      alerts.set(id, alert);
      entityKeys.set(id, new Set());
    } else {
      alert.count++;
      if (time < alert.startTimeUtc) alert.startTimeUtc = time;
      if (time > alert.endTimeUtc) alert.endTimeUtc = time;
      if (severityRank[finding.severity] > severityRank[alert.severity]) alert.severity = finding.severity;
    }
    if (alert.evidenceAuditIds.length < maxEvidence && !alert.evidenceAuditIds.includes(evidenceId)) {
      alert.evidenceAuditIds.push(evidenceId);
    }
    const seen = entityKeys.get(id) as Set<string>;
    for (const entity of finding.entities) {
      const key = JSON.stringify(entity);
      if (seen.has(key) || alert.entities.length >= maxEntities) continue;
      seen.add(key);
      alert.entities.push(entity);
    }
  }
  for (const alert of alerts.values()) alert.extendedProperties.occurrences = String(alert.count);
  return [...alerts.values()];
}

function newAlert(finding: Finding, id: string, time: string, windowStartUtc: string, options: AggregateFindingsOptions): Alert {
  const { rule, record } = finding;
  const { cluster } = record;
  const clusterEntity: AlertEntity = { type: EntityType.cluster, name: cluster.clusterName };
  return {
    id,
    systemAlertId: id,
    subscriptionId: cluster.subscriptionId,
    alertType: finding.alertType,
    alertDisplayName: options.isSimulated === true ? `${SAMPLE_ALERT_PREFIX}${finding.displayName}` : finding.displayName,
    description: rule.description,
    severity: finding.severity,
    intent: rule.intent,
    techniques: [...rule.techniques],
    status: AlertStatus.Active,
    startTimeUtc: time,
    endTimeUtc: time,
    timeGeneratedUtc: options.now.toISOString(),
    compromisedEntity: cluster.clusterName,
    resourceIdentifiers: [{ type: 'AzureResource', azureResourceId: cluster.resourceId }],
    entities: [clusterEntity],
    extendedProperties: {
      ...finding.details,
      resourceGroup: cluster.resourceGroup,
      ...recordPropertiesOf(record),
      ruleId: rule.id,
    },
    remediationSteps: [...rule.remediation],
    correlationKey: createCorrelationKey(cluster.resourceId, actorOf(record)),
    productName: PRODUCT_NAME,
    vendorName: VENDOR_NAME,
    isSimulated: options.isSimulated ?? false,
    count: 1,
    evidenceAuditIds: [],
    statusHistory: [],
    ruleId: rule.id,
    equivalents: rule.equivalents,
    clusterResourceId: cluster.resourceId,
    windowStartUtc,
    version: 1,
    lastModifiedUtc: options.now.toISOString(),
  };
}
