import { SignJWT } from 'jose';
import { getCurrentPrincipal } from '../../functions/getCurrentPrincipal';
import { LOCAL_AUDIENCE, LOCAL_TENANT_ID, localIssuer } from '../../shared/config';
import { applyAppSettings } from '../support/appSettings';
import { httpRequest, invocationContext } from '../support/httpRequests';
import { createTestSigningKey, startJwksServer, type JwksServer, type TestSigningKey } from '../support/testKeys';

const OID = '0b6f1d7e-3c2a-4f5e-9a8b-1c2d3e4f5a6b';

describe('GET /api/me', () => {
  let key: TestSigningKey;
  let jwks: JwksServer;
  let restore: () => void;

  beforeAll(async () => {
    key = await createTestSigningKey('test-key');
    jwks = await startJwksServer([key.publicJwk]);
    restore = applyAppSettings({ ARGUS_ENVIRONMENT: 'local', AUTH_JWKS_URI: jwks.url });
  });
  afterAll(async () => {
    restore();
    await jwks.close();
  });

  const token = (expiresInSeconds = 600): Promise<string> =>
    new SignJWT({ oid: OID, tid: LOCAL_TENANT_ID, name: 'Sam Reader', scp: 'user_impersonation' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(localIssuer(LOCAL_TENANT_ID))
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(key.privateKey);

  it('when the bearer token is valid, then it answers 200 with the caller and nothing else', async () => {
    const response = await getCurrentPrincipal(
      httpRequest('GET', '/api/me', { headers: { authorization: `Bearer ${await token()}` } }),
      invocationContext('getCurrentPrincipal'),
    );
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ objectId: OID, tenantId: LOCAL_TENANT_ID, displayName: 'Sam Reader', kind: 'user', appRoles: [] });
  });

  it('when there is no token, then it is 401 with a Bearer challenge and the ARM error shape', async () => {
    const response = await getCurrentPrincipal(httpRequest('GET', '/api/me'), invocationContext('getCurrentPrincipal'));
    expect(response.status).toBe(401);
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer' });
    expect(response.jsonBody).toEqual({ error: { code: 'Unauthorized', message: 'A valid bearer token is required.' } });
  });

  it('when the token expired, then it is 401, the caller learns nothing more, and the reason is logged', async () => {
    const context = invocationContext('getCurrentPrincipal');
    const response = await getCurrentPrincipal(
      httpRequest('GET', '/api/me', { headers: { authorization: `Bearer ${await token(-3600)}` } }),
      context,
    );
    expect(response.status).toBe(401);
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer error="invalid_token"' });
    expect(JSON.stringify(response.jsonBody)).not.toContain('expired');
    expect(context.logs).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringContaining('expired') as string })]);
  });

  it('when the key set cannot be fetched, then it is 503 with Retry-After rather than blaming the token', async () => {
    const unreachable = await startJwksServer([]);
    await unreachable.close();
    const restoreUnreachable = applyAppSettings({ AUTH_JWKS_URI: unreachable.url });
    try {
      const response = await getCurrentPrincipal(
        httpRequest('GET', '/api/me', { headers: { authorization: `Bearer ${await token()}` } }),
        invocationContext('getCurrentPrincipal'),
      );
      expect(response.status).toBe(503);
      expect(response.headers).toMatchObject({ 'retry-after': '5' });
    } finally {
      restoreUnreachable();
    }
  });
});
