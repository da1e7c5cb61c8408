import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import {
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_EVENT_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  verifyWebhookSignature,
} from '../shared/export/webhookSignature';
import { type CliIo } from './cliIo';

export const WEBHOOK_RECEIVER_USAGE = `Usage: argus webhook-receiver --secret <whsec_...> [--port 8089] [--host 127.0.0.1]

Starts a local HTTP receiver for Argus' webhook deliveries: every POST's x-argus-signature is checked
with the secret (200 if valid, 401 if not) and one line per delivery is printed. Ctrl+C stops it.
  --secret   the webhook's signing secret (whsec_...)
  --port     the port to listen on (default 8089; 0 picks a free one)
  --host     the address to listen on (default 127.0.0.1)`;

/** Bodies above this are answered 413 without being verified. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface WebhookReceiverOptions {
  port?: number;
  host?: string;
  /** The target's secret, or where to read it at each delivery (tests learn it only after the receiver starts). */
  secret: string | (() => string);
  /** Receives one line per delivery. */
  print: (line: string) => void;
  /** Receives each delivery with its verdict (for tests and scripts). */
  onDelivery?: (delivery: { valid: boolean; deliveryId: string | undefined; body: string }) => void;
}

export interface WebhookReceiver {
  /** `http://<host>:<port>/`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the receiver; resolves once it listens. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST only\n');
      return;
    }
    readBody(req).then(
      (body) => {
        if (body === undefined) {
          res.writeHead(413, { 'content-type': 'text/plain' }).end('body too large\n');
          return;
        }
        const secret = typeof options.secret === 'string' ? options.secret : options.secret();
        const valid = verifyWebhookSignature(secret, body, headerValue(req, WEBHOOK_SIGNATURE_HEADER));
        options.print(describeDelivery(valid, req, body));
        options.onDelivery?.({ valid, deliveryId: headerValue(req, WEBHOOK_DELIVERY_HEADER), body: body.toString('utf8') });
        res.writeHead(valid ? 200 : 401, { 'content-type': 'text/plain' }).end(valid ? 'ok\n' : 'invalid signature\n');
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8089, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

/** `✓ signature valid  delivery <id>  <event>  <summary>` or `✗ signature INVALID ...`. */
export function describeDelivery(valid: boolean, req: IncomingMessage, body: Buffer): string {
  const verdict = valid ? '✓ signature valid' : '✗ signature INVALID';
  const delivery = headerValue(req, WEBHOOK_DELIVERY_HEADER) ?? '(no delivery id)';
  const event = headerValue(req, WEBHOOK_EVENT_HEADER) ?? '(no event)';
  return `${verdict}  delivery ${delivery}  ${event}  ${summarizeBody(body)}`;
}

/** A few identifying fields of the JSON body (an alert, or an array or `{ alerts: [...] }` of them). */
export function summarizeBody(body: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    const text = body.toString('utf8');
    return text.startsWith('CEF:') ? text.trim().slice(0, 160) : `(${body.length} bytes, not JSON)`;
  }
  const items = Array.isArray(parsed) ? parsed : isRecord(parsed) && Array.isArray(parsed.alerts) ? parsed.alerts : undefined;
  if (items !== undefined) {
    const first: unknown = items[0];
    return `${items.length} item(s)${first === undefined ? '' : `, first: ${summarizeObject(first)}`}`;
  }
  return summarizeObject(parsed);
}

function summarizeObject(envelope: unknown): string {
  if (!isRecord(envelope)) return '(JSON, not an object)';
  // Argus' webhook envelope carries the alert (json) or the OCSF finding (ocsf) under `data`.
  const value = isRecord(envelope.data) ? { ...envelope.data, version: envelope.version } : envelope;
  if (isRecord(value.finding_info)) return `ocsf ${String(value.class_name)} title=${String(value.finding_info.title)} status=${String(value.status)} version=${String(value.version)}`;
  if (value.kind === 'assessment' && isRecord(value.status) && isRecord(value.resourceDetails)) {
    return `assessment name=${String(value.name)} status=${String(value.status.code)} resource=${String(value.resourceDetails.id)} version=${String(value.version)}`;
  }
  const fields = ['alertType', 'alertDisplayName', 'status', 'version']
    .filter((name) => typeof value[name] === 'string' || typeof value[name] === 'number')
    .map((name) => `${name}=${String(value[name] as string | number)}`);
  return fields.length === 0 ? '(JSON object)' : fields.join(' ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** `argus webhook-receiver`: runs the receiver until Ctrl+C (or until `stopped` resolves, for tests). */
export async function webhookReceiverCommand(
  args: string[],
  io: CliIo,
  stopped?: Promise<unknown>,
): Promise<number> {
  let values: { secret?: string; port?: string; host?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { secret: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    io.stderr.write(`argus webhook-receiver: ${error instanceof Error ? error.message : String(error)}\n\n${WEBHOOK_RECEIVER_USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(`${WEBHOOK_RECEIVER_USAGE}\n`);
    return 0;
  }
  const port = Number(values.port ?? '8089');
  if (values.secret === undefined || values.secret === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr.write(`argus webhook-receiver: ${values.secret === undefined || values.secret === '' ? '--secret is required' : '--port must be a port number'}\n\n${WEBHOOK_RECEIVER_USAGE}\n`);
    return 2;
  }
  const receiver = await startWebhookReceiver({
    port,
    host: values.host ?? '127.0.0.1',
    secret: values.secret,
    print: (line) => io.stdout.write(`${line}\n`),
  });
  io.stdout.write(`Listening for webhook deliveries on ${receiver.url} (Ctrl+C stops)\n`);
  await (stopped ?? new Promise((resolve) => process.once('SIGINT', resolve)));
  await receiver.close();
  return 0;
}
