/** Why a record in the input could not be used. Every skipped record carries one; nothing is dropped silently. */
export const SkipReason = {
  /** A diagnostic record of another category (e.g. kube-apiserver klog text) routed to the same hub. */
  otherCategory: 'otherCategory',
  /** Not JSON at all, or a JSON document that is broken. */
  invalidJson: 'invalidJson',
  /** `properties.log` cut short: AKS truncates it at 16 KiB. */
  truncatedJson: 'truncatedJson',
  /** JSON, but neither an audit event, an event list nor a diagnostic record. */
  notAnAuditEvent: 'notAnAuditEvent',
  /** Looks like an audit event but a required field is missing or has the wrong type. */
  invalidAuditEvent: 'invalidAuditEvent',
  /** No cluster to attribute the event to: no usable `resourceId`, and the caller supplied none. */
  missingClusterIdentity: 'missingClusterIdentity',
  /** A CloudWatch Logs `CONTROL_MESSAGE`: the subscription filter checking that its destination is reachable; no log data. */
  controlMessage: 'controlMessage',
  /** Base64 or gzip data (a CloudWatch Logs subscription payload, a .gz file) that does not decode. */
  invalidCompressedData: 'invalidCompressedData',
  /** Nothing to read: an empty message or file. */
  emptyInput: 'emptyInput',
  /** JSON, but neither a Tetragon event nor a Falco alert (e.g. an audit event on the node events hub). */
  notANodeEvent: 'notANodeEvent',
  /** Looks like a Tetragon event or a Falco alert but a required field is missing or has the wrong type. */
  invalidNodeEvent: 'invalidNodeEvent',
  /** A Tetragon event of a type Argus does not read (`process_loader`, `process_throttle`, `rate_limit_info`, ...): counted, not dead-lettered. */
  unsupportedNodeEventType: 'unsupportedNodeEventType',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];
