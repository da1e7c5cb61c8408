import { type Severity } from '../../detection/rule';
import { type AlertStatus } from '../alert';
import { type Incident, IncidentCorrelationState } from '../incident';
import { attackTacticOf, OCSF_SCHEMA_VERSION, OCSF_SEVERITIES, type OcsfAttack, type OcsfMetadata, type OcsfObservable, type OcsfResourceDetails } from './ocsfFormat';

/**
 * An incident as an OCSF 1.3.0 Incident Finding (`class_uid` 2005, category Findings 2): "the creation, update, or
 * closure of security incidents as a result of detections and/or analytics".
 *
 * What 1.3.0 requires (base_event.json, incident_finding.json, objects/finding_info.json): `activity_id`,
 * `category_uid`, `class_uid`, `type_uid`, `severity_id`, `time`, `metadata`, `status_id`, `finding_info_list` (each
 * `uid` and `title`), and at least one of `assignee`, `assignee_group`. Recommended and set: `desc`, `priority_id`,
 * `verdict_id`, `impact_id`/`impact`, `src_url` is not (Argus has no incident page URL to give).
 * Not emitted: the `incident` profile and `vendor_attributes` (added in 1.4.0), `tickets` (1.5.0).
 *
 * Mappings:
 * - activity: 1 Create at version 1; 3 Close once the incident is Resolved or Dismissed, or merged into another, or
 *   dissolved; else 2 Update. `type_uid` = 200500 + activity.
 * - `status_id` (the incident enum): Active 1 New, InProgress 2 In Progress, Resolved 4 Resolved, Dismissed 5 Closed;
 *   merged and dissolved incidents 5 Closed (they no longer stand as correlated).
 * - `verdict_id`: merged 10 Duplicate; dissolved 99 Other ("Dissolved"); Dismissed 1 False Positive; a simulation's
 *   incident 6 Test; else 4 Suspicious (correlation, not an analyst, formed it).
 * - severity (Informational 1, Low 2, Medium 3, High 4) and `priority_id` (Low 1, Medium 2, High 3; Informational
 *   Low) from the incident's escalated severity.
 * - `finding_info_list`: the correlated alerts in kill-chain order (uid the alert id, title its name, types its alert
 *   type, the intent's ATT&CK tactic); `attacks`: the techniques of the alerts.
 * - `assignee`: the admin who set the status last (uid the principal id); `assignee_group`: Argus' SecurityAdmin role
 *   of the subscription, who own incidents until one does.
 * - `start_time`/`end_time`: the alerts' activity; `time`: when the change was written (`exportedChangeUtc`);
 *   `metadata.uid` = `<incident id>:<version>`. `resources[0]`: the cluster; `observables`: the shared entities.
 * - `unmapped`: Argus' own fields (correlationKey, correlationState, mergedIntoIncidentId, alertIds, intents, ...).
 * Pure: no I/O, no clock.
 */

export const OCSF_INCIDENT_FINDING_CLASS = 2005;

export const OcsfIncidentActivity = { Create: 1, Update: 2, Close: 3 } as const;
export type OcsfIncidentActivityId = (typeof OcsfIncidentActivity)[keyof typeof OcsfIncidentActivity];

export interface OcsfIncidentFindingInfo {
  uid: string;
  title: string;
  types: string[];
  attacks?: OcsfAttack[];
}

/** What Argus emits of an OCSF 1.3.0 Incident Finding. */
export interface OcsfIncidentFinding {
  activity_id: OcsfIncidentActivityId;
  activity_name: 'Create' | 'Update' | 'Close';
  category_uid: 2;
  category_name: 'Findings';
  class_uid: typeof OCSF_INCIDENT_FINDING_CLASS;
  class_name: 'Incident Finding';
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  priority_id: number;
  priority: string;
  status_id: number;
  status: string;
  verdict_id: number;
  verdict: string;
  time: number;
  timezone_offset: 0;
  start_time?: number;
  end_time?: number;
  desc: string;
  message: string;
  metadata: OcsfMetadata;
  finding_info_list: OcsfIncidentFindingInfo[];
  attacks?: OcsfAttack[];
  assignee?: { uid: string; name?: string };
  assignee_group: { name: string; type: string; uid: string };
  comment?: string;
  resources: OcsfResourceDetails[];
  observables: OcsfObservable[];
  cloud: { provider: 'Azure'; account: { uid: string; type_id: 13; type: 'Azure Subscription' } };
  unmapped: Record<string, unknown>;
}

const priorities = {
  Informational: { id: 1, name: 'Low' },
  Low: { id: 1, name: 'Low' },
  Medium: { id: 2, name: 'Medium' },
  High: { id: 3, name: 'High' },
} as const satisfies Record<Severity, { id: number; name: string }>;

const statuses = {
  Active: { id: 1, name: 'New' },
  InProgress: { id: 2, name: 'In Progress' },
  Resolved: { id: 4, name: 'Resolved' },
  Dismissed: { id: 5, name: 'Closed' },
} as const satisfies Record<AlertStatus, { id: number; name: string }>;

const CLOSED = { id: 5, name: 'Closed' } as const;

