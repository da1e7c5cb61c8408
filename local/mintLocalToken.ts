import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AuthConfig } from '../shared/config';
import type { LocalSigningKey } from './localSigningKey';

export interface LocalTokenRequest {
  /** Display name of the local user; its object id is derived from it, so it is stable across runs. */
  userName: string;
  appRoles?: string[];
  expiresInSeconds?: number;
  now?: Date;
}

export interface LocalToken {
  token: string;
  objectId: string;
  expiresAt: Date;
}

/** A delegated Entra-ID-shaped v2 access token for the local issuer, signed with the local key (RS256). */
export async function mintLocalToken(key: LocalSigningKey, auth: AuthConfig, request: LocalTokenRequest): Promise<LocalToken> {
  const now = request.now ?? new Date();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + (request.expiresInSeconds ?? 3600);
  const objectId = localObjectId(request.userName);
  const audience = auth.audiences[0];
  if (audience === undefined) throw new Error('AUTH_AUDIENCE lists no audience.');
  const token = await new SignJWT({
    oid: objectId,
    tid: auth.tenantId,
    name: request.userName,
    preferred_username: `${request.userName}@argus.local`,
    scp: 'user_impersonation',
    ver: '2.0',
    ...(request.appRoles && request.appRoles.length > 0 ? { roles: request.appRoles } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .setIssuer(auth.issuer)
    .setAudience(audience)
    .setSubject(objectId)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key.privateKey);
  return { token, objectId, expiresAt: new Date(expiresAt * 1000) };
}

/** A GUID-shaped id derived from the user name (name-based, like a UUID v5), stable across runs. */
export function localObjectId(userName: string): string {
  const hex = createHash('sha256').update(`argus-local-user:${userName}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
