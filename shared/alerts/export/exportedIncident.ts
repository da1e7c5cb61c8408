import { type Incident } from '../incident';

/**
 * An incident as the JSON export serves it: the stored shape (Defender's incident alert fields, the correlated alerts,
 * the admins' status) with `kind: "incident"`, so a consumer reading alerts, assessments and incidents from one stream
 * (an Event Hub target) tells them apart; `id` and `version` name the state.
 */
export type ExportedIncident = Incident & { kind: 'incident' };

export function toExportedIncident(incident: Incident): ExportedIncident {
  return { kind: 'incident', ...incident };
}
