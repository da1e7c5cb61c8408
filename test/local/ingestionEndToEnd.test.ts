import { type LocalRuntime } from '../../local/localRuntime';
import { type Alert } from '../../shared/alerts/alert';
import { getServices } from '../../shared/services';
import { getUsage, usageHourOf } from '../../shared/store/usageStore';
import { aksMessage, aksResourceId, benignEvent, diagnosticRecord, execIntoPodEvent, privilegedPodEvent } from '../support/auditMessages';
import { LocalRuntimeHarness } from '../support/localRuntimeHarness';
import { runTokenCommand } from '../support/localTokens';

const SUB = '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f';

/*
 * Issue 4's "done when", as a test: the runtime behind `npm start`, an owner who enables the plan, AKS
 * messages posted to the embedded audit hub over HTTP, and the alerts read back through the API.
 */
describe('ingestion end to end: AKS messages to the local audit hub, alerts through the API', () => {
  const harness = new LocalRuntimeHarness();
  let runtime: LocalRuntime;
  let owner: Awaited<ReturnType<typeof runTokenCommand>>;

  const api = (method: string, path: string, body?: unknown): Promise<Response> => harness.call(method, path, owner.token, { body });
  const postToHub = (messages: unknown[]): Promise<Response> =>
    fetch(`${runtime.url}/api/local/eventhubs/insights-logs-kube-audit/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messages),
    });

  beforeAll(async () => {
    await harness.prepare();
    owner = await runTokenCommand(['--subscription', SUB, '--role', 'Owner', '--user', 'olivia']);
    runtime = await harness.start();
  });
  afterAll(() => harness.stop());

  it('when the runtime starts, then the ingestion function consumes the audit hub named by the defaults', () => {
    expect(runtime.eventHubs.hubNames()).toContain('insights-logs-kube-audit');
  });

  it('when the plan is enabled and activity from before that arrives, then no alert is raised', async () => {
    expect((await api('PUT', `/subscriptions/${SUB}/plan`, { enabled: true })).status).toBe(200);
    const time = new Date(Date.now() - 3_600_000).toISOString().replace('Z', '000Z');
    const response = await postToHub([aksMessage([diagnosticRecord(privilegedPodEvent('before-plan', time), { resourceId: aksResourceId(SUB) })])]);
    expect(response.status).toBe(202);
    await runtime.eventHubs.whenIdle();
    expect(((await (await api('GET', `/subscriptions/${SUB}/alerts`)).json()) as { value: Alert[] }).value).toEqual([]);
  });

  it('when AKS messages with attacks arrive after enablement, then the alerts are listed through the API with their evidence', async () => {
    const time = new Date(Date.now() + 1000).toISOString().replace('Z', '000Z');
    const resourceId = aksResourceId(SUB);
    const response = await postToHub([
      aksMessage([diagnosticRecord(privilegedPodEvent('e2e-priv', time), { resourceId }), diagnosticRecord(benignEvent('e2e-lease', time), { resourceId })]),
      aksMessage([diagnosticRecord(execIntoPodEvent('e2e-exec', time), { resourceId })]),
      'I1122 klog line that is not JSON',
    ]);
    expect(response.status).toBe(202);
    await runtime.eventHubs.whenIdle();

    const list = (await (await api('GET', `/subscriptions/${SUB}/alerts?status=Active`)).json()) as { value: Alert[] };
    expect(list.value.map((a) => a.alertType).sort()).toEqual(expect.arrayContaining(['K8S_PrivilegedContainer']));
    const evidence = list.value.flatMap((a) => a.evidenceAuditIds);
    expect(evidence).toEqual(expect.arrayContaining(['e2e-priv', 'e2e-exec']));
    expect(evidence).not.toContain('before-plan');
    const privileged = list.value.find((a) => a.alertType === 'K8S_PrivilegedContainer') as Alert;
    expect(privileged).toMatchObject({ subscriptionId: SUB, compromisedEntity: 'aks-shop-prod', status: 'Active', count: 1 });
    expect((await api('GET', `/subscriptions/${SUB}/alerts/${privileged.id}`)).status).toBe(200);
  });

  it('when the runtime stops within the usage flush interval, then the counts not yet written are written at stop and kept across a restart', async () => {
    const time = new Date(Date.now() + 1000).toISOString().replace('Z', '000Z');
    const resourceId = aksResourceId(SUB);
    const startedAtMs = Date.now();
    const leases = Array.from({ length: 5 }, (_, i) => diagnosticRecord(benignEvent(`e2e-usage-${i}`, time), { resourceId }));
    expect((await postToHub([aksMessage(leases)])).status).toBe(202);
    await runtime.eventHubs.whenIdle();
    // Three events of the test before, five of this one: metered, not yet written (the interval is a minute).
    expect(getServices().ingestion.usageMeter.pendingEventsOf()).toBe(8);
    const hours = [...new Set([usageHourOf(startedAtMs), usageHourOf(Date.now())])];
    const metered = async (): Promise<number> => {
      let events = 0;
      for (const hour of hours) events += (await getUsage(getServices().database, SUB, hour))?.eventsAnalyzed ?? 0;
      return events;
    };
    expect(await metered()).toBe(0);

    await runtime.stop();
    runtime = await harness.start();
    expect(await metered()).toBe(8);
  });
});
