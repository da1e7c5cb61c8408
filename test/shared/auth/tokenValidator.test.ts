import { createHmac } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, SignJWT, type JWTPayload } from 'jose';
import { createTokenValidator, type TokenValidator } from '../../../shared/auth/tokenValidator';
import { createTestSigningKey, startJwksServer, type TestSigningKey } from '../../support/testKeys';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const AUDIENCE = 'api://argus';
const OID = '9f1c3c57-0b5e-4d5b-8f43-6a5b7d0e2c11';

let key: TestSigningKey;
let otherKey: TestSigningKey;
let validator: TokenValidator;

const now = (): number => Math.floor(Date.now() / 1000);

function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    oid: OID,
    tid: TENANT,
    sub: OID,
    name: 'Ada Analyst',
    scp: 'user_impersonation',
    ...overrides,
  };
}

function sign(payload: JWTPayload, signer: TestSigningKey = key, kid: string = signer.kid): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(signer.privateKey);
}

function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

async function reasonFor(header: string | null): Promise<string> {
  const result = await validator.authenticate(header);
  return result.kind === 'authenticated' ? 'authenticated' : result.reason;
}

beforeAll(async () => {
  key = await createTestSigningKey('key-1');
  otherKey = await createTestSigningKey('key-1'); // same kid, different key: a forger's key
  validator = createTokenValidator({
    issuer: ISSUER,
    audiences: [AUDIENCE, '3f0b8b1e-7d0c-4a59-9a39-7b0e3f9e2c11'],
    tenantId: TENANT,
    clockSkewInSeconds: 60,
    keys: createLocalJWKSet({ keys: [key.publicJwk] }),
  });
});

