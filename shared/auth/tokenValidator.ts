import { createRemoteJWKSet, errors, jwtVerify, type JWSHeaderParameters, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config';
import type { Principal } from './principal';

/** Why a token was refused. Logged with the request id, never shown to the caller (who only sees 401). */
export const AuthenticationFailureReason = {
  missingToken: 'missing-token',
  malformedHeader: 'malformed-header',
  expired: 'expired',
  notYetValid: 'not-yet-valid',
  badSignature: 'bad-signature',
  unknownKey: 'unknown-key',
  disallowedAlgorithm: 'disallowed-algorithm',
  wrongIssuer: 'wrong-issuer',
  wrongAudience: 'wrong-audience',
  wrongTenant: 'wrong-tenant',
  /** The token declares itself something other than a JWT access token (`typ` such as `secevent+jwt` or `JWE`). */
  wrongTokenType: 'wrong-token-type',
  missingClaim: 'missing-claim',
  malformedToken: 'malformed-token',
  keySetUnavailable: 'key-set-unavailable',
} as const;
export type AuthenticationFailureReason = (typeof AuthenticationFailureReason)[keyof typeof AuthenticationFailureReason];

export type AuthenticationResult =
  | { kind: 'authenticated'; principal: Principal }
  | { kind: 'unauthenticated'; reason: AuthenticationFailureReason };

export interface TokenValidator {
  authenticate(authorizationHeader: string | null | undefined): Promise<AuthenticationResult>;
}

export interface TokenValidatorOptions {
  issuer: string;
  audiences: string[];
  tenantId: string;
  clockSkewInSeconds: number;
  /** Where signing keys come from; by default the JWKS at `jwksUri`, cached and refreshed on an unknown `kid`. */
  keys: JWTVerifyGetKey;
}

/** Entra ID issues RS256 access tokens; anything else (none, HS256 "signed" with the public key, ...) is refused. */
const ALLOWED_ALGORITHMS = ['RS256'];
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;
/**
 * Entra ID access tokens stay well below this (a user in more than 200 groups gets an overage claim instead of
 * the list); anything longer is refused before it is parsed, so a megabyte header costs nothing.
 */
export const MAX_AUTHORIZATION_HEADER_LENGTH = 16 * 1024;

export function createTokenValidator(options: TokenValidatorOptions): TokenValidator {
  return {
    async authenticate(header) {
      if (header === null || header === undefined || header.trim() === '') return fail('missing-token');
      if (header.length > MAX_AUTHORIZATION_HEADER_LENGTH) return fail('malformed-header');
      const match = BEARER.exec(header.trim());
      if (!match?.[1]) return fail('malformed-header');
      if (!match[1].split('.').every(isCanonicalBase64url)) return fail('malformed-token');
      let payload: JWTPayload;
      let protectedHeader: JWSHeaderParameters;
      try {
        ({ payload, protectedHeader } = await jwtVerify(match[1], options.keys, {
          algorithms: ALLOWED_ALGORITHMS,
          issuer: options.issuer,
          audience: options.audiences,
          clockTolerance: options.clockSkewInSeconds,
          requiredClaims: ['exp', 'iat', 'oid', 'tid'],
        }));
      } catch (error) {
        return fail(classify(error));
      }
      if (!isAccessTokenType(protectedHeader.typ)) return fail('wrong-token-type');
      if (payload['tid'] !== options.tenantId) return fail('wrong-tenant');
      const principal = toPrincipal(payload);
      return principal ? { kind: 'authenticated', principal } : fail('missing-claim');
    },
  };
}

/** The production key source: the issuer's JWKS over HTTPS (jose caches it and refetches on key rotation). */
export function createTokenValidatorFromConfig(config: AuthConfig): TokenValidator {
  return createTokenValidator({
    issuer: config.issuer,
    audiences: config.audiences,
    tenantId: config.tenantId,
    clockSkewInSeconds: config.clockSkewInSeconds,
    keys: createRemoteJWKSet(new URL(config.jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 3_600_000 }),
  });
}

function fail(reason: AuthenticationFailureReason): AuthenticationResult {
  return { kind: 'unauthenticated', reason };
}

/**
 * Base64url has spare bits in a segment's last character, and decoders (jose's included) ignore them: without
 * this check one token has several spellings, which defeats any cache or deny-list keyed on the token text.
 */
function isCanonicalBase64url(segment: string): boolean {
  return Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

/**
 * Entra ID access tokens carry `typ: JWT`; `typ` is optional in RFC 7519, so its absence is accepted. Any other
 * declared type (`secevent+jwt`, `logout+jwt`, `at+jwt`, `JWE`, ...) is another kind of token replayed here.
 */
function isAccessTokenType(typ: unknown): boolean {
  return typ === undefined || (typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === 'jwt');
}

function toPrincipal(payload: JWTPayload): Principal | undefined {
  const objectId = stringClaim(payload, 'oid');
  const tenantId = stringClaim(payload, 'tid');
  if (!objectId || !tenantId) return undefined;
  const roles = payload['roles'];
  const isApplication = payload['idtyp'] === 'app' || (payload['scp'] === undefined && payload['idtyp'] !== 'user');
  return {
    objectId,
    tenantId,
    displayName: stringClaim(payload, 'name') ?? stringClaim(payload, 'preferred_username') ?? objectId,
    kind: isApplication ? 'application' : 'user',
    appRoles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
  };
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function classify(error: unknown): AuthenticationFailureReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'wrong-issuer';
    if (error.claim === 'aud') return 'wrong-audience';
    if (error.claim === 'nbf' || error.claim === 'iat') return 'not-yet-valid';
    return 'missing-claim';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'disallowed-algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'unknown-key';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'key-set-unavailable';
  if (error instanceof errors.JOSEError) return 'malformed-token';
  // A JWKS fetch that failed at the network level surfaces as a plain error.
  return 'key-set-unavailable';
}
