import { type AlertEntity, EntityType } from '../../detection/entities';
import { type Incident, INCIDENT_ALERT_TYPE } from '../incident';
import { cefSeverityOf, escapeCefExtension, escapeCefHeader, labelled } from './cefFormat';

/**
 * An incident change as one CEF line, beside alerts and assessments in the same stream:
 *
 *   CEF:0|Argus|Argus|<productVersion>|incident:K8S_SecurityIncident|<incident name>|<severity>|<extension>
 *
 * Signature ID `incident:` + the incident alert type (one class for every incident, as alert lines carry their alert
 * type and assessment lines `assessment:<check>`; the incident's own key is `flexString2`). Severity as alerts' (High
 * 8, Medium 5, Low 3, Informational 1), from the incident's escalated severity. Extension, in this order, each left out
 * when empty: `rt` the change's time (exportedChangeUtc), `start`/`end` the alerts' activity, `externalId` the incident
 * id, `cat` the intents in kill-chain order (`>`-separated), `cnt` the number of alerts, `msg` the description, `suser`
 * the first shared account, `src` the first shared address, `dvchost` the first shared node; cs1 cluster, cs2 the
 * correlation state (current, merged, dissolved), cs3 the alert ids (comma-separated, kill-chain order), cs4 techniques,
 * cs5 status, cs6 the incident it was merged into, cn1 version, flexString1 isSimulated, flexString2 correlationKey.
 * Pure: no I/O, no clock.
 */

export const INCIDENT_CEF_SIGNATURE = `incident:${INCIDENT_ALERT_TYPE}`;

export function toIncidentCefLine(incident: Incident, options: { productVersion: string }): string {
  const header = [
    'CEF:0',
    'Argus',
    'Argus',
    escapeCefHeader(options.productVersion),
    escapeCefHeader(INCIDENT_CEF_SIGNATURE),
    escapeCefHeader(incident.alertDisplayName),
    String(cefSeverityOf(incident.severity)),
  ].join('|');
  const fields: [string, string | undefined][] = [
    ['rt', epochMs(incident.exportedChangeUtc)],
    ['start', epochMs(incident.startTimeUtc)],
    ['end', epochMs(incident.endTimeUtc)],
    ['externalId', incident.id],
    ['cat', incident.intents.join('>')],
    ['cnt', String(incident.alertIds.length)],
    ['msg', incident.description],
    ['suser', shared(incident, EntityType.account)?.name],
    ['src', shared(incident, EntityType.ip)?.address],
    ['dvchost', shared(incident, EntityType.host)?.name],
    ...labelled('cs1', 'cluster', incident.clusterResourceId),
    ...labelled('cs2', 'correlationState', incident.correlationState),
    ...labelled('cs3', 'alertIds', incident.alertIds.join(',')),
    ...labelled('cs4', 'techniques', incident.techniques.join(',')),
    ...labelled('cs5', 'status', incident.status),
    ...labelled('cs6', 'mergedIntoIncidentId', incident.mergedIntoIncidentId),
    ...labelled('cn1', 'incidentVersion', String(incident.version)),
    ...labelled('flexString1', 'isSimulated', String(incident.isSimulated)),
    ...labelled('flexString2', 'correlationKey', incident.correlationKey),
  ];
  const extension = fields
    .filter((field): field is [string, string] => field[1] !== undefined && field[1] !== '')
    .map(([key, value]) => `${key}=${escapeCefExtension(value)}`)
    .join(' ');
  return `${header}|${extension}`;
}

function shared(incident: Incident, type: EntityType): AlertEntity | undefined {
  return incident.sharedEntities.find((entity) => entity.type === type);
}

function epochMs(isoTime: string): string | undefined {
  const ms = Date.parse(isoTime);
  return Number.isFinite(ms) ? String(ms) : undefined;
}
