import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { CompactEncrypt, importJWK, SignJWT, type JWTPayload } from 'jose';
import { getCurrentPrincipal } from '../../../functions/getCurrentPrincipal';
import { MAX_AUTHORIZATION_HEADER_LENGTH, type AuthenticationFailureReason } from '../../../shared/auth/tokenValidator';
import { LOCAL_AUDIENCE, LOCAL_TENANT_ID, localIssuer } from '../../../shared/config';
import { applyAppSettings } from '../../support/appSettings';
import { encodeSegment, signWithHs256, signWithRs256, withSpareBitFlipped } from '../../support/forgedTokens';
import { httpRequest, invocationContext } from '../../support/httpRequests';
import { createTestSigningKey, startJwksServer, type JwksServer, type TestSigningKey } from '../../support/testKeys';

/**
 * The classic JWT attacks, one named row each, every one a real token sent to `GET /api/me` (the handler as the
 * Functions host calls it, with the validator built from app settings and a real JWKS on loopback). Each attack
 * must be answered 401 and logged with the validator's reason; the control rows must be answered 200, so the
 * route is proven to accept good tokens built the same way.
 *
 * Rows whose only defect is in the header (crit, b64, cty, typ, alg label) are signed with the issuer's real key,
 * so nothing but the header check can refuse them. The clock is frozen, so the skew boundary rows are exact.
 */

const SKEW_IN_SECONDS = 60;
const NOW_IN_SECONDS = Date.UTC(2025, 2, 14, 9, 26, 53) / 1000;
const OID = '5e1b7c2a-9d4f-4a3e-8b6c-2f0d1e3a4b5c';
const OTHER_TENANT_ID = '11111111-2222-4333-8444-555555555555';
/** The most group ids Entra ID puts in a JWT; beyond 200 it sends an overage claim instead. */
const ENTRA_GROUPS_LIMIT = 200;

interface AttackKit {
  /** The issuer's key: its public half is the only key in the configured JWKS. */
  issuer: TestSigningKey;
  /** Another tenant's key pair (the attacker's): its JWKS is served, but not at the configured URI. */
  attacker: TestSigningKey;
  attackerKeySet: JwksServer;
}

type TokenBuilder = (kit: AttackKit) => string | Promise<string>;

interface AttackRow {
  situation: string;
  token: TokenBuilder;
  reason: AuthenticationFailureReason;
}

interface ControlRow {
  situation: string;
  token: TokenBuilder;
}

/** An Entra ID v2 delegated access token's claims for the Argus API, valid at the frozen clock. */
function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    aud: LOCAL_AUDIENCE,
    iss: localIssuer(LOCAL_TENANT_ID),
    iat: NOW_IN_SECONDS,
    nbf: NOW_IN_SECONDS,
    exp: NOW_IN_SECONDS + 3600,
    name: 'Mallory Analyst',
    oid: OID,
    scp: 'user_impersonation',
    sub: OID,
    tid: LOCAL_TENANT_ID,
    ver: '2.0',
    ...overrides,
  };
}

/** The header Entra ID puts on its access tokens. */
function entraHeader(kit: AttackKit, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { typ: 'JWT', alg: 'RS256', kid: kit.issuer.kid, ...overrides };
}

/** A token the issuer really signed (RS256), with the header and claims changed as given. */
function issuerSigned(kit: AttackKit, header: Record<string, unknown> = {}, payload: JWTPayload = {}): string {
  return signWithRs256(entraHeader(kit, header), claims(payload), kit.issuer.privateKey);
}

/** A token the attacker signed (RS256) with their own key, with the header changed as given. */
function attackerSigned(kit: AttackKit, header: Record<string, unknown>): string {
  return signWithRs256(entraHeader(kit, header), claims({ roles: ['Argus.Admin'] }), kit.attacker.privateKey);
}

function segmentsOf(token: string): [header: string, payload: string, signature: string] {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return [header, payload, signature];
}

