import { deleteRoleAssignment } from '../../functions/deleteRoleAssignment';
import { getRoleAssignment } from '../../functions/getRoleAssignment';
import { listRoleAssignments } from '../../functions/listRoleAssignments';
import { putRoleAssignment } from '../../functions/putRoleAssignment';
import { getRoleAssignment as readRoleAssignment } from '../../shared/store/roleAssignmentStore';
import { ApiHarness, type TestCaller, expectInvalidParameter } from '../support/apiHarness';

const SUB = '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c';
const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

const owner: TestCaller = { objectId: '11111111-1111-4111-8111-111111111111', name: 'Olivia Owner' };
const admin: TestCaller = { objectId: '22222222-2222-4222-8222-222222222222', name: 'Adam Admin' };
const reader: TestCaller = { objectId: '33333333-3333-4333-8333-333333333333', name: 'Rita Reader' };
const stranger: TestCaller = { objectId: '44444444-4444-4444-8444-444444444444', name: 'Sam Stranger' };
const operator: TestCaller = { objectId: '55555555-5555-4555-8555-555555555555', name: 'Opal Operator', appRoles: ['Argus.Admin'] };
const newcomer = '66666666-6666-4666-8666-666666666666';

const harness = new ApiHarness();
const collectionPath = (sub: string): string => `/api/subscriptions/${sub}/roleAssignments`;
const itemPath = (sub: string, principalId: string): string => `${collectionPath(sub)}/${principalId}`;
const itemParams = (sub: string, principalId: string): Record<string, string> => ({ subscriptionId: sub, principalId });

beforeAll(async () => {
  await harness.start();
});
afterAll(async () => {
  await harness.stop();
});
beforeEach(async () => {
  await harness.database.container('roleAssignments').delete().catch(() => undefined);
  await harness.database.containers.createIfNotExists({ id: 'roleAssignments', partitionKey: { paths: ['/subscriptionId'] } });
  await harness.grant(SUB, owner, 'Owner');
  await harness.grant(SUB, admin, 'SecurityAdmin');
  await harness.grant(SUB, reader, 'SecurityReader');
  await harness.grant(OTHER_SUB, stranger, 'Owner');
});

const SYSTEM_PROPERTIES = ['_rid', '_self', '_etag', '_attachments', '_ts'];

describe('GET /api/subscriptions/{subscriptionId}/roleAssignments', () => {
  const list = (as: TestCaller | null, sub = SUB, query?: Record<string, string>) =>
    harness.call(listRoleAssignments, 'GET', collectionPath(sub), { params: { subscriptionId: sub }, as, ...(query ? { query } : {}) });

  it('when there is no token, then it is 401', async () => {
    expect((await list(null)).status).toBe(401);
  });

  it('when the Owner lists, then every assignment of the subscription comes back, without Cosmos system properties', async () => {
    const response = await list(owner);
    expect(response.status).toBe(200);
    const { value } = response.jsonBody as { value: Record<string, unknown>[] };
    expect(value.map((a) => [a['principalId'], a['role']])).toEqual([
      [owner.objectId, 'Owner'],
      [admin.objectId, 'SecurityAdmin'],
      [reader.objectId, 'SecurityReader'],
    ]);
    for (const assignment of value) for (const name of SYSTEM_PROPERTIES) expect(assignment).not.toHaveProperty(name);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
  });

  it.each([
    ['SecurityAdmin', admin],
    ['SecurityReader', reader],
  ])('when a %s lists, then it is 403 naming the Owner role', async (_role, caller) => {
    const response = await list(caller);
    expect(response.status).toBe(403);
    expect(response.jsonBody).toMatchObject({ error: { code: 'Forbidden', message: expect.stringContaining('Owner') as string } });
  });

  it('when the caller has no role in the subscription (another tenant\'s Owner), then it is 403', async () => {
    expect((await list(stranger)).status).toBe(403);
  });

  it('when an operator (Argus.Admin) without a role lists, then it is allowed', async () => {
    const response = await list(operator);
    expect(response.status).toBe(200);
    expect((response.jsonBody as { value: unknown[] }).value).toHaveLength(3);
  });

  it('when the subscription id is not a GUID, then it is 400 naming subscriptionId', async () => {
    const response = await list(owner, 'not-a-guid');
    expectInvalidParameter(response, 'subscriptionId');
  });

  it('when an unknown query parameter is given, then it is 400 naming it', async () => {
    const response = await list(owner, SUB, { top: '5' });
    expectInvalidParameter(response, 'top');
  });
});

