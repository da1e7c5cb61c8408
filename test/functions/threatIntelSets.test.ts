import { deleteThreatIntelSet } from '../../functions/deleteThreatIntelSet';
import { getThreatIntelSet } from '../../functions/getThreatIntelSet';
import { listThreatIntelSets } from '../../functions/listThreatIntelSets';
import { putThreatIntelSet } from '../../functions/putThreatIntelSet';
import { MAX_THREAT_INTEL_SET_ENTRIES, MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION } from '../../shared/intel/threatIntelSet';
import { ApiHarness, roleCast, type TestCaller } from '../support/apiHarness';

const SUB = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const OTHER_SUB = '3f9e8d7c-6b5a-4493-8271-605f4e3d2c1b';
const FULL_SUB = '3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
const { reader, admin, owner, stranger } = roleCast('3');

const setPath = (sub: string, name: string) => `/api/subscriptions/${sub}/threatIntelSets/${name}`;

/** Indicators of a (fictional) incident: addresses and names from the documentation ranges, one real 2024 Tor exit. */
const INCIDENT_SET = {
  description: 'Indicators from incident IR-2026-114 (kubectl from a VPS range, then a C2 domain).',
  ips: ['198.51.100.7', '::ffff:185.220.101.4', '2001:DB8:BEEF::17', '198.51.100.7'],
  cidrs: ['203.0.113.0/24', '2001:db8:c2::/48'],
  domains: ['C2.Example.NET', '*.evil.example.org'],
};

