import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { health } from '../../functions/health';
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

  it('when the store answers, then it is 200 healthy with the version and nothing about tenants', async () => {
    restore = applyAppSettings({ ARGUS_ENVIRONMENT: 'local', COSMOS__accountEndpoint: cosmos.server.endpoint });
    const response = await health(httpRequest('GET', '/api/health'), invocationContext('health'));
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({
      status: 'healthy',
      version: (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version,
      checks: { store: { status: 'up', latencyInMs: expect.any(Number) as number } },
    });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
  });

  it('when the database does not exist, then it is 503 unhealthy', async () => {
    restore = applyAppSettings({
      ARGUS_ENVIRONMENT: 'local',
      COSMOS__accountEndpoint: cosmos.server.endpoint,
      COSMOS_DATABASE_NAME: 'missing',
    });
    const context = invocationContext('health');
    const response = await health(httpRequest('GET', '/api/health'), context);
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({ status: 'unhealthy', checks: { store: { status: 'down' } } });
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