describe('GET /api/subscriptions/{subscriptionId}/roleAssignments/{principalId}', () => {
  const get = (as: TestCaller | null, principalId: string, sub = SUB) =>
    harness.call(getRoleAssignment, 'GET', itemPath(sub, principalId), { params: itemParams(sub, principalId), as });

  it('when there is no token, then it is 401', async () => {
    expect((await get(null, reader.objectId)).status).toBe(401);
  });

  it('when the Owner reads any assignment, then it comes back without Cosmos system properties', async () => {
    const response = await get(owner, reader.objectId);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ subscriptionId: SUB, principalId: reader.objectId, role: 'SecurityReader', principalName: 'Rita Reader' });
    for (const name of SYSTEM_PROPERTIES) expect(response.jsonBody).not.toHaveProperty(name);
  });

  it.each([
    ['SecurityReader', reader],
    ['SecurityAdmin', admin],
  ])('when a %s reads their own assignment, then it is 200', async (role, caller) => {
    const response = await get(caller, caller.objectId.toUpperCase());
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ principalId: caller.objectId, role });
  });

  it('when a SecurityReader reads someone else\'s assignment, then it is 403 whether or not it exists', async () => {
    expect((await get(reader, owner.objectId)).status).toBe(403);
    expect((await get(reader, newcomer)).status).toBe(403);
  });

  it('when the caller has no role in the subscription, then it is 404 (nothing revealed)', async () => {
    const response = await get(stranger, owner.objectId);
    expect(response.status).toBe(404);
    expect(response.jsonBody).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('when an operator reads an assignment in any subscription, then it is 200', async () => {
    expect((await get(operator, stranger.objectId, OTHER_SUB)).status).toBe(200);
  });

  it('when the assignment does not exist, then the Owner gets 404', async () => {
    expect((await get(owner, newcomer)).status).toBe(404);
  });

  it('when the principal id is not a GUID, then it is 400 naming principalId', async () => {
    const response = await get(owner, 'alice');
    expectInvalidParameter(response, 'principalId');
  });
});

describe('PUT /api/subscriptions/{subscriptionId}/roleAssignments/{principalId}', () => {
  const put = (as: TestCaller | null, principalId: string, body: unknown, sub = SUB) =>
    harness.call(putRoleAssignment, 'PUT', itemPath(sub, principalId), { params: itemParams(sub, principalId), as, body });

  it('when there is no token, then it is 401', async () => {
    expect((await put(null, newcomer, { role: 'SecurityReader' })).status).toBe(401);
  });

  it('when the Owner grants a new principal, then it is 201 with the assignment, and the store holds it', async () => {
    const response = await put(owner, newcomer, { role: 'SecurityReader', principalName: 'Nina Newcomer' });
    expect(response.status).toBe(201);
    expect(response.jsonBody).toEqual({
      id: newcomer,
      subscriptionId: SUB,
      principalId: newcomer,
      role: 'SecurityReader',
      principalName: 'Nina Newcomer',
      createdAtUtc: expect.any(String) as string,
      createdBy: { principalId: owner.objectId, principalName: 'Olivia Owner' },
      updatedAtUtc: expect.any(String) as string,
    });
    expect(await readRoleAssignment(harness.database, SUB, newcomer)).toMatchObject({ role: 'SecurityReader' });
  });

  it('when the Owner changes an existing role, then it is 200, keeps createdAt/createdBy and the name, and moves updatedAt', async () => {
    const before = await readRoleAssignment(harness.database, SUB, reader.objectId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const response = await put(owner, reader.objectId, { role: 'SecurityAdmin' });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      role: 'SecurityAdmin',
      principalName: 'Rita Reader',
      createdAtUtc: before?.createdAtUtc,
      createdBy: before?.createdBy,
    });
    expect((response.jsonBody as { updatedAtUtc: string }).updatedAtUtc > (before?.updatedAtUtc ?? '')).toBe(true);
  });

  it('when the principal id is upper-case, then the assignment is stored under the lower-case object id (as Entra writes oid)', async () => {
    expect((await put(owner, newcomer.toUpperCase(), { role: 'SecurityReader' })).status).toBe(201);
    expect(await readRoleAssignment(harness.database, SUB, newcomer)).toBeDefined();
  });

  it.each([
    ['SecurityAdmin', admin],
    ['SecurityReader', reader],
  ])('when a %s grants a role, then it is 403 and nothing is stored', async (_role, caller) => {
    expect((await put(caller, newcomer, { role: 'SecurityReader' })).status).toBe(403);
    expect(await readRoleAssignment(harness.database, SUB, newcomer)).toBeUndefined();
  });

  it('when the caller has no role in the subscription, then it is 404 and nothing is stored', async () => {
    expect((await put(stranger, stranger.objectId, { role: 'Owner' })).status).toBe(404);
    expect(await readRoleAssignment(harness.database, SUB, stranger.objectId)).toBeUndefined();
  });

  it('when an operator grants the first Owner of a new subscription, then it is 201', async () => {
    const fresh = '0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f';
    const response = await put(operator, owner.objectId, { role: 'Owner' }, fresh);
    expect(response.status).toBe(201);
    expect(response.jsonBody).toMatchObject({ subscriptionId: fresh, role: 'Owner', createdBy: { principalId: operator.objectId } });
  });

  it('when the last Owner would be demoted, then it is 409 LastOwner and the role is unchanged', async () => {
    const response = await put(owner, owner.objectId, { role: 'SecurityReader' });
    expect(response.status).toBe(409);
    expect(response.jsonBody).toMatchObject({ error: { code: 'LastOwner' } });
    expect(await readRoleAssignment(harness.database, SUB, owner.objectId)).toMatchObject({ role: 'Owner' });
  });

  it('when an operator would demote the last Owner, then it is 409 as well', async () => {
    expect((await put(operator, owner.objectId, { role: 'SecurityAdmin' })).status).toBe(409);
  });

  it('when another Owner exists, then an Owner can be demoted', async () => {
    expect((await put(owner, admin.objectId, { role: 'Owner' })).status).toBe(200);
    expect((await put(owner, owner.objectId, { role: 'SecurityReader' })).status).toBe(200);
    expect(await readRoleAssignment(harness.database, SUB, owner.objectId)).toMatchObject({ role: 'SecurityReader' });
  });

  it('when the last Owner is "re-granted" Owner, then it is 200 (not a demotion)', async () => {
    expect((await put(owner, owner.objectId, { role: 'Owner' })).status).toBe(200);
  });

  it.each([
    ['role is missing', {}, /^role is required/],
    ['role is unknown', { role: 'God' }, /^role must be one of Owner, SecurityAdmin, SecurityReader/],
    ['role is not a string', { role: 3 }, /^role must be one of/],
    ['principalName is too long', { role: 'SecurityReader', principalName: 'x'.repeat(257) }, /^principalName must be at most 256 characters/],
    ['principalName is not a string', { role: 'SecurityReader', principalName: 42 }, /^principalName must be a string/],
    ['an unknown field is sent', { role: 'SecurityReader', isAdmin: true }, /^isAdmin is not a known field/],
    ['the body is an array', [{ role: 'Owner' }], /^body must be a JSON object/],
    ['the body is not JSON', 'role=Owner', /^body must be a JSON object/],
  ])('when %s, then it is 400 InvalidRequestBody naming the field, and nothing is stored', async (_case, body, message) => {
    const response = await put(owner, newcomer, body);
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ error: { code: 'InvalidRequestBody', message: expect.stringMatching(message) as string } });
    expect(await readRoleAssignment(harness.database, SUB, newcomer)).toBeUndefined();
  });

  it('when the principal id is not a GUID, then it is 400 naming principalId', async () => {
    const response = await put(owner, 'alice', { role: 'SecurityReader' });
    expectInvalidParameter(response, 'principalId');
  });
});

