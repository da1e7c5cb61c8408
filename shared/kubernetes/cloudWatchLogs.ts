import { gunzipSync } from 'node:zlib';
import { asObject, type JsonObject } from './jsonValues';

/**
 * Amazon CloudWatch Logs, as EKS control-plane logging exports the audit log (log group
 * `/aws/eks/<cluster>/cluster`, streams `kube-apiserver-audit-<id>`): a subscription filter delivers
 *
 * ```json
 * {"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/eks/prod/cluster",
 *  "logStream":"kube-apiserver-audit-0123abcd","subscriptionFilters":["argus"],
 *  "logEvents":[{"id":"3795...","timestamp":1793614530123,"message":"<the audit event as JSON>"}]}
 * ```
 *
 * gzip-compressed; Lambda receives it base64-encoded as `{"awslogs":{"data":"H4sI..."}}`, Kinesis and
 * Firehose as the bare base64 or gzip bytes. `CONTROL_MESSAGE`s check that the destination is reachable and
 * carry no data. https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Subscriptions.html
 */
export interface CloudWatchLogsMessage {
  messageType: string;
  logGroup?: string;
  logStream?: string;
  logEvents: unknown[];
}

export const CLOUDWATCH_DATA_MESSAGE = 'DATA_MESSAGE';
export const CLOUDWATCH_CONTROL_MESSAGE = 'CONTROL_MESSAGE';

/** The envelope of a CloudWatch Logs subscription payload (already decompressed and parsed). */
export function asCloudWatchLogsMessage(value: JsonObject): CloudWatchLogsMessage | undefined {
  if (typeof value.messageType !== 'string' || !Array.isArray(value.logEvents)) return undefined;
  return value as unknown as CloudWatchLogsMessage;
}

/** The base64 payload of a Lambda invocation by a subscription filter: `{"awslogs":{"data":"..."}}`. */
export function awsLogsDataOf(value: JsonObject): string | undefined {
  const data = asObject(value.awslogs)?.data;
  return typeof data === 'string' ? data : undefined;
}

/** gzip output larger than this is refused: a corrupt or hostile input must not exhaust memory. */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Base64 text of gzip data starts with these characters (the magic bytes 1f 8b 08). */
export function looksLikeBase64Gzip(text: string): boolean {
  return text.startsWith('H4sI');
}

export type Decompressed = { ok: true; text: string } | { ok: false; detail: string };

const utf8 = new TextDecoder('utf-8');

/** gzip bytes to UTF-8 text, bounded by {@link MAX_DECOMPRESSED_BYTES}. */
export function gunzipText(bytes: Uint8Array): Decompressed {
  try {
    return { ok: true, text: utf8.decode(gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES })) };
  } catch (error) {
    const tooLarge = (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
    return { ok: false, detail: tooLarge ? `gzip data expands beyond ${MAX_DECOMPRESSED_BYTES / (1024 * 1024)} MiB` : 'gzip data is corrupt' };
  }
}

/** Base64 of gzip data (a subscription payload) to text. */
export function gunzipBase64Text(base64: string): Decompressed {
  const bytes = Buffer.from(base64.trim(), 'base64');
  if (!isGzip(bytes)) return { ok: false, detail: 'base64 data that is not gzip' };
  return gunzipText(bytes);
}
