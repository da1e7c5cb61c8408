import { createLocalJWKSet, decodeJwt } from 'jose';
import { main } from '../../local/token';
import { loadOrCreateSigningKey } from '../../local/localSigningKey';
import { createTokenValidator } from '../../shared/auth/tokenValidator';
import { loadConfig } from '../../shared/config';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

describe('npm run token', () => {
  const dataDir = createTemporaryDirectory();
  const savedDataDir = process.env['ARGUS_LOCAL_DATA_DIR'];
  let stdout: string[];
  let stderr: string[];

  beforeAll(() => (process.env['ARGUS_LOCAL_DATA_DIR'] = dataDir.path));
  beforeEach(() => {
    stdout = [];
    stderr = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => {
    if (savedDataDir === undefined) delete process.env['ARGUS_LOCAL_DATA_DIR'];
    else process.env['ARGUS_LOCAL_DATA_DIR'] = savedDataDir;
    dataDir.remove();
  });

  it('when asked for a role in a subscription, then it prints only a token that the local validator accepts', async () => {
    const code = await main(['--subscription', '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c', '--role', 'SecurityAdmin', '--user', 'grace']);
    expect(code).toBe(0);
    expect(stdout).toHaveLength(1);
    const token = stdout[0]?.trim() ?? '';
    expect(token.split('.')).toHaveLength(3);
    expect(stderr.join('')).toContain('SecurityAdmin in subscription 6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c');

    const config = loadConfig({ ARGUS_ENVIRONMENT: 'local' });
    const key = await loadOrCreateSigningKey(dataDir.path);
    const validator = createTokenValidator({
      issuer: config.auth.issuer,
      audiences: config.auth.audiences,
      tenantId: config.auth.tenantId,
      clockSkewInSeconds: 0,
      keys: createLocalJWKSet({ keys: [key.publicJwk] }),
    });
    await expect(validator.authenticate(`Bearer ${token}`)).resolves.toMatchObject({
      kind: 'authenticated',
      principal: { displayName: 'grace', appRoles: [] },
    });
  });

  it('when --admin is given, then the token carries the Argus.Admin app role', async () => {
    expect(await main(['--admin'])).toBe(0);
    expect(decodeJwt(stdout[0]?.trim() ?? '')['roles']).toEqual(['Argus.Admin']);
  });

  it('when the same user asks twice, then the object id is the same (role assignments stay valid)', async () => {
    await main(['--user', 'lin']);
    await main(['--user', 'lin']);
    const [first, second] = stdout.map((t) => decodeJwt(t.trim())['oid']);
    expect(first).toBe(second);
  });

  it.each([
    [['--role', 'Owner'], '--subscription and --role go together'],
    [['--subscription', 'not-a-guid', '--role', 'Owner'], '--subscription must be a subscription id (GUID)'],
    [['--subscription', '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c', '--role', 'God'], '--role must be one of Owner, SecurityAdmin, SecurityReader'],
    [['--expires-in', '999999'], '--expires-in must be at most 86400 seconds'],
    [['--expires-in', 'soon'], '--expires-in must be a number of seconds'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('when the arguments are %j, then it exits 2 with a clear message and prints no token', async (args, message) => {
    expect(await main(args)).toBe(2);
    expect(stdout).toEqual([]);
    expect(stderr.join('')).toContain(message);
  });
});