function publicKeyPem(kit: AttackKit): string {
  return createPublicKey({ key: kit.issuer.publicJwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}

/** An issuer-signed token padded (with a claim) until its `Bearer` header is just within, or just beyond, the cap. */
function tokenFillingHeader(kit: AttackKit, side: 'within' | 'beyond'): string {
  const padded = (length: number): string => issuerSigned(kit, {}, { xms_pad: 'x'.repeat(length) });
  const headerLength = (token: string): number => `Bearer ${token}`.length;
  let length = Math.floor(((MAX_AUTHORIZATION_HEADER_LENGTH - headerLength(padded(0))) * 3) / 4) - 8;
  while (headerLength(padded(length + 1)) <= MAX_AUTHORIZATION_HEADER_LENGTH) length += 1;
  // `length` is the longest padding that still fits; one more character crosses the cap.
  return padded(side === 'within' ? length : length + 1);
}

function groupIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
}

const ATTACKS: AttackRow[] = [
  // alg: none and its spellings
  {
    situation: 'alg is none and there is no signature part',
    token: () => `${encodeSegment({ typ: 'JWT', alg: 'none' })}.${encodeSegment(claims())}.`,
    reason: 'disallowed-algorithm',
  },
  {
    situation: 'alg is none and the signature of a real token is kept',
    token: (kit) => `${encodeSegment({ typ: 'JWT', alg: 'none' })}.${encodeSegment(claims())}.${segmentsOf(issuerSigned(kit))[2]}`,
    reason: 'disallowed-algorithm',
  },
  {
    situation: 'alg is NONE in capitals',
    token: () => `${encodeSegment({ typ: 'JWT', alg: 'NONE' })}.${encodeSegment(claims())}.`,
    reason: 'disallowed-algorithm',
  },
  {
    situation: 'alg is nOnE in mixed case',
    token: () => `${encodeSegment({ typ: 'JWT', alg: 'nOnE' })}.${encodeSegment(claims())}.`,
    reason: 'disallowed-algorithm',
  },
  {
    situation: 'the header has no alg at all',
    token: (kit) => signWithRs256({ typ: 'JWT', kid: kit.issuer.kid }, claims(), kit.issuer.privateKey),
    reason: 'malformed-token',
  },
  // algorithm confusion: the public key as an HMAC secret
  {
    situation: 'the token is HS256 signed with the issuer public key in PEM form',
    token: (kit) => signWithHs256(entraHeader(kit, { alg: 'HS256' }), claims(), publicKeyPem(kit)),
    reason: 'disallowed-algorithm',
  },
  {
    situation: 'the token is HS256 signed with the issuer public key in JWK form',
    token: (kit) => signWithHs256(entraHeader(kit, { alg: 'HS256' }), claims(), JSON.stringify(kit.issuer.publicJwk)),
    reason: 'disallowed-algorithm',
  },
  // an RS256 signature under another algorithm's label
  {
    situation: 'an issuer RS256 signature is labelled RS512',
    token: (kit) => issuerSigned(kit, { alg: 'RS512' }),
    reason: 'disallowed-algorithm',
  },
  {
    situation: 'an issuer RS256 signature is labelled PS256',
    token: (kit) => issuerSigned(kit, { alg: 'PS256' }),
    reason: 'disallowed-algorithm',
  },
  {
    situation: 'an issuer RS256 signature is labelled ES256',
    token: (kit) => issuerSigned(kit, { alg: 'ES256' }),
    reason: 'disallowed-algorithm',
  },
  {
    situation: 'alg is ES256 with the all-zero psychic signature (CVE-2022-21449)',
    token: (kit) => `${encodeSegment(entraHeader(kit, { alg: 'ES256' }))}.${encodeSegment(claims())}.${Buffer.alloc(64).toString('base64url')}`,
    reason: 'disallowed-algorithm',
  },
  // kid: only ever a lookup key into the configured key set
  {
    situation: 'the kid is unknown to the key set',
    token: (kit) => attackerSigned(kit, { kid: 'rotated-away-2019' }),
    reason: 'unknown-key',
  },
  {
    situation: 'the kid is a path traversal to /dev/null',
    token: (kit) => attackerSigned(kit, { kid: '../../../../../../dev/null' }),
    reason: 'unknown-key',
  },
  {
    situation: 'the kid is a path traversal to /dev/null and the token is HS256 signed with an empty secret',
    token: (kit) => signWithHs256(entraHeader(kit, { alg: 'HS256', kid: '../../dev/null' }), claims(), ''),
    reason: 'disallowed-algorithm',
  },
  {
    situation: "the kid is an SQL injection (' OR 1=1 --)",
    token: (kit) => attackerSigned(kit, { kid: "' OR 1=1 --" }),
    reason: 'unknown-key',
  },
  // another tenant's key
  {
    situation: "the token is signed with another tenant's key under that key's kid",
    token: (kit) => attackerSigned(kit, { kid: kit.attacker.kid }),
    reason: 'unknown-key',
  },
  {
    situation: "the token is signed with another tenant's key under the issuer's kid",
    token: (kit) => attackerSigned(kit, { kid: kit.issuer.kid }),
    reason: 'bad-signature',
  },
  // headers that try to bring their own key
  {
    situation: "jku points at the attacker's key set",
    token: (kit) => attackerSigned(kit, { kid: kit.attacker.kid, jku: kit.attackerKeySet.url }),
    reason: 'unknown-key',
  },
  {
    situation: "x5u points at the attacker's server",
    token: (kit) => attackerSigned(kit, { kid: kit.attacker.kid, x5u: kit.attackerKeySet.url.replace(/keys$/, 'cert.pem') }),
    reason: 'unknown-key',
  },
  {
    situation: "an embedded jwk carries the attacker's public key and kid",
    token: (kit) => attackerSigned(kit, { kid: kit.attacker.kid, jwk: kit.attacker.publicJwk }),
    reason: 'unknown-key',
  },
  {
    situation: "an embedded jwk carries the attacker's public key and there is no kid",
    token: (kit) => attackerSigned(kit, { kid: undefined, jwk: kit.attacker.publicJwk }),
    reason: 'bad-signature',
  },
  // extensions and nesting, signed by the issuer
  {
    situation: 'crit names an extension the validator does not know',
    token: (kit) => issuerSigned(kit, { crit: ['urn:attacker:skip-checks'], 'urn:attacker:skip-checks': true }),
    reason: 'malformed-token',
  },
  {
    situation: 'the payload is unencoded (b64 false, critical)',
    token: (kit) => issuerSigned(kit, { b64: false, crit: ['b64'] }),
    reason: 'malformed-token',
  },
  {
    situation: 'the token is a nested JWT (cty JWT) wrapping a valid inner token',
    token: (kit) => signWithRs256(entraHeader(kit, { cty: 'JWT' }), issuerSigned(kit), kit.issuer.privateKey),
    reason: 'malformed-token',
  },
  {
    situation: 'an unsigned (alg none) outer JWT wraps a valid inner token',
    token: (kit) => `${encodeSegment({ typ: 'JWT', alg: 'none', cty: 'JWT' })}.${encodeSegment(issuerSigned(kit))}.`,
    reason: 'disallowed-algorithm',
  },
  // explicit typing: Entra ID access tokens say typ JWT
  {
    situation: 'typ is JWE',
    token: (kit) => issuerSigned(kit, { typ: 'JWE' }),
    reason: 'wrong-token-type',
  },
  {
    situation: 'typ is secevent+jwt (a security event token replayed as an access token)',
    token: (kit) => issuerSigned(kit, { typ: 'secevent+jwt' }),
    reason: 'wrong-token-type',
  },
  {
    situation: 'the token is a 5-part JWE encrypted to the issuer public key',
    token: async (kit) => {
      const { kty, n, e } = kit.issuer.publicJwk;
      const encryptionKey = await importJWK({ kty, n, e }, 'RSA-OAEP-256');
      return new CompactEncrypt(Buffer.from(JSON.stringify(claims())))
        .setProtectedHeader({ typ: 'JWT', alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: kit.issuer.kid })
        .encrypt(encryptionKey);
    },
    reason: 'malformed-header',
  },
  // size
  {
    situation: 'the issuer-signed token carries a 1 MB header',
    token: (kit) => issuerSigned(kit, { xms_pad: 'A'.repeat(1024 * 1024) }),
    reason: 'malformed-header',
  },
  {
    situation: 'the Authorization header is one character past the 16 KiB cap',
    token: (kit) => tokenFillingHeader(kit, 'beyond'),
    reason: 'malformed-header',
  },
  // time, at the skew boundary
  {
    situation: 'the token expired one second beyond the allowed clock skew',
    token: (kit) => issuerSigned(kit, {}, { iat: NOW_IN_SECONDS - 3600, nbf: NOW_IN_SECONDS - 3600, exp: NOW_IN_SECONDS - SKEW_IN_SECONDS - 1 }),
    reason: 'expired',
  },
  {
    situation: 'the token becomes valid one second beyond the allowed clock skew',
    token: (kit) => {
      const nbf = NOW_IN_SECONDS + SKEW_IN_SECONDS + 1;
      return issuerSigned(kit, {}, { iat: nbf, nbf, exp: nbf + 3600 });
    },
    reason: 'not-yet-valid',
  },
  {
    situation: 'the token has no exp claim (it would never expire)',
    token: (kit) => issuerSigned(kit, {}, { exp: undefined }),
    reason: 'missing-claim',
  },
  // who the token is from and for
  {
    situation: 'the issuer is another tenant',
    token: (kit) => issuerSigned(kit, {}, { iss: localIssuer(OTHER_TENANT_ID) }),
    reason: 'wrong-issuer',
  },
  {
    situation: 'the audience is another API (Microsoft Graph)',
    token: (kit) => issuerSigned(kit, {}, { aud: 'https://graph.microsoft.com' }),
    reason: 'wrong-audience',
  },
  {
    situation: 'tid names another tenant',
    token: (kit) => issuerSigned(kit, {}, { tid: OTHER_TENANT_ID }),
    reason: 'wrong-tenant',
  },
  // encoding: one token, one spelling
  {
    situation: 'only the spare bits of the signature last character differ',
    token: (kit) => {
      const [header, payload, signature] = segmentsOf(issuerSigned(kit));
      return `${header}.${payload}.${withSpareBitFlipped(signature)}`;
    },
    reason: 'malformed-token',
  },
  {
    situation: 'only the spare bits of the header last character differ',
    token: (kit) => {
      const [header, payload, signature] = segmentsOf(issuerSigned(kit));
      return `${withSpareBitFlipped(header)}.${payload}.${signature}`;
    },
    reason: 'malformed-token',
  },
  {
    situation: 'only the spare bits of the payload last character differ',
    token: (kit) => {
      const [header, payload, signature] = segmentsOf(issuerSigned(kit));
      return `${header}.${withSpareBitFlipped(payload)}.${signature}`;
    },
    reason: 'malformed-token',
  },
  {
    situation: 'the signature is in standard base64 with padding',
    token: (kit) => {
      const [header, payload, signature] = segmentsOf(issuerSigned(kit));
      return `${header}.${payload}.${Buffer.from(signature, 'base64url').toString('base64')}`;
    },
    reason: 'malformed-header',
  },
  // the signature itself
  {
    situation: 'the signature is empty',
    token: (kit) => {
      const [header, payload] = segmentsOf(issuerSigned(kit));
      return `${header}.${payload}.`;
    },
    reason: 'bad-signature',
  },
  {
    situation: 'the payload was changed after signing (roles escalated)',
    token: (kit) => {
      const [header, , signature] = segmentsOf(issuerSigned(kit));
      return `${header}.${encodeSegment(claims({ roles: ['Argus.Admin'] }))}.${signature}`;
    },
    reason: 'bad-signature',
  },
  {
    situation: 'a valid token has an extra fourth segment',
    token: (kit) => `${issuerSigned(kit)}.${encodeSegment(claims({ roles: ['Argus.Admin'] }))}`,
    reason: 'malformed-header',
  },
];

const CONTROLS: ControlRow[] = [
  {
    situation: 'the token is an Entra-shaped access token signed by jose with the issuer key',
    token: (kit) => new SignJWT(claims()).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: kit.issuer.kid }).sign(kit.issuer.privateKey),
  },
  {
    situation: 'the token is signed by the raw signer the attacks use, with the issuer key',
    token: (kit) => issuerSigned(kit),
  },
  {
    situation: 'the token has no typ (RFC 7519 makes it optional)',
    token: (kit) => issuerSigned(kit, { typ: undefined }),
  },
  {
    situation: 'the token expired one second within the allowed clock skew',
    token: (kit) => issuerSigned(kit, {}, { iat: NOW_IN_SECONDS - 3600, nbf: NOW_IN_SECONDS - 3600, exp: NOW_IN_SECONDS - SKEW_IN_SECONDS + 1 }),
  },
  {
    situation: 'the token becomes valid one second within the allowed clock skew',
    token: (kit) => {
      const nbf = NOW_IN_SECONDS + SKEW_IN_SECONDS - 1;
      return issuerSigned(kit, {}, { iat: nbf, nbf, exp: nbf + 3600 });
    },
  },
  {
    situation: `the token lists ${ENTRA_GROUPS_LIMIT} group ids (the most Entra ID puts in a JWT)`,
    token: (kit) => issuerSigned(kit, {}, { groups: groupIds(ENTRA_GROUPS_LIMIT) }),
  },
  {
    situation: 'the Authorization header is as long as the 16 KiB cap allows',
    token: (kit) => tokenFillingHeader(kit, 'within'),
  },
];

