/**
 * How an audit event that a log pipeline trimmed or wrapped (EKS through CloudWatch Logs, Datadog, Splunk,
 * Sumo Logic, Elastic, Panther) was made usable. An event can need several repairs; each is counted once
 * per event. A record that no repair can save is skipped with its {@link SkipReason} instead.
 */
export const RepairReason = {
  /** No `kind` and no `apiVersion`: recognised as an audit event by its fields (verb, objectRef/requestURI, user/sourceIPs). */
  missingKindAndApiVersion: 'missingKindAndApiVersion',
  /** No `auditID`: one derived from the event's identifying fields, so that replaying the same log dedups. */
  derivedAuditId: 'derivedAuditId',
  /** `stage` missing or not a stage of the audit API: taken as `ResponseComplete`. */
  defaultedStage: 'defaultedStage',
  /** No `user`: an unknown, non-system identity (username {@link UNKNOWN_USERNAME}). */
  unknownUser: 'unknownUser',
  /** A time written as `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC) or as epoch milliseconds, rewritten as RFC 3339. */
  convertedTime: 'convertedTime',
  /** No `requestReceivedTimestamp` (nor v1beta1 `timestamp`): the time taken from `stageTimestamp` or the pipeline's `@timestamp`. */
  timeFromOtherField: 'timeFromOtherField',
  /** The event came in an EKS CloudWatch Logs export or subscription payload (`logEvents[].message`). */
  cloudWatchEnvelope: 'cloudWatchEnvelope',
  /** The event came as an Elastic document (`kubernetes.audit.*`, nested or dotted keys). */
  elasticDocument: 'elasticDocument',
  /** The event came as a Splunk export row (`{"result":{"_raw":"<event JSON>"}}`). */
  splunkResult: 'splunkResult',
} as const;
export type RepairReason = (typeof RepairReason)[keyof typeof RepairReason];

/** The user of an event whose pipeline dropped `user`: matches no system list, so rules treat it as a person. */
export const UNKNOWN_USERNAME = 'unknown';
