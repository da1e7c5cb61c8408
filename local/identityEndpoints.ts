import type { AuthConfig } from '../shared/config';
import type { HttpEndpoint } from './httpHost';
import type { LocalSigningKey } from './localSigningKey';

/**
 * The local identity provider's public face: its JWKS (what the token validator fetches, as it fetches
 * Entra ID's in Azure) and a minimal OpenID discovery document.
 */
export function createIdentityEndpoints(key: LocalSigningKey, auth: AuthConfig): HttpEndpoint[] {
  const keySet = { keys: [key.publicJwk] };
  const discovery = {
    issuer: auth.issuer,
    jwks_uri: auth.jwksUri,
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: [],
    subject_types_supported: ['pairwise'],
  };
  return [
    {
      name: 'local.identity.keys',
      route: 'local/identity/keys',
      methods: ['GET'],
      handler: () => Promise.resolve({ status: 200, jsonBody: keySet, headers: { 'cache-control': 'max-age=300' } }),
    },
    {
      name: 'local.identity.openidConfiguration',
      route: 'local/identity/.well-known/openid-configuration',
      methods: ['GET'],
      handler: () => Promise.resolve({ status: 200, jsonBody: discovery }),
    },
  ];
}