async function callProtectedRoute(authorization: string) {
  const context = invocationContext('getCurrentPrincipal');
  const response = await getCurrentPrincipal(httpRequest('GET', '/api/me', { headers: { authorization } }), context);
  return { response, context };
}

describe(`JWT attack catalogue on GET /api/me: ${ATTACKS.length} attacks, ${CONTROLS.length} controls`, () => {
  let kit: AttackKit;
  let issuerKeySet: JwksServer;
  let restore: () => void;

  beforeAll(async () => {
    // Only Date is frozen: timers, sockets and performance.now() keep running for the JWKS servers and the timing check.
    jest.useFakeTimers({
      now: NOW_IN_SECONDS * 1000,
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
    const [issuer, attacker] = await Promise.all([createTestSigningKey('argus-issuer-key'), createTestSigningKey('attacker-key')]);
    issuerKeySet = await startJwksServer([issuer.publicJwk]);
    kit = { issuer, attacker, attackerKeySet: await startJwksServer([attacker.publicJwk]) };
    restore = applyAppSettings({ ARGUS_ENVIRONMENT: 'local', AUTH_JWKS_URI: issuerKeySet.url, AUTH_CLOCK_SKEW_IN_SECONDS: String(SKEW_IN_SECONDS) });
  });
  afterAll(async () => {
    restore();
    await Promise.all([issuerKeySet.close(), kit.attackerKeySet.close()]);
    jest.useRealTimers();
  });

  it('when the catalogue is read, then every row has its own situation', () => {
    const situations = [...ATTACKS, ...CONTROLS].map((row) => row.situation);
    expect(new Set(situations).size).toBe(situations.length);
  });

  it.each(CONTROLS)('when $situation, then it is accepted with 200', async ({ token }) => {
    const { response, context } = await callProtectedRoute(`Bearer ${await token(kit)}`);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ objectId: OID, tenantId: LOCAL_TENANT_ID });
    expect(context.logs).toEqual([]);
  });

  it.each(ATTACKS)('when $situation, then it is 401 and logged as $reason', async ({ token, reason }) => {
    const authorization = `Bearer ${await token(kit)}`;
    const started = performance.now();
    const { response, context } = await callProtectedRoute(authorization);
    const elapsedInMs = performance.now() - started;

    expect(response.status).toBe(401);
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer error="invalid_token"' });
    expect(response.jsonBody).toEqual({ error: { code: 'Unauthorized', message: 'A valid bearer token is required.' } });
    expect(context.logs).toEqual([{ level: 'warning', message: expect.stringContaining(`request refused: ${reason} `) as string }]);
    // No token makes Argus fetch a URL it carries (jku, x5u), and none, however large, holds the request up.
    expect(kit.attackerKeySet.requests()).toBe(0);
    expect(elapsedInMs).toBeLessThan(2000);
  });
});
