import { TtlCache } from '../../../shared/ingestion/ttlCache';
import { CachedSubscriptionSettings, DISABLED_PLAN_TTL_IN_MS } from '../../../shared/ingestion/subscriptionSettings';
import { changePlan, upsertPlan } from '../../../shared/store/planStore';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

describe('TtlCache', () => {
  it('when a key is asked for again within its time, then it is loaded once, and again after it expires', async () => {
    let now = 0;
    const cache = new TtlCache<number>(1000, () => now);
    let loads = 0;
    const load = (): Promise<number> => Promise.resolve(++loads);
    expect(await cache.get('k', load)).toBe(1);
    now = 999;
    expect(await cache.get('k', load)).toBe(1);
    now = 1000;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('when callers ask concurrently, then they share one load', async () => {
    const cache = new TtlCache<string>(1000);
    let loads = 0;
    const load = async (): Promise<string> => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 'v';
    };
    expect(await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)])).toEqual(['v', 'v', 'v']);
    expect(loads).toBe(1);
  });

  it('when a load fails, then the failure is not cached', async () => {
    const cache = new TtlCache<string>(60_000);
    await expect(cache.get('k', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    await expect(cache.get('k', () => Promise.resolve('ok'))).resolves.toBe('ok');
  });

  it('when the value chooses a shorter time, then it expires sooner', async () => {
    let now = 0;
    const cache = new TtlCache<string>(60_000, () => now);
    await cache.get('k', () => Promise.resolve('short'), () => 10);
    now = 10;
    expect(await cache.get('k', () => Promise.resolve('reloaded'))).toBe('reloaded');
  });
});

describe('CachedSubscriptionSettings', () => {
  let cosmos: TestCosmos;
  const SUB = '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d';
  const by = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };
  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos.close();
  });

  it('when the plan is switched on shortly after an instance cached it as off, then the instance sees it on within seconds, not the whole cache period', async () => {
    let now = 0;
    const settings = new CachedSubscriptionSettings(cosmos.database, 60_000, () => now);
    expect(await settings.plan(SUB)).toBeUndefined();
    await upsertPlan(cosmos.database, changePlan(SUB, undefined, { enabled: true, by, now: new Date() }));
    now = DISABLED_PLAN_TTL_IN_MS;
    expect((await settings.plan(SUB))?.enabled).toBe(true);
    now = 59_000;
    expect(await settings.plan(SUB)).toMatchObject({ enabled: true });
    expect(settings.reads.plans).toBe(2);
  });
});
