import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { health } from '../../functions/health';
import { savePipelineHealthSummary } from '../../shared/store/serviceStateStore';
import { applyAppSettings } from '../support/appSettings';
import { httpRequest, invocationContext } from '../support/httpRequests';
import { startTestCosmos, type TestCosmos } from '../support/testCosmos';

describe('GET /api/health', () => {
  let cosmos: TestCosmos;
  let restore: () => void;

  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterEach(() => restore());
  afterAll(async () => {
    await cosmos.close();
  });

  it('when the store answers and no scheduled simulation has run, then it is 200 ok with the version and nothing about tenants', async () => {
    restore = applyAppSettings({ ARGUS_ENVIRONMENT: 'local', COSMOS__accountEndpoint: cosmos.server.endpoint });
    const response = await health(httpRequest('GET', '/api/health'), invocationContext('health'));
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({
      status: 'ok',
      version: (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version,
      checks: { store: { status: 'up', latencyInMs: expect.any(Number) as number }, pipeline: { status: 'unknown' } },
    });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
  });

  it('when the last round of scheduled simulations missed alerts, then it is 200 degraded and names no subscription', async () => {
    restore = applyAppSettings({ ARGUS_ENVIRONMENT: 'local', COSMOS__accountEndpoint: cosmos.server.endpoint });
    await savePipelineHealthSummary(cosmos.database, { checkedAtUtc: new Date().toISOString(), simulationsChecked: 3, simulationsFailed: 1 });
    const response = await health(httpRequest('GET', '/api/health'), invocationContext('health'));
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ status: 'degraded', checks: { store: { status: 'up' }, pipeline: { status: 'degraded' } } });
    expect(JSON.stringify(response.jsonBody)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);

    await savePipelineHealthSummary(cosmos.database, { checkedAtUtc: new Date().toISOString(), simulationsChecked: 3, simulationsFailed: 0 });
    const recovered = await health(httpRequest('GET', '/api/health'), invocationContext('health'));
    expect(recovered.jsonBody).toMatchObject({ status: 'ok', checks: { pipeline: { status: 'ok' } } });
    await savePipelineHealthSummary(cosmos.database, { checkedAtUtc: new Date().toISOString(), simulationsChecked: 0, simulationsFailed: 0 });
  });

  it('when the database does not exist, then it is 503 degraded', async () => {
    restore = applyAppSettings({
      ARGUS_ENVIRONMENT: 'local',
      COSMOS__accountEndpoint: cosmos.server.endpoint,
      COSMOS_DATABASE_NAME: 'missing',
    });
    const context = invocationContext('health');
    const response = await health(httpRequest('GET', '/api/health'), context);
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({ status: 'degraded', checks: { store: { status: 'down' } } });
    expect(context.logs.some((l) => l.level === 'error' && l.message.includes('store check failed'))).toBe(true);
  });

  it('when the store does not answer at all, then it is 503 within the check timeout and the body names no endpoint', async () => {
    const stopped = await startTestCosmos();
    const endpoint = stopped.server.endpoint;
    await stopped.close();
    restore = applyAppSettings({ ARGUS_ENVIRONMENT: 'local', COSMOS__accountEndpoint: endpoint });
    const started = Date.now();
    const response = await health(httpRequest('GET', '/api/health'), invocationContext('health'));
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.stringify(response.jsonBody)).not.toContain('127.0.0.1');
  });
});
