import { type LocalRuntime } from '../../local/localRuntime';
import { type Alert } from '../../shared/alerts/alert';
import { EntityType } from '../../shared/detection/entities';
import { LocalRuntimeHarness } from '../support/localRuntimeHarness';
import { runTokenCommand } from '../support/localTokens';
import { benignExecEvent, minerEvent, ndjson, nsenterEvent, onCluster, reverseShellEvent } from '../support/nodeMessages';

const SUB = '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a';

/*
 * The node plane end to end: the runtime behind `npm start`, an owner who enables the plan, Tetragon events
 * (a reverse shell, a miner, `nsenter -t 1`) posted to the embedded node-events hub over HTTP, and the alerts
 * of the node rule library read back through the API.
 */
describe('node ingestion end to end: Tetragon events to the local node-events hub, alerts through the API', () => {
  const harness = new LocalRuntimeHarness();
  let runtime: LocalRuntime;
  let owner: Awaited<ReturnType<typeof runTokenCommand>>;

  const api = (method: string, path: string, body?: unknown): Promise<Response> => harness.call(method, path, owner.token, { body });
  const postToHub = (body: string, contentType: string): Promise<Response> =>
    fetch(`${runtime.url}/api/local/eventhubs/node-events/messages`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const listAlerts = async (): Promise<Alert[]> => ((await (await api('GET', `/subscriptions/${SUB}/alerts`)).json()) as { value: Alert[] }).value;
  /** A Tetragon time (nanoseconds) a moment from now: after the plan was enabled. */
  const soon = (offsetInMs: number): string => new Date(Date.now() + offsetInMs).toISOString().replace('Z', '318624Z');

  beforeAll(async () => {
    await harness.prepare();
    owner = await runTokenCommand(['--subscription', SUB, '--role', 'Owner', '--user', 'olivia']);
    runtime = await harness.start();
  });
  afterAll(() => harness.stop());

  it('when the runtime starts, then the node ingestion function consumes the node-events hub named by the defaults', () => {
    expect(runtime.eventHubs.hubNames()).toEqual(expect.arrayContaining(['insights-logs-kube-audit', 'node-events']));
  });

  it('when the plan is enabled and a node event from before that arrives, then no alert is raised', async () => {
    expect((await api('PUT', `/subscriptions/${SUB}/plan`, { enabled: true })).status).toBe(200);
    const before = new Date(Date.now() - 3_600_000).toISOString();
    expect((await postToHub(JSON.stringify([onCluster(minerEvent(before, 'before-plan'), SUB)]), 'application/json')).status).toBe(202);
    await runtime.eventHubs.whenIdle();
    expect(await listAlerts()).toEqual([]);
  });

  describe('when a reverse shell, a miner and an nsenter into the host arrive after enablement', () => {
    let events: Record<string, unknown>[];
    let first: Alert[];

    beforeAll(async () => {
      const at = soon(1000);
      events = [
        onCluster(reverseShellEvent(at, 'e2e-reverse-shell'), SUB),
        onCluster(benignExecEvent(at, 'e2e-benign'), SUB),
        onCluster(minerEvent(at, 'e2e-miner'), SUB),
        onCluster(nsenterEvent(at, 'e2e-nsenter'), SUB),
      ];
      // A JSON array (one event per element, as an exporter batches) and NDJSON text (as the node webhook forwards).
      expect((await postToHub(JSON.stringify(events.slice(0, 2)), 'application/json')).status).toBe(202);
      expect((await postToHub(ndjson(events.slice(2)), 'application/x-ndjson')).status).toBe(202);
      await runtime.eventHubs.whenIdle();
      first = await listAlerts();
    });

    it('then the reverse shell, the miner and the escape are listed through the API as node alerts, each naming the node, the pod, the container and the process', async () => {
      // Other rules may see more in the same events (a shell spawned by nginx is also a web shell).
      expect(first.map((a) => a.alertType)).toEqual(expect.arrayContaining(['K8S.NODE_ReverseShell', 'K8S.NODE_DigitalCurrencyMining', 'K8S.NODE_ContainerEscapeAttempt']));
      const actingCommandLines = first.flatMap((a) => a.entities.filter((e) => e.type === EntityType.process && e.role === 'process').map((e) => e.commandLine));
      expect(actingCommandLines).not.toContain('/usr/sbin/nginx -s reload');
      expect(actingCommandLines).toContain('/usr/bin/nsenter -t 1 -m -u -i -n -p -- /bin/bash');
      for (const alert of first) {
        expect(alert).toMatchObject({ subscriptionId: SUB, compromisedEntity: 'aks-shop-prod', status: 'Active' });
        expect(alert.alertType).toMatch(/^K8S\.NODE_/);
        expect(alert.entities.map((e) => e.type)).toEqual(expect.arrayContaining([EntityType.host, EntityType.pod, EntityType.container, EntityType.process]));
      }
      expect((await api('GET', `/subscriptions/${SUB}/alerts/${first[0]?.id ?? ''}`)).status).toBe(200);
    });

    it('then the same events posted again (a shipper\'s retry) change no alert: no new one, no count, no evidence', async () => {
      expect((await postToHub(JSON.stringify(events.slice(0, 2)), 'application/json')).status).toBe(202);
      expect((await postToHub(ndjson(events.slice(2)), 'application/x-ndjson')).status).toBe(202);
      await runtime.eventHubs.whenIdle();
      const again = await listAlerts();
      expect(again.map((a) => [a.id, a.alertType, a.count, a.version, a.evidenceAuditIds]).sort()).toEqual(
        first.map((a) => [a.id, a.alertType, a.count, a.version, a.evidenceAuditIds]).sort(),
      );
    });
  });
});
