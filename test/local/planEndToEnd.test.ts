import { readdir } from 'node:fs/promises';
import { pendingGrantsDirectory } from '../../local/localRoleGrants';
import { type LocalRuntime } from '../../local/localRuntime';
import { LocalRuntimeHarness } from '../support/localRuntimeHarness';
import { runTokenCommand } from '../support/localTokens';

const SUB = '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c';
const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

describe('plan and role assignments end to end: npm run token, then the local runtime over real HTTP', () => {
  const harness = new LocalRuntimeHarness();
  const dataDir = harness.dataDir;
  let runtime: LocalRuntime;
  let owner: { token: string; report: string; objectId: string };
  const call = (method: string, path: string, token: string, body?: unknown): Promise<Response> => harness.call(method, path, token, { body });

  beforeAll(async () => {
    await harness.prepare();
    // The runtime is not running yet: the grant is recorded in the data folder for the next start.
    owner = await runTokenCommand(['--subscription', SUB, '--role', 'Owner', '--user', 'olivia']);
    runtime = await harness.start();
  });
  afterAll(() => harness.stop());

  it('when the token command runs while the runtime is stopped, then it says what it recorded and that it applies at the next start', () => {
    expect(owner.report).toContain(`recorded role assignment: Owner for olivia (object id ${owner.objectId}) in subscription ${SUB}`);
    expect(owner.report).toContain('no local runtime answered');
    expect(owner.report).toContain('applied when the local runtime next starts');
  });

  it('when the runtime has started, then the token recorded before it works: GET plan is 200 and reads disabled', async () => {
    const response = await call('GET', `/subscriptions/${SUB}/plan`, owner.token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ subscriptionId: SUB, enabled: false, onboarding: { eventHubName: 'insights-logs-kube-audit' } });
  });

  it('when the token command runs while the runtime is running, then the running runtime applies the grant and the token works at once', async () => {
    const adam = await runTokenCommand(['--subscription', SUB, '--role', 'SecurityAdmin', '--user', 'adam']);
    expect(adam.report).toContain(`recorded role assignment: SecurityAdmin for adam (object id ${adam.objectId}) in subscription ${SUB}`);
    expect(adam.report).toContain(`the local runtime at ${runtime.url} applied it: the token works now.`);
    expect((await call('GET', `/subscriptions/${SUB}/plan`, adam.token)).status).toBe(200);
    expect((await call('PUT', `/subscriptions/${SUB}/plan`, adam.token, { enabled: true })).status).toBe(403);
  });

  it('when the Owner enables the plan and grants a reader, then the reader reads the plan but cannot change it, and another subscription stays closed', async () => {
    const enabled = await call('PUT', `/subscriptions/${SUB}/plan`, owner.token, { enabled: true });
    expect(enabled.status).toBe(200);
    const { enabledAtUtc } = (await enabled.json()) as { enabledAtUtc: string };
    expect(enabledAtUtc).toEqual(expect.any(String));

    const rita = await runTokenCommand(['--user', 'rita']); // a token, no role yet
    expect(rita.report).not.toContain('recorded role assignment');
    expect((await call('GET', `/subscriptions/${SUB}/plan`, rita.token)).status).toBe(403);

    const granted = await call('PUT', `/subscriptions/${SUB}/roleAssignments/${rita.objectId}`, owner.token, { role: 'SecurityReader', principalName: 'rita' });
    expect(granted.status).toBe(201);
    expect(await granted.json()).toMatchObject({ principalId: rita.objectId, role: 'SecurityReader' });

    const read = await call('GET', `/subscriptions/${SUB}/plan`, rita.token);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ enabled: true, enabledAtUtc });
    const change = await call('PUT', `/subscriptions/${SUB}/plan`, rita.token, { enabled: false });
    expect(change.status).toBe(403);
    expect(await change.json()).toMatchObject({ error: { code: 'Forbidden' } });

    expect((await call('GET', `/subscriptions/${OTHER_SUB}/plan`, owner.token)).status).toBe(403);
    expect((await call('GET', `/subscriptions/${OTHER_SUB}/plan`, rita.token)).status).toBe(403);
  });

  it('when the store is snapshotted, then the applied grant files are removed (the snapshot now holds the assignments)', async () => {
    const directory = pendingGrantsDirectory(dataDir.path);
    expect((await readdir(directory)).length).toBeGreaterThan(0);
    await runtime.snapshot();
    expect(await readdir(directory)).toEqual([]);
    expect((await call('GET', `/subscriptions/${SUB}/plan`, owner.token)).status).toBe(200);
  });

  it('when the reload endpoint is asked about a grant it never saw, then it answers 200 without that grant', async () => {
    const response = await fetch(`${runtime.url}/api/local/roleAssignments/reload?grantId=unknown`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ applied: [] });
  });
});