export function toOcsfIncidentFinding(incident: Incident, options: { productVersion: string }): OcsfIncidentFinding {
  const superseded = incident.correlationState !== IncidentCorrelationState.current;
  const closed = superseded || incident.status === 'Resolved' || incident.status === 'Dismissed';
  const activityId: OcsfIncidentActivityId = incident.version <= 1 ? OcsfIncidentActivity.Create : closed ? OcsfIncidentActivity.Close : OcsfIncidentActivity.Update;
  const activityName = activityId === OcsfIncidentActivity.Create ? 'Create' : activityId === OcsfIncidentActivity.Close ? 'Close' : 'Update';
  const time = Date.parse(incident.exportedChangeUtc);
  const status = superseded ? CLOSED : statuses[incident.status];
  const verdict = verdictOf(incident);
  const lastChange = incident.statusHistory.at(-1);
  const attacks = incident.techniques.map(attackOf);
  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: 2,
    category_name: 'Findings',
    class_uid: OCSF_INCIDENT_FINDING_CLASS,
    class_name: 'Incident Finding',
    type_uid: OCSF_INCIDENT_FINDING_CLASS * 100 + activityId,
    type_name: `Incident Finding: ${activityName}`,
    severity_id: OCSF_SEVERITIES[incident.severity].id,
    severity: OCSF_SEVERITIES[incident.severity].name,
    priority_id: priorities[incident.severity].id,
    priority: priorities[incident.severity].name,
    status_id: status.id,
    status: status.name,
    verdict_id: verdict.id,
    verdict: verdict.name,
    time,
    timezone_offset: 0,
    ...optionalTime('start_time', incident.startTimeUtc),
    ...optionalTime('end_time', incident.endTimeUtc),
    desc: incident.description,
    message: `${incident.alertDisplayName}: ${incident.alertIds.length} alerts (${incident.intents.join(' > ')})`,
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      product: { name: incident.productName || 'Argus', vendor_name: incident.vendorName || 'Argus', version: options.productVersion },
      uid: `${incident.id}:${incident.version}`,
      profiles: ['cloud'],
      modified_time: time,
    },
    finding_info_list: incident.alertSummaries.map((alert) => {
      const tactic = attackTacticOf(alert.intent);
      return { uid: alert.id, title: alert.alertDisplayName, types: [alert.alertType], ...(tactic === undefined ? {} : { attacks: [{ tactic }] }) };
    }),
    ...(attacks.length > 0 ? { attacks } : {}),
    ...(lastChange === undefined ? {} : { assignee: { uid: lastChange.principalId, ...(lastChange.principalName ? { name: lastChange.principalName } : {}) } }),
    assignee_group: { name: 'SecurityAdmin', type: 'Argus subscription role', uid: `/subscriptions/${incident.subscriptionId}/roles/SecurityAdmin` },
    ...(lastChange?.comment === undefined ? {} : { comment: lastChange.comment }),
    resources: [{ uid: incident.clusterResourceId, name: incident.compromisedEntity, type: 'Microsoft.ContainerService/managedClusters' }],
    observables: observablesOf(incident),
    cloud: { provider: 'Azure', account: { uid: incident.subscriptionId, type_id: 13, type: 'Azure Subscription' } },
    unmapped: {
      subscriptionId: incident.subscriptionId,
      version: incident.version,
      isIncident: true,
      alertType: incident.alertType,
      correlationKey: incident.correlationKey,
      correlationState: incident.correlationState,
      ...(incident.mergedIntoIncidentId === undefined ? {} : { mergedIntoIncidentId: incident.mergedIntoIncidentId }),
      alertIds: [...incident.alertIds],
      intents: [...incident.intents],
      sharedEntities: incident.sharedEntities,
      isSimulated: incident.isSimulated,
      timeGeneratedUtc: incident.timeGeneratedUtc,
    },
  };
}

function verdictOf(incident: Incident): { id: number; name: string } {
  if (incident.correlationState === IncidentCorrelationState.merged) return { id: 10, name: 'Duplicate' };
  if (incident.correlationState === IncidentCorrelationState.dissolved) return { id: 99, name: 'Dissolved' };
  if (incident.status === 'Dismissed') return { id: 1, name: 'False Positive' };
  if (incident.isSimulated) return { id: 6, name: 'Test' };
  return { id: 4, name: 'Suspicious' };
}

/** `T1552.007` as technique T1552 plus sub-technique T1552.007, as the alert export does. */
function attackOf(technique: string): OcsfAttack {
  const dot = technique.indexOf('.');
  return dot < 0 ? { technique: { uid: technique } } : { technique: { uid: technique.slice(0, dot) }, sub_technique: { uid: technique } };
}

/** The shared entities: account (User Name 4), node (Hostname 1), address (IP Address 2), pod (Other 99). */
function observablesOf(incident: Incident): OcsfObservable[] {
  const observables: OcsfObservable[] = [{ name: 'resources.uid', type_id: 10, type: 'Resource UID', value: incident.clusterResourceId }];
  for (const entity of incident.sharedEntities) {
    if (entity.type === 'account' && entity.name) observables.push({ name: 'unmapped.sharedEntities.account', type_id: 4, type: 'User Name', value: entity.name });
    else if (entity.type === 'host' && entity.name) observables.push({ name: 'unmapped.sharedEntities.host', type_id: 1, type: 'Hostname', value: entity.name });
    else if (entity.type === 'ip' && entity.address) observables.push({ name: 'unmapped.sharedEntities.ip', type_id: 2, type: 'IP Address', value: entity.address });
    else if (entity.type === 'K8s-pod' && entity.name) observables.push({ name: 'unmapped.sharedEntities.pod', type_id: 99, type: 'Other', value: `${entity.namespace ?? ''}/${entity.name}` });
  }
  return observables;
}

function optionalTime<K extends string>(key: K, isoTime: string): Partial<Record<K, number>> {
  const ms = Date.parse(isoTime);
  return Number.isFinite(ms) ? ({ [key]: ms } as Record<K, number>) : {};
}
