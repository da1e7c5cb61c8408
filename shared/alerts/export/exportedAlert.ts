import { type Alert } from '../alert';

/**
 * An alert as the JSON export serves it: the alert's own shape (Defender's schema plus Argus' fields,
 * with `id` and `version` naming the state) without the ingestion pipeline's internal bookkeeping.
 * Alerts of every signal export alike: a node alert keeps its node entities whole (host, process role,
 * pid and command line, remote port, file) and its extended properties (`signal`, `node`, `eventType`).
 */
export type ExportedAlert = Omit<Alert, 'ingestedThrough'>;

/** The JSON export of an alert. Pure: the input is untouched (the result shares its nested values). */
export function toExportedAlert(alert: Alert): ExportedAlert {
  const { ingestedThrough: _ingestedThrough, ...exported } = alert;
  return exported;
}
