import { request } from 'node:http';
import { deliverWebhook } from '../../shared/export/deliverWebhook';
import { signWebhookBody } from '../../shared/export/webhookSignature';
import { type WebhookReceiver, startWebhookReceiver, webhookReceiverCommand } from '../../local/webhookReceiver';
import { main } from '../../local/argus';
import { type CliIo } from '../../local/cliIo';

const secret = 'whsec_receiver-test-secret';
const alert = {
  alertType: 'K8S_PrivilegedContainer',
  alertDisplayName: 'Privileged container detected',
  status: 'Active',
  version: 3,
  entities: [{ type: 'K8s-namespace', name: 'default' }],
};

let receiver: WebhookReceiver;
let printed: string[];

beforeEach(async () => {
  printed = [];
  receiver = await startWebhookReceiver({ port: 0, host: '127.0.0.1', secret, print: (line) => printed.push(line) });
});

afterEach(async () => {
  await receiver.close();
});

/** POSTs a body with a given signature header, as a client that may have been tampered with. */
function post(body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      receiver.url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-argus-signature': signature, 'x-argus-delivery': 'dlv-7', 'x-argus-event': 'alert.updated' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('startWebhookReceiver', () => {
  it('when a delivery is signed with the right secret, then it gets 200 and is printed as valid with a summary', async () => {
    const attempt = await deliverWebhook(
      { url: receiver.url, body: JSON.stringify(alert), contentType: 'application/json', secret, deliveryId: 'dlv-1', event: 'alert.created' },
      { local: true, userAgent: 'Argus-Webhook/test', timeoutInMs: 5000 },
    );
    expect(attempt).toMatchObject({ kind: 'delivered', status: 200 });
    expect(printed).toEqual([
      '✓ signature valid  delivery dlv-1  alert.created  alertType=K8S_PrivilegedContainer alertDisplayName=Privileged container detected status=Active version=3',
    ]);
  });

  it('when the body was tampered with after signing, then it gets 401 and is printed as invalid', async () => {
    const original = JSON.stringify(alert);
    const status = await post(original.replace('Active', 'Dismissed'), signWebhookBody(secret, original));
    expect(status).toBe(401);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^✗ signature INVALID {2}delivery dlv-7 {2}alert\.updated {2}.*status=Dismissed/);
  });

  it('when a delivery is signed with another secret, then it gets 401', async () => {
    const body = JSON.stringify(alert);
    expect(await post(body, signWebhookBody('whsec_other', body))).toBe(401);
    expect(printed[0]).toMatch(/^✗ signature INVALID/);
  });

  it('when the body is a list of alerts, then the summary counts them and names the first', async () => {
    const body = JSON.stringify([alert, alert]);
    expect(await post(body, signWebhookBody(secret, body))).toBe(200);
    expect(printed[0]).toMatch(/^✓ signature valid {2}delivery dlv-7 {2}alert\.updated {2}2 item\(s\), first: alertType=K8S_PrivilegedContainer/);
  });
});

describe('argus webhook-receiver', () => {
  function capturingIo(): { io: CliIo; stdout: string[]; stderr: string[] } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = {
      stdout: { write: (text: string) => stdout.push(text) },
      stderr: { write: (text: string) => stderr.push(text) },
      stdin: process.stdin,
      now: () => new Date('2025-01-01T00:00:00Z'),
      elapsedInMs: () => 0,
    };
    return { io, stdout, stderr };
  }

  it('when --secret is missing, then it exits 2 and prints the usage', async () => {
    const { io, stderr } = capturingIo();
    expect(await main(['webhook-receiver', '--port', '0'], io)).toBe(2);
    expect(stderr.join('')).toMatch(/--secret is required[\s\S]*Usage: argus webhook-receiver/);
  });

  it('when argus --help is run, then the usage lists webhook-receiver', async () => {
    const { io, stdout } = capturingIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(stdout.join('')).toMatch(/webhook-receiver --secret <whsec_\.\.\.>/);
  });

  it('when it runs, then it prints where it listens, prints each delivery and stops when told to', async () => {
    const { io, stdout } = capturingIo();
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = webhookReceiverCommand(['--secret', secret, '--port', '0'], io, stopped);
    for (let waited = 0; !stdout.join('').includes('Listening') && waited < 2000; waited += 10) {
      await new Promise<void>((resolve) => setTimeout(resolve, 10));
    }
    const url = /on (http:\/\/\S+) /.exec(stdout.join(''))?.[1] ?? '';
    const body = JSON.stringify(alert);
    const attempt = await deliverWebhook(
      { url, body, contentType: 'application/json', secret, deliveryId: 'dlv-cli', event: 'alert.created' },
      { local: true, userAgent: 'Argus-Webhook/test', timeoutInMs: 5000 },
    );
    stop();
    expect(await running).toBe(0);
    expect(attempt.kind).toBe('delivered');
    expect(stdout.join('')).toMatch(/✓ signature valid {2}delivery dlv-cli {2}alert\.created/);
  });
});
