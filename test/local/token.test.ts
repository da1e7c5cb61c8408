import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt } from 'jose';
import { pendingGrantsDirectory } from '../../local/localRoleGrants';
import { main } from '../../local/token';
import { loadOrCreateSigningKey } from '../../local/localSigningKey';
import { createTokenValidator } from '../../shared/auth/tokenValidator';
import { loadConfig } from '../../shared/config';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

describe('npm run token', () => {
  const dataDir = createTemporaryDirectory();
  const savedDataDir = process.env['ARGUS_LOCAL_DATA_DIR'];
  const savedPort = process.env['PORT'];
  let stdout: string[];
  let stderr: string[];
  /** Stands where the local runtime would listen; each test decides how it answers (closed: no runtime). */
  let runtimeStandIn: Server;
  let answer: ((url: string) => { status: number; body: unknown }) | undefined;

  beforeAll(async () => {
    process.env['ARGUS_LOCAL_DATA_DIR'] = dataDir.path;
    runtimeStandIn = createServer((req, res) => {
      if (!answer) return void res.socket?.destroy();
      const { status, body } = answer(req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => runtimeStandIn.listen(0, '127.0.0.1', resolve));
    process.env['PORT'] = String((runtimeStandIn.address() as { port: number }).port);
  });
  beforeEach(() => {
    stdout = [];
    stderr = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    answer = undefined;
  });
  afterAll(async () => {
    if (savedDataDir === undefined) delete process.env['ARGUS_LOCAL_DATA_DIR'];
    else process.env['ARGUS_LOCAL_DATA_DIR'] = savedDataDir;
    if (savedPort === undefined) delete process.env['PORT'];
    else process.env['PORT'] = savedPort;
    runtimeStandIn.closeAllConnections();
    await new Promise<void>((resolve) => runtimeStandIn.close(() => resolve()));
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

  describe('role assignment recording', () => {
    const SUB = '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c';
    const grantFiles = async (): Promise<string[]> => (await readdir(pendingGrantsDirectory(dataDir.path)).catch(() => [])).sort();

    it('when a role is asked for and no runtime answers, then the grant is recorded in the data folder and the user is told it applies at the next start', async () => {
      const before = await grantFiles();
      expect(await main(['--subscription', SUB.toUpperCase(), '--role', 'Owner', '--user', 'olivia'])).toBe(0);
      const added = (await grantFiles()).filter((f) => !before.includes(f));
      expect(added).toHaveLength(1);
      const oid = decodeJwt(stdout[0]?.trim() ?? '')['oid'];
      const recorded = JSON.parse(await readFile(join(pendingGrantsDirectory(dataDir.path), added[0] ?? ''), 'utf8')) as Record<string, unknown>;
      expect(recorded).toMatchObject({ version: 1, subscriptionId: SUB, principalId: oid, principalName: 'olivia', role: 'Owner' });
      const report = stderr.join('');
      expect(report).toContain(`recorded role assignment: Owner for olivia (object id ${String(oid)}) in subscription ${SUB}`);
      expect(report).toContain('no local runtime answered');
      expect(report).toContain(`applied when the local runtime next starts (npm start) with the data folder ${dataDir.path}`);
      expect(stdout).toHaveLength(1);
    });

    it('when the running runtime applies the grant, then the command says the token works now, having asked about its own grant', async () => {
      let asked = '';
      answer = (url) => {
        asked = url;
        const grantId = new URL(url, 'http://x').searchParams.get('grantId');
        return { status: 200, body: { applied: [], grant: { id: grantId, outcome: 'applied' } } };
      };
      expect(await main(['--subscription', SUB, '--role', 'SecurityReader', '--user', 'rita'])).toBe(0);
      expect(asked).toMatch(/^\/api\/local\/roleAssignments\/reload\?grantId=\d{13}-[0-9a-f-]{36}$/);
      expect(stderr.join('')).toContain('applied it: the token works now.');
    });

    it('when the runtime that answers does not know the grant (another data folder), then the command says so', async () => {
      answer = () => ({ status: 200, body: { applied: [] } });
      expect(await main(['--subscription', SUB, '--role', 'SecurityReader', '--user', 'rita'])).toBe(0);
      expect(stderr.join('')).toContain('did not find it (it uses another data folder, ARGUS_LOCAL_DATA_DIR?)');
    });

    it('when something without the reload endpoint answers, then the command names the status and that the grant waits for the next start', async () => {
      answer = () => ({ status: 404, body: {} });
      expect(await main(['--subscription', SUB, '--role', 'SecurityReader', '--user', 'rita'])).toBe(0);
      expect(stderr.join('')).toContain('did not apply it (HTTP 404');
      expect(stderr.join('')).toContain('applied when the local runtime next starts');
    });

    it('when no subscription is given (or only --admin), then nothing is recorded', async () => {
      const before = await grantFiles();
      expect(await main(['--admin'])).toBe(0);
      expect(await grantFiles()).toEqual(before);
      expect(stderr.join('')).not.toContain('recorded role assignment');
    });
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
