import { SKIPPED_TOO_BIG_OBJECT } from '../kubernetes/auditEvent';

/**
 * Wraps raw audit events (what an API server's audit webhook POSTs) as the diagnostic records AKS
 * diagnostic settings write, and packs them into Event Hubs message bodies (`{"records":[...]}`), so that
 * the audit hub carries one format and the pipeline's decoder reads webhook events like AKS ones. Pure:
 * the time for events without one is passed in.
 */

/** Event Hubs Standard takes events up to 1 MiB; the margin covers the AMQP envelope and properties. */
export const MAX_MESSAGE_BODY_IN_BYTES = 950 * 1024;

/** What AKS writes in every `kube-audit` record, whatever the cluster's type. */
export const DIAGNOSTIC_OPERATION_NAME = 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read';
/** Names the webhook as the records' source, where AKS names its API server pod. */
export const WEBHOOK_POD_NAME = 'argus-audit-webhook';

export interface PackDiagnosticRecordsOptions {
  /** The cluster's resource id, written as each record's `resourceId`. */
  resourceId: string;
  /** The record `time` of events without a `requestReceivedTimestamp` (ISO 8601). */
  nowUtc: string;
  /** The largest message body, in UTF-8 bytes; `MAX_MESSAGE_BODY_IN_BYTES` by default. */
  maxMessageBodyInBytes?: number;
}

export interface PackedDiagnosticRecords {
  /** Message bodies, each `{"records":[...]}` and at most the limit. */
  messages: string[];
  /** Events forwarded (including trimmed ones). */
  accepted: number;
  /** Events forwarded with their request and response objects replaced by AKS's marker. */
  trimmed: number;
  /** Events dropped: too large even without their objects. */
  tooLarge: number;
}

const MESSAGE_START = '{"records":[';
const MESSAGE_END = ']}';

export function packDiagnosticRecords(events: readonly Record<string, unknown>[], options: PackDiagnosticRecordsOptions): PackedDiagnosticRecords {
  const limit = options.maxMessageBodyInBytes ?? MAX_MESSAGE_BODY_IN_BYTES;
  const envelopeBytes = MESSAGE_START.length + MESSAGE_END.length;
  const recordLimit = limit - envelopeBytes;
  const messages: string[] = [];
  let parts: string[] = [];
  let partsBytes = 0;
  let accepted = 0;
  let trimmed = 0;
  let tooLarge = 0;

  const flush = (): void => {
    if (parts.length > 0) messages.push(`${MESSAGE_START}${parts.join(',')}${MESSAGE_END}`);
    parts = [];
    partsBytes = 0;
  };

  for (const event of events) {
    let record = diagnosticRecord(event, options);
    let bytes = Buffer.byteLength(record, 'utf8');
    if (bytes > recordLimit) {
      // What AKS does with objects too large for a record: the rules read the marker, never a half object.
      record = diagnosticRecord(withoutObjects(event), options);
      bytes = Buffer.byteLength(record, 'utf8');
      if (bytes > recordLimit) {
        tooLarge++;
        continue;
      }
      trimmed++;
    }
    if (parts.length > 0 && partsBytes + 1 + bytes > recordLimit) flush();
    partsBytes += (parts.length > 0 ? 1 : 0) + bytes; // the comma before every record but the first
    parts.push(record);
    accepted++;
  }
  flush();
  return { messages, accepted, trimmed, tooLarge };
}

/** One record exactly as AKS diagnostic settings write it: the event as a JSON string in `properties.log`. */
function diagnosticRecord(event: Record<string, unknown>, options: PackDiagnosticRecordsOptions): string {
  const received = event.requestReceivedTimestamp;
  return JSON.stringify({
    time: typeof received === 'string' && received !== '' ? received : options.nowUtc,
    resourceId: options.resourceId,
    category: 'kube-audit',
    operationName: DIAGNOSTIC_OPERATION_NAME,
    properties: { log: `${JSON.stringify(event)}\n`, stream: 'stdout', pod: WEBHOOK_POD_NAME },
  });
}

function withoutObjects(event: Record<string, unknown>): Record<string, unknown> {
  return {
    ...event,
    ...('requestObject' in event ? { requestObject: SKIPPED_TOO_BIG_OBJECT } : {}),
    ...('responseObject' in event ? { responseObject: SKIPPED_TOO_BIG_OBJECT } : {}),
  };
}