describe('threat-intel set routes', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await new ApiHarness().start();
    await harness.grant(SUB, reader, 'SecurityReader');
    await harness.grant(SUB, admin, 'SecurityAdmin');
    await harness.grant(SUB, owner, 'Owner');
    await harness.grant(FULL_SUB, admin, 'SecurityAdmin');
    await harness.grant(OTHER_SUB, stranger, 'Owner');
  });
  afterAll(async () => {
    await harness.stop();
  });

  const put = (sub: string, name: string, body: unknown, as: TestCaller | null = admin) =>
    harness.call(putThreatIntelSet, 'PUT', setPath(sub, name), { params: { subscriptionId: sub, name }, body, as });
  const get = (sub: string, name: string, as: TestCaller | null = reader) =>
    harness.call(getThreatIntelSet, 'GET', setPath(sub, name), { params: { subscriptionId: sub, name }, as });
  const list = (sub: string, as: TestCaller | null = reader) =>
    harness.call(listThreatIntelSets, 'GET', `/api/subscriptions/${sub}/threatIntelSets`, { params: { subscriptionId: sub }, as });
  const remove = (sub: string, name: string, as: TestCaller | null = admin) =>
    harness.call(deleteThreatIntelSet, 'DELETE', setPath(sub, name), { params: { subscriptionId: sub, name }, as });
  const errorOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { error: { code: string; message: string } }).error;

  it('when an admin creates a set, then it is stored normalized without repeats, readers read and list it, and a second PUT replaces it keeping its creation', async () => {
    const created = await put(SUB, 'ir-2026-114', INCIDENT_SET);
    expect(created.status).toBe(201);
    expect(created.jsonBody).toMatchObject({
      subscriptionId: SUB,
      name: 'ir-2026-114',
      ips: ['198.51.100.7', '185.220.101.4', '2001:db8:beef::17'],
      cidrs: ['203.0.113.0/24', '2001:db8:c2::/48'],
      domains: ['c2.example.net', '*.evil.example.org'],
      entryCount: 7,
      createdBy: { principalId: admin.objectId },
    });
    expect((await get(SUB, 'ir-2026-114')).jsonBody).toEqual(created.jsonBody);

    const replaced = await put(SUB, 'ir-2026-114', { ips: ['198.51.100.8'] }, owner);
    expect(replaced.status).toBe(200);
    expect(replaced.jsonBody).toMatchObject({ ips: ['198.51.100.8'], cidrs: [], domains: [], entryCount: 1, createdBy: { principalId: admin.objectId }, updatedBy: { principalId: owner.objectId } });
    const listed = await list(SUB);
    expect((listed.jsonBody as { value: { name: string }[] }).value.map((set) => set.name)).toContain('ir-2026-114');
  });

  it.each([
    [{ ips: ['10.20.30.40'] }, 'ips[0]', "ips[0] '10.20.30.40' is a private address"],
    [{ ips: ['198.51.100.7', '198.51.100.300'] }, 'ips[1]', "ips[1] '198.51.100.300' is not an IPv4 or IPv6 address"],
    [{ ips: ['198.51.100.0/24'] }, 'ips[0]', 'is a range: list it under cidrs'],
    [{ cidrs: ['100.64.0.0/10'] }, 'cidrs[0]', 'lies wholly in a carrier-grade NAT address (100.64.0.0/10) space'],
    [{ cidrs: ['fd12:3456:789a::/48'] }, 'cidrs[0]', 'lies wholly in an IPv6 unique-local address'],
    [{ cidrs: ['44.0.0.0/7'] }, 'cidrs[0]', 'is wider than /8'],
    [{ cidrs: ['2001:db8::/29'] }, 'cidrs[0]', 'is wider than /32'],
    [{ cidrs: ['203.0.113.9/24'] }, 'cidrs[0]', 'has host bits set: write its network address, 203.0.113.0/24'],
    [{ domains: ['*.com'] }, 'domains[0]', "domains[0] '*.com' is not a host name"],
    [{ domains: ['c2.example.net', 'bad_name.example.net'] }, 'domains[1]', "domains[1] 'bad_name.example.net' is not a host name"],
    [{ ips: [] }, 'body', 'at least one entry'],
    [{ ips: '198.51.100.7' }, 'ips', 'ips must be an array of strings'],
    [{ ips: ['198.51.100.7'], addresses: [] }, 'addresses', 'addresses is not a known field'],
  ])('when the body is %j, then 400 names %s and the entry', async (body, _field, message) => {
    const response = await put(SUB, 'refused', body);
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('InvalidRequestBody');
    expect(errorOf(response).message).toContain(message);
    expect((await get(SUB, 'refused')).status).toBe(404);
  });

  it('when a set would hold more than the cap, then 400 says so', async () => {
    const ips = Array.from({ length: MAX_THREAT_INTEL_SET_ENTRIES + 1 }, (_, i) => `44.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const response = await put(SUB, 'too-big', { ips });
    expect(response.status).toBe(400);
    expect(errorOf(response).message).toContain(`at most ${MAX_THREAT_INTEL_SET_ENTRIES} entries`);
  });

  it('when the subscription already holds the maximum of sets, then a new one is refused with 409 and an existing one can still be replaced', async () => {
    for (let i = 0; i < MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION; i++) expect((await put(FULL_SUB, `feed-${i}`, { ips: [`198.51.100.${i + 1}`] })).status).toBe(201);
    const refused = await put(FULL_SUB, 'one-more', { ips: ['198.51.100.200'] });
    expect(refused.status).toBe(409);
    expect(errorOf(refused).code).toBe('LimitExceeded');
    expect((await put(FULL_SUB, 'feed-0', { ips: ['198.51.100.201'] })).status).toBe(200);
  });

  it('when a reader writes, a stranger reads, or nobody is signed in, then 403, 404 and 401, and nothing changes', async () => {
    await put(SUB, 'guarded', { domains: ['c2.example.net'] });
    expect((await put(SUB, 'guarded', { ips: ['198.51.100.9'] }, reader)).status).toBe(403);
    expect((await remove(SUB, 'guarded', reader)).status).toBe(403);
    expect((await get(SUB, 'guarded', stranger)).status).toBe(404);
    expect((await list(SUB, stranger)).status).toBe(403);
    expect((await get(SUB, 'guarded', null)).status).toBe(401);
    expect((await get(SUB, 'guarded')).jsonBody).toMatchObject({ domains: ['c2.example.net'] });
  });

  it('when a set is deleted, then it is gone, and deleting it again or reading a missing set is 404', async () => {
    await put(SUB, 'short-lived', { ips: ['198.51.100.77'] });
    expect((await remove(SUB, 'short-lived')).status).toBe(204);
    expect((await get(SUB, 'short-lived')).status).toBe(404);
    expect((await remove(SUB, 'short-lived')).status).toBe(404);
  });

  it('when the name is malformed, then 400 names it', async () => {
    const response = await put(SUB, '-bad name', { ips: ['198.51.100.7'] });
    expect(response.status).toBe(400);
    expect(errorOf(response).message).toContain('name must be 2 to 50 characters');
  });
});
