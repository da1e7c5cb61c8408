import { type AlertEntity } from '../detection/entities';
import { AlertStatus, PRODUCT_NAME, VENDOR_NAME } from './alert';
import { type CorrelatedIncident, type Incident, INCIDENT_ALERT_TYPE, IncidentCorrelationState } from './incident';

/** The fields correlation owns; everything else (status, history, first formed) survives re-correlation. */
const CORRELATED_FIELDS = [
  'id',
  'subscriptionId',
  'clusterResourceId',
  'compromisedEntity',
  'isSimulated',
  'anchorAlertId',
  'alertIds',
  'alertSummaries',
  'intents',
  'techniques',
  'severity',
  'sharedEntities',
  'startTimeUtc',
  'endTimeUtc',
  'correlationKey',
] as const satisfies readonly (keyof CorrelatedIncident)[];

/**
 * What to write after a correlation run, given the stored incidents the run covered (every stored incident
 * that names one of the alerts read, see refreshIncidents.ts): only incidents that changed, each with one
 * more version stamped `now` (`lastModifiedUtc`, and `exportedChangeUtc` until the store stamps the write).
 * - An incident correlated again keeps its status and status history; its correlated fields are replaced.
 * - A new incident is Active, unless it absorbs stored incidents (a merge, or an earlier alert that changed
 *   the anchor): then it takes over the status and history of the absorbed one changed most recently by an admin.
 * - A stored incident no longer produced is `merged` (with `mergedIntoIncidentId`) when one of its alerts is in a
 *   new incident, else `dissolved` (its alerts were dismissed or no longer connect). Both keep their history.
 * Pure: the clock is passed in.
 */
export function reconcileIncidents(stored: readonly Incident[], correlated: readonly CorrelatedIncident[], now: Date): Incident[] {
  const nowUtc = now.toISOString();
  const storedById = new Map(stored.map((incident) => [incident.id, incident]));
  const correlatedIds = new Set(correlated.map((incident) => incident.id));
  const holderOfAlert = new Map<string, string>();
  for (const incident of correlated) for (const alertId of incident.alertIds) holderOfAlert.set(alertId, incident.id);
  const vanished = stored.filter((incident) => !correlatedIds.has(incident.id) && incident.correlationState === IncidentCorrelationState.current);

  const writes: Incident[] = [];
  for (const incident of correlated) {
    const previous = storedById.get(incident.id);
    if (previous === undefined) {
      const absorbed = vanished.filter((old) => old.alertIds.some((alertId) => holderOfAlert.get(alertId) === incident.id));
      const heir = mostRecentlyTriaged(absorbed);
      writes.push({
        ...presentation(incident),
        status: heir?.status ?? AlertStatus.Active,
        statusHistory: heir === undefined ? [] : [...heir.statusHistory],
        correlationState: IncidentCorrelationState.current,
        timeGeneratedUtc: nowUtc,
        version: 1,
        lastModifiedUtc: nowUtc,
        exportedChangeUtc: nowUtc,
      });
      continue;
    }
    if (previous.correlationState === IncidentCorrelationState.current && sameCorrelation(previous, incident)) continue;
    const { mergedIntoIncidentId: _merged, ...kept } = previous;
    writes.push({
      ...kept,
      ...presentation(incident),
      correlationState: IncidentCorrelationState.current,
      version: previous.version + 1,
      lastModifiedUtc: nowUtc,
      exportedChangeUtc: nowUtc,
    });
  }
  for (const old of vanished) {
    const survivor = old.alertIds.map((alertId) => holderOfAlert.get(alertId)).find((id) => id !== undefined);
    writes.push({
      ...old,
      ...(survivor === undefined
        ? { correlationState: IncidentCorrelationState.dissolved }
        : { correlationState: IncidentCorrelationState.merged, mergedIntoIncidentId: survivor }),
      version: old.version + 1,
      lastModifiedUtc: nowUtc,
      exportedChangeUtc: nowUtc,
    });
  }
  return writes;
}

/** The correlated fields plus what is derived from them for display. */
function presentation(
  incident: CorrelatedIncident,
): Omit<Incident, 'status' | 'statusHistory' | 'correlationState' | 'timeGeneratedUtc' | 'version' | 'lastModifiedUtc' | 'exportedChangeUtc'> {
  return {
    ...pickCorrelated(incident),
    systemAlertId: incident.id,
    isIncident: true,
    alertType: INCIDENT_ALERT_TYPE,
    alertDisplayName: `Security incident detected on cluster ${incident.compromisedEntity}`,
    description:
      `${incident.alertIds.length} alerts on cluster ${incident.compromisedEntity} (${incident.intents.join(' > ')}) ` +
      `between ${incident.startTimeUtc} and ${incident.endTimeUtc} involve the same ${incident.sharedEntities.map(entityLabel).join(', ')}.`,
    resourceIdentifiers: [{ type: 'AzureResource', azureResourceId: incident.clusterResourceId }],
    productName: PRODUCT_NAME,
    vendorName: VENDOR_NAME,
  };
}

function pickCorrelated(incident: CorrelatedIncident): CorrelatedIncident {
  return Object.fromEntries(CORRELATED_FIELDS.map((field) => [field, incident[field]])) as unknown as CorrelatedIncident;
}

function sameCorrelation(previous: Incident, next: CorrelatedIncident): boolean {
  return JSON.stringify(pickCorrelated(previous)) === JSON.stringify(pickCorrelated(next));
}

function mostRecentlyTriaged(incidents: readonly Incident[]): Incident | undefined {
  let best: Incident | undefined;
  let bestTime = '';
  for (const incident of incidents) {
    const time = incident.statusHistory.at(-1)?.timeUtc;
    if (time !== undefined && time > bestTime) {
      best = incident;
      bestTime = time;
    }
  }
  return best;
}

function entityLabel(entity: AlertEntity): string {
  switch (entity.type) {
    case 'account':
      return `account ${entity.name ?? ''}`;
    case 'K8s-pod':
      return `pod ${entity.namespace ?? ''}/${entity.name ?? ''}`;
    case 'host':
      return `node ${entity.name ?? ''}`;
    case 'ip':
      return `address ${entity.address ?? ''}`;
    default:
      return entity.type;
  }
}