describe('tokenValidator', () => {
  it('when the token is valid, then the principal comes from oid, tid, name and roles', async () => {
    const token = await sign(claims({ roles: ['Argus.Admin', 7] }));
    await expect(validator.authenticate(`Bearer ${token}`)).resolves.toEqual({
      kind: 'authenticated',
      principal: { objectId: OID, tenantId: TENANT, displayName: 'Ada Analyst', kind: 'user', appRoles: ['Argus.Admin'] },
    });
  });

  it('when the token is app-only (idtyp app, no scp), then the principal is an application', async () => {
    const { scp: _scp, name: _name, ...appClaims } = claims({ idtyp: 'app' });
    const result = await validator.authenticate(`Bearer ${await sign(appClaims)}`);
    expect(result).toMatchObject({ kind: 'authenticated', principal: { kind: 'application', displayName: OID } });
  });

  it('when the audience is the API client id, then it is accepted too', async () => {
    expect(await reasonFor(`Bearer ${await sign(claims({ aud: '3f0b8b1e-7d0c-4a59-9a39-7b0e3f9e2c11' }))}`)).toBe('authenticated');
  });

  it('when there is no Authorization header, then it is missing-token', async () => {
    expect(await reasonFor(null)).toBe('missing-token');
    expect(await reasonFor('')).toBe('missing-token');
  });

  it('when the header is not a Bearer JWT, then it is malformed-header', async () => {
    expect(await reasonFor('Basic dXNlcjpwYXNz')).toBe('malformed-header');
    expect(await reasonFor('Bearer not-a-jwt')).toBe('malformed-header');
  });

  it('when the payload was changed after signing, then the signature fails', async () => {
    const [header, , signature] = (await sign(claims())).split('.');
    const forged = base64url(claims({ roles: ['Argus.Admin'] }));
    expect(await reasonFor(`Bearer ${header}.${forged}.${signature}`)).toBe('bad-signature');
  });

  it('when the token is signed by another key under a known kid, then the signature fails', async () => {
    expect(await reasonFor(`Bearer ${await sign(claims(), otherKey)}`)).toBe('bad-signature');
  });

  it('when the kid is unknown, then it is unknown-key', async () => {
    expect(await reasonFor(`Bearer ${await sign(claims(), key, 'rotated-away')}`)).toBe('unknown-key');
  });

  it('when alg is none, then it is refused', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`;
    expect(await reasonFor(`Bearer ${unsigned}`)).toBe('disallowed-algorithm');
  });

  it('when the token is HS256-signed with the public key (algorithm confusion), then it is refused', async () => {
    const header = base64url({ alg: 'HS256', typ: 'JWT', kid: key.kid });
    const payload = base64url(claims());
    const mac = createHmac('sha256', JSON.stringify(key.publicJwk)).update(`${header}.${payload}`).digest('base64url');
    expect(await reasonFor(`Bearer ${header}.${payload}.${mac}`)).toBe('disallowed-algorithm');
  });

  it('when the token expired beyond the clock skew, then it is expired', async () => {
    expect(await reasonFor(`Bearer ${await sign(claims({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 61 }))}`)).toBe('expired');
  });

  it('when the token expired within the clock skew, then it is still accepted', async () => {
    expect(await reasonFor(`Bearer ${await sign(claims({ iat: now() - 3600, nbf: now() - 3600, exp: now() - 30 }))}`)).toBe('authenticated');
  });

  it('when the token is not valid yet, then it is not-yet-valid', async () => {
    expect(await reasonFor(`Bearer ${await sign(claims({ nbf: now() + 600 }))}`)).toBe('not-yet-valid');
  });

  it('when the audience is another API, then it is wrong-audience', async () => {
    expect(await reasonFor(`Bearer ${await sign(claims({ aud: 'https://graph.microsoft.com' }))}`)).toBe('wrong-audience');
  });

  it('when the issuer is another tenant, then it is wrong-issuer', async () => {
    const issuer = 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0';
    expect(await reasonFor(`Bearer ${await sign(claims({ iss: issuer }))}`)).toBe('wrong-issuer');
  });

  it('when tid names another tenant, then it is wrong-tenant', async () => {
    expect(await reasonFor(`Bearer ${await sign(claims({ tid: '11111111-2222-3333-4444-555555555555' }))}`)).toBe('wrong-tenant');
  });

  it('when the oid claim is missing, then it is missing-claim', async () => {
    const { oid: _oid, ...withoutOid } = claims();
    expect(await reasonFor(`Bearer ${await sign(withoutOid)}`)).toBe('missing-claim');
  });
});

describe('tokenValidator with a remote JWKS', () => {
  it('when the issuer rotates to a new key, then the key set is fetched again and the new key is accepted', async () => {
    const first = await createTestSigningKey('first');
    const second = await createTestSigningKey('second');
    const jwks = await startJwksServer([first.publicJwk]);
    try {
      const remote = createTokenValidator({
        issuer: ISSUER,
        audiences: [AUDIENCE],
        tenantId: TENANT,
        clockSkewInSeconds: 60,
        keys: createRemoteJWKSet(new URL(jwks.url), { cooldownDuration: 0 }),
      });
      expect((await remote.authenticate(`Bearer ${await sign(claims(), first)}`)).kind).toBe('authenticated');
      expect((await remote.authenticate(`Bearer ${await sign(claims(), first)}`)).kind).toBe('authenticated');
      expect(jwks.requests()).toBe(1); // cached

      jwks.publish([first.publicJwk, second.publicJwk]);
      expect((await remote.authenticate(`Bearer ${await sign(claims(), second)}`)).kind).toBe('authenticated');
      expect(jwks.requests()).toBe(2);
    } finally {
      await jwks.close();
    }
  });

  it('when the key set cannot be fetched, then the reason is key-set-unavailable, not a bad token', async () => {
    const jwks = await startJwksServer([]);
    const url = jwks.url;
    await jwks.close();
    const remote = createTokenValidator({
      issuer: ISSUER,
      audiences: [AUDIENCE],
      tenantId: TENANT,
      clockSkewInSeconds: 60,
      keys: createRemoteJWKSet(new URL(url), { timeoutDuration: 2000 }),
    });
    const result = await remote.authenticate(`Bearer ${await sign(claims())}`);
    expect(result).toEqual({ kind: 'unauthenticated', reason: 'key-set-unavailable' });
  });
});
