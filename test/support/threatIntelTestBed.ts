import { type ThreatIntelSetDocument, upsertThreatIntelSet } from '../../shared/store/threatIntelSetStore';
import { changePlan, upsertPlan } from '../../shared/store/planStore';
import { startTestCosmos, type TestCosmos } from './testCosmos';

/** The admin the threat-intel pipeline tests act as. */
export const TEST_ADMIN = { principalId: 'a1000000-0000-4000-8000-000000000002', principalName: 'Sam SecurityAdmin' };

/**
 * The in-process Cosmos DB of a threat-intel pipeline test (started before its tests, closed after them) and a fresh
 * subscription for each test, with its plan on since `planOnSinceUtc`; ids differ by `prefix` between test files.
 */
export function threatIntelTestBed(prefix: string, planOnSinceUtc: string): { cosmos: () => TestCosmos; newSubscription: () => Promise<string> } {
  let cosmos: TestCosmos | undefined;
  let counter = 0;
  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos?.close();
  });
  const current = (): TestCosmos => {
    if (cosmos === undefined) throw new Error('the test Cosmos DB is not started');
    return cosmos;
  };
  return {
    cosmos: current,
    newSubscription: async () => {
      counter++;
      const subscriptionId = `${prefix}0000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
      await upsertPlan(current().database, changePlan(subscriptionId, undefined, { enabled: true, by: TEST_ADMIN, now: new Date(planOnSinceUtc) }));
      return subscriptionId;
    },
  };
}

/** Stores a custom threat-intel set of the subscription, written by TEST_ADMIN at `now`. */
export async function seedThreatIntelSet(
  cosmos: TestCosmos,
  subscriptionId: string,
  set: Pick<ThreatIntelSetDocument, 'name' | 'description' | 'ips' | 'cidrs' | 'domains'>,
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  await upsertThreatIntelSet(cosmos.database, { id: set.name, subscriptionId, ...set, createdAtUtc: at, createdBy: TEST_ADMIN, updatedAtUtc: at, updatedBy: TEST_ADMIN });
}
