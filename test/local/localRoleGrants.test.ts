import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryLogger } from '../../local/localLogger';
import { LocalRoleGrantInbox, pendingGrantsDirectory, recordLocalGrant, type LocalRoleGrant } from '../../local/localRoleGrants';
import { getRoleAssignment, upsertRoleAssignment } from '../../shared/store/roleAssignmentStore';
import { createTemporaryDirectory } from '../support/temporaryDirectory';
import { startTestCosmos, type TestCosmos } from '../support/testCosmos';

const SUB = '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c';
const GRACE = '7d3e5a1b-2c4f-5a6b-8c7d-9e0f1a2b3c4d';

const grant = (overrides: Partial<LocalRoleGrant> = {}): LocalRoleGrant => ({
  subscriptionId: SUB,
  principalId: GRACE,
  principalName: 'grace',
  role: 'SecurityReader',
  grantedAtUtc: new Date().toISOString(),
  ...overrides,
});

describe('local role grants (npm run token -> local store)', () => {
  let cosmos: TestCosmos;
  let dataDir: ReturnType<typeof createTemporaryDirectory>;
  let logger: ReturnType<typeof createMemoryLogger>;
  const inbox = (): LocalRoleGrantInbox => new LocalRoleGrantInbox({ dataDir: dataDir.path, database: cosmos.database, logger });
  const pendingFiles = async (): Promise<string[]> => (await readdir(pendingGrantsDirectory(dataDir.path)).catch(() => [])).sort();

  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos.close();
  });
  beforeEach(async () => {
    dataDir = createTemporaryDirectory();
    logger = createMemoryLogger();
    await cosmos.database.container('roleAssignments').delete().catch(() => undefined);
    await cosmos.database.containers.createIfNotExists({ id: 'roleAssignments', partitionKey: { paths: ['/subscriptionId'] } });
  });
  afterEach(() => dataDir.remove());

  it('when a grant is recorded and the pending grants are applied, then the store holds the role assignment', async () => {
    const grantedAtUtc = '2026-11-22T10:00:00.000Z';
    const id = await recordLocalGrant(dataDir.path, grant({ subscriptionId: SUB.toUpperCase(), role: 'Owner', grantedAtUtc }));
    const handled = await inbox().applyPending();
    expect(handled).toEqual([expect.objectContaining({ id, outcome: 'applied', role: 'Owner', subscriptionId: SUB })]);
    expect(await getRoleAssignment(cosmos.database, SUB, GRACE)).toMatchObject({
      role: 'Owner',
      principalName: 'grace',
      createdAtUtc: grantedAtUtc,
      updatedAtUtc: grantedAtUtc,
    });
  });

  it('when there is no pending folder yet, then applying is a no-op', async () => {
    await expect(inbox().applyPending()).resolves.toEqual([]);
  });

  it('when the same principal is granted twice before the runtime applies, then the later grant wins', async () => {
    await recordLocalGrant(dataDir.path, grant({ role: 'Owner', grantedAtUtc: '2026-11-22T10:00:00.000Z' }));
    await recordLocalGrant(dataDir.path, grant({ role: 'SecurityReader', grantedAtUtc: '2026-11-22T10:00:01.000Z' }));
    const handled = await inbox().applyPending();
    expect(handled.map((h) => [h.role, h.outcome])).toEqual([
      ['Owner', 'applied'],
      ['SecurityReader', 'applied'],
    ]);
    expect(await getRoleAssignment(cosmos.database, SUB, GRACE)).toMatchObject({ role: 'SecurityReader' });
  });

  it('when the assignment was changed through the API after the grant was recorded, then the grant does not undo it', async () => {
    await recordLocalGrant(dataDir.path, grant({ role: 'Owner', grantedAtUtc: '2026-11-22T10:00:00.000Z' }));
    const later = '2026-11-22T11:00:00.000Z';
    await upsertRoleAssignment(cosmos.database, {
      id: GRACE, subscriptionId: SUB, principalId: GRACE, role: 'SecurityReader',
      createdAtUtc: later, createdBy: { principalId: 'x', principalName: 'x' }, updatedAtUtc: later,
    });
    expect((await inbox().applyPending()).map((h) => h.outcome)).toEqual(['superseded']);
    expect(await getRoleAssignment(cosmos.database, SUB, GRACE)).toMatchObject({ role: 'SecurityReader' });
  });

  it('when pending grants are applied twice in a process, then the second pass applies nothing (a later API change stands)', async () => {
    const runtime = inbox();
    await recordLocalGrant(dataDir.path, grant({ role: 'Owner' }));
    expect(await runtime.applyPending()).toHaveLength(1);
    await upsertRoleAssignment(cosmos.database, {
      id: GRACE, subscriptionId: SUB, principalId: GRACE, role: 'SecurityReader',
      createdAtUtc: '2030-01-01T00:00:00.000Z', createdBy: { principalId: 'x', principalName: 'x' }, updatedAtUtc: '2030-01-01T00:00:00.000Z',
    });
    expect(await runtime.applyPending()).toEqual([]);
    expect(await getRoleAssignment(cosmos.database, SUB, GRACE)).toMatchObject({ role: 'SecurityReader' });
  });

  it('when applied grants are forgotten after a snapshot, then their files are gone and a restarted runtime finds nothing to apply', async () => {
    const runtime = inbox();
    const id = await recordLocalGrant(dataDir.path, grant());
    await runtime.applyPending();
    expect(runtime.unpersistedIds()).toEqual([id]);
    expect(await pendingFiles()).toEqual([`${id}.json`]);
    await runtime.forget(runtime.unpersistedIds());
    expect(runtime.unpersistedIds()).toEqual([]);
    expect(await pendingFiles()).toEqual([]);
    expect(await inbox().applyPending()).toEqual([]);
    expect(runtime.outcomeOf(id)).toMatchObject({ outcome: 'applied' });
  });

  it('when applied grants are not yet persisted and the runtime restarts, then they are applied again (nothing lost in a crash)', async () => {
    await recordLocalGrant(dataDir.path, grant({ role: 'SecurityAdmin' }));
    await inbox().applyPending();
    await cosmos.database.container('roleAssignments').item(GRACE, SUB).delete(); // the crashed runtime's store is gone
    expect(await inbox().applyPending()).toHaveLength(1);
    expect(await getRoleAssignment(cosmos.database, SUB, GRACE)).toMatchObject({ role: 'SecurityAdmin' });
  });

  it('when many token commands record grants at the same time, then every grant is applied (no lost update)', async () => {
    const principals = Array.from({ length: 20 }, (_, i) => `7d3e5a1b-2c4f-5a6b-8c7d-${String(i).padStart(12, '0')}`);
    await Promise.all(principals.map((principalId) => recordLocalGrant(dataDir.path, grant({ principalId }))));
    expect(await inbox().applyPending()).toHaveLength(20);
    for (const principalId of principals) expect(await getRoleAssignment(cosmos.database, SUB, principalId)).toBeDefined();
  });

  it('when concurrent passes run (start-up and a reload), then each grant is applied once', async () => {
    const runtime = inbox();
    await recordLocalGrant(dataDir.path, grant());
    const [first, second] = await Promise.all([runtime.applyPending(), runtime.applyPending()]);
    expect([...(first ?? []), ...(second ?? [])]).toHaveLength(1);
  });

  it('when a pending file is not a grant, then it is ignored with a warning naming it and other grants still apply', async () => {
    await recordLocalGrant(dataDir.path, grant());
    const bad = join(pendingGrantsDirectory(dataDir.path), '0000000000000-bad.json');
    await writeFile(bad, JSON.stringify({ version: 1, subscriptionId: SUB, principalId: GRACE, role: 'Root' }));
    const runtime = inbox();
    expect((await runtime.applyPending()).map((h) => h.role)).toEqual(['SecurityReader']);
    expect(logger.entries).toContainEqual(expect.objectContaining({ level: 'warning', message: expect.stringContaining(bad) as string }));
    await runtime.applyPending();
    expect(logger.entries.filter((e) => e.level === 'warning')).toHaveLength(1);
  });
});