describe('DELETE /api/subscriptions/{subscriptionId}/roleAssignments/{principalId}', () => {
  const remove = (as: TestCaller | null, principalId: string, sub = SUB) =>
    harness.call(deleteRoleAssignment, 'DELETE', itemPath(sub, principalId), { params: itemParams(sub, principalId), as });

  it('when there is no token, then it is 401', async () => {
    expect((await remove(null, reader.objectId)).status).toBe(401);
  });

  it('when the Owner removes an assignment, then it is 204 and the principal has no role any more', async () => {
    const response = await remove(owner, reader.objectId);
    expect(response.status).toBe(204);
    expect(response.jsonBody).toBeUndefined();
    expect(await readRoleAssignment(harness.database, SUB, reader.objectId)).toBeUndefined();
  });

  it('when the assignment does not exist, then it is 404', async () => {
    const response = await remove(owner, newcomer);
    expect(response.status).toBe(404);
    expect(response.jsonBody).toMatchObject({ error: { code: 'NotFound' } });
  });

  it.each([
    ['SecurityAdmin', admin],
    ['SecurityReader', reader],
  ])('when a %s removes an assignment, then it is 403 and the assignment stays', async (_role, caller) => {
    expect((await remove(caller, owner.objectId)).status).toBe(403);
    expect(await readRoleAssignment(harness.database, SUB, owner.objectId)).toBeDefined();
  });

  it('when the caller has no role in the subscription, then it is 404 and the assignment stays', async () => {
    expect((await remove(stranger, reader.objectId)).status).toBe(404);
    expect(await readRoleAssignment(harness.database, SUB, reader.objectId)).toBeDefined();
  });

  it('when an operator removes an assignment in any subscription, then it is 204', async () => {
    expect((await remove(operator, admin.objectId)).status).toBe(204);
  });

  it('when the last Owner would be removed, then it is 409 LastOwner and the Owner stays', async () => {
    const response = await remove(owner, owner.objectId);
    expect(response.status).toBe(409);
    expect(response.jsonBody).toMatchObject({ error: { code: 'LastOwner' } });
    expect(await readRoleAssignment(harness.database, SUB, owner.objectId)).toMatchObject({ role: 'Owner' });
  });

  it('when another Owner exists, then an Owner can be removed', async () => {
    await harness.grant(SUB, admin, 'Owner');
    expect((await remove(owner, owner.objectId)).status).toBe(204);
  });

  it('when the principal id is not a GUID, then it is 400 naming principalId', async () => {
    const response = await remove(owner, '../etc');
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ error: { message: expect.stringMatching(/^principalId /) as string } });
  });
});
