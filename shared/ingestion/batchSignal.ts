import { type DetectionRecord } from '../detection/detectionRecord';
import { type RecordSource } from '../kubernetes/auditEvent';
import { decodeAuditInput } from '../kubernetes/decodeAuditInput';
import { SkipReason } from '../kubernetes/skipReason';
import { decodeNodeInput } from '../node/decodeNodeInput';

/**
 * What differs between the hubs the pipeline reads: how one Event Hubs message is decoded into records,
 * and which unusable records are only sampled. Everything after decoding (simulation check, plan gating,
 * usage, rules, alerts, dead letters) is the same for every signal (see processEventBatch).
 */
export interface BatchSignal {
  /** Names the signal in the batch summary and the usage meter. */
  name: SignalName;
  decode(body: unknown): SignalDecoding;
  /**
   * Records that are counted but dead-lettered only once per batch and key (no data of this signal at all,
   * sent in bulk by a misrouted source): the sample key, or undefined to dead-letter the record.
   */
  sampleKeyOf(skipped: SkippedSignalRecord): string | undefined;
}

/** `audit` or `node`: the signals the detection engine reads. */
export type SignalName = NonNullable<DetectionRecord['signal']>;

/** A record that could not be used, as every decoder reports it. */
export interface SkippedSignalRecord {
  reason: string;
  detail: string;
  source: RecordSource;
  raw: unknown;
}

export interface SignalDecoding {
  records: DetectionRecord[];
  skipped: SkippedSignalRecord[];
  /** Usable records decoded after a repair, by reason. */
  repaired: Partial<Record<string, number>>;
}

/**
 * The audit hub: AKS diagnostic records and the other audit forms decodeAuditInput accepts. Records of other
 * diagnostic categories (klog text of kube-apiserver, guard, ...) and CloudWatch Logs control messages are
 * no audit data: sampled once per category.
 */
export const auditSignal: BatchSignal = {
  name: 'audit',
  decode: (body) => decodeAuditInput(body),
  sampleKeyOf: (skipped) => {
    if (skipped.reason === SkipReason.controlMessage) return SkipReason.controlMessage;
    if (skipped.reason === SkipReason.otherCategory) return `${SkipReason.otherCategory}\n${skipped.source.category ?? ''}`;
    return undefined;
  },
};

/**
 * The node-events hub: Tetragon's JSON export (NDJSON, a JSON array, one event) and falcosidekick's alerts,
 * each carrying the cluster in `cluster_resource_id`. A sensor exports every event type it is configured
 * for; types the engine does not read are sampled once per type.
 */
export const nodeSignal: BatchSignal = {
  name: 'node',
  decode: (body) => ({ ...decodeNodeInput(body), repaired: {} }),
  sampleKeyOf: (skipped) =>
    skipped.reason === SkipReason.unsupportedNodeEventType ? `${SkipReason.unsupportedNodeEventType}\n${eventTypeOf(skipped.raw)}` : undefined,
};

/** The event type of a raw Tetragon event: its first key that is not part of the envelope (node, time, cluster, simulation). */
function eventTypeOf(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return '';
  const envelope = new Set(['node_name', 'time', 'aggregation_info', 'cluster_name', 'cluster_resource_id', 'argus_simulation_id', 'argus_simulation_signature']);
  return Object.keys(raw).find((key) => !envelope.has(key)) ?? '';
}
