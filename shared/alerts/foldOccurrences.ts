import { evidenceIdOf } from '../detection/detectionRecord';
import { type Finding } from '../detection/finding';
import { type Alert } from './alert';
import { aggregateFindings, DEFAULT_MAX_ENTITIES, DEFAULT_MAX_EVIDENCE, severityRank } from './aggregateFindings';
import { dismissBySuppressionRule, findSuppressingRule, type SuppressionRule } from './suppressionRule';

/** Where an event was read: its stream (`<hub>/<partition>`) and its sequence number in that stream. */
export interface StreamPosition {
  stream: string;
  sequenceNumber: number;
}

/** A finding together with the position of the event it came from. */
export interface AlertOccurrence {
  finding: Finding;
  position: StreamPosition;
  /** The event is the service's own simulation (its signature was verified on ingestion). */
  simulated?: boolean;
}

export interface FoldOccurrencesOptions {
  windowInMs: number;
  /** The caller's clock: `timeGeneratedUtc` of a new alert, time of a suppression. */
  now: Date;
  /** The subscription's suppression rules; they decide only the status of a NEW alert. */
  suppressionRules: readonly SuppressionRule[];
  maxEvidence?: number;
  maxEntities?: number;
}

/**
 * The next version of one alert after a batch: the occurrences (all of the same alert id) not yet
 * counted are folded into the stored alert, or make a new one. Pure.
 *
 * Exactly once in effect: an occurrence counts only if its event comes after the alert's
 * `ingestedThrough` position for its stream. Event Hubs delivers a partition in order, so a batch
 * delivered again, whole or re-cut, finds its events already counted. An event sent again at a new
 * position (a shipper's or webhook's retry, the same export file posted twice) is found by its id among
 * the alert's evidence: while that list is not full it holds the id of every event counted, so the resent
 * event counts nothing. Returns undefined when there is nothing new to write. A stored alert keeps its status, history and `timeGeneratedUtc`; a new alert
 * that a suppression rule matches starts Dismissed, the rule named in its history.
 */
export function foldOccurrences(stored: Alert | undefined, occurrences: readonly AlertOccurrence[], options: FoldOccurrencesOptions): Alert | undefined {
  const counted = stored?.ingestedThrough ?? {};
  const evidence = completeEvidenceOf(stored, limits(options).maxEvidence);
  const fresh = occurrences.filter(
    ({ position, finding }) => position.sequenceNumber > (counted[position.stream] ?? -1) && !evidence.has(evidenceIdOf(finding.record)),
  );
  if (fresh.length === 0) return undefined;
  const ingestedThrough = { ...counted };
  for (const { position } of fresh) {
    ingestedThrough[position.stream] = Math.max(ingestedThrough[position.stream] ?? -1, position.sequenceNumber);
  }
  const aggregated = aggregateFindings(
    fresh.map((occurrence) => occurrence.finding),
    // An alert's id includes its cluster, and only the reserved simulated cluster has simulated events.
    { windowInMs: options.windowInMs, now: options.now, isSimulated: fresh[0]?.simulated === true, ...limits(options) },
  );
  const delta = aggregated[0];
  if (delta === undefined || aggregated.length !== 1 || (stored !== undefined && stored.id !== delta.id)) {
    throw new Error('foldOccurrences expects the occurrences of exactly one alert');
  }
  if (stored !== undefined) return { ...mergeAlert(stored, delta, options), ingestedThrough, version: stored.version + 1, lastModifiedUtc: options.now.toISOString() };
  const rule = findSuppressingRule(options.suppressionRules, delta, options.now);
  const created = { ...delta, ingestedThrough };
  return rule === undefined ? created : dismissBySuppressionRule(created, rule, options.now);
}

/**
 * A stored alert with more occurrences of itself: the count adds up, the activity range widens, the
 * severity is the highest seen, entities and evidence are unions (bounded, without duplicates).
 * Identity, status, history and `timeGeneratedUtc` stay as stored. Pure.
 */
export function mergeAlert(stored: Alert, delta: Alert, options: { maxEvidence?: number; maxEntities?: number } = {}): Alert {
  const { maxEvidence, maxEntities } = limits(options);
  const count = stored.count + delta.count;
  const evidence = [...stored.evidenceAuditIds];
  for (const auditId of delta.evidenceAuditIds) {
    if (evidence.length >= maxEvidence) break;
    if (!evidence.includes(auditId)) evidence.push(auditId);
  }
  const entities = [...stored.entities];
  const entityKeys = new Set(entities.map((entity) => JSON.stringify(entity)));
  for (const entity of delta.entities) {
    if (entities.length >= maxEntities) break;
    const key = JSON.stringify(entity);
    if (entityKeys.has(key)) continue;
    entityKeys.add(key);
    entities.push(entity);
  }
  return {
    ...stored,
    severity: severityRank[delta.severity] > severityRank[stored.severity] ? delta.severity : stored.severity,
    startTimeUtc: delta.startTimeUtc < stored.startTimeUtc ? delta.startTimeUtc : stored.startTimeUtc,
    endTimeUtc: delta.endTimeUtc > stored.endTimeUtc ? delta.endTimeUtc : stored.endTimeUtc,
    count,
    evidenceAuditIds: evidence,
    entities,
    extendedProperties: { ...stored.extendedProperties, occurrences: String(count) },
  };
}

/** The ids of every event counted in the alert, when its evidence list holds them all (it is not full); else none. */
function completeEvidenceOf(stored: Alert | undefined, maxEvidence: number): ReadonlySet<string> {
  if (stored === undefined || stored.evidenceAuditIds.length >= maxEvidence) return new Set();
  return new Set(stored.evidenceAuditIds);
}

function limits(options: { maxEvidence?: number; maxEntities?: number }): { maxEvidence: number; maxEntities: number } {
  return { maxEvidence: options.maxEvidence ?? DEFAULT_MAX_EVIDENCE, maxEntities: options.maxEntities ?? DEFAULT_MAX_ENTITIES };
}
