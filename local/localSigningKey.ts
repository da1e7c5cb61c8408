import { createHash } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { readFileIfExists } from './dataFiles';

/**
 * The local identity provider's RS256 signing key: generated once, kept in the git-ignored data folder,
 * shared by the runtime (which serves the public half as a JWKS) and `npm run token` (which signs).
 */
export interface LocalSigningKey {
  kid: string;
  privateKey: CryptoKey | Uint8Array;
  publicJwk: JWK;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

export function signingKeyPath(dataDir: string): string {
  return join(dataDir, 'identity', 'signing-key.json');
}

export async function loadOrCreateSigningKey(dataDir: string): Promise<LocalSigningKey> {
  const path = signingKeyPath(dataDir);
  const existing = await readJwk(path);
  if (existing) return fromPrivateJwk(existing);
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = createHash('sha256').update(jwk.n ?? '').digest('base64url').slice(0, 16);
  const stored: JWK = { ...jwk, kid, alg: 'RS256', use: 'sig' };
  await mkdir(join(dataDir, 'identity'), { recursive: true });
  // Written whole to a temporary file, then linked into place: link fails if the key exists, so when the
  // runtime and the token command race to create it, the first one wins and nobody reads half a file.
  const temporary = `${path}.${process.pid}.${kid}.tmp`;
  await writeFile(temporary, JSON.stringify(stored, null, 2), { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readJwk(path);
    if (!winner) throw error;
    return fromPrivateJwk(winner);
  } finally {
    await unlink(temporary);
  }
  return fromPrivateJwk(stored);
}

async function readJwk(path: string): Promise<JWK | undefined> {
  const text = await readFileIfExists(path);
  if (text === undefined) return undefined;
  const jwk = JSON.parse(text) as JWK;
  if (jwk.kty !== 'RSA' || !jwk.d || !jwk.kid) throw new Error(`${path} is not an RSA private key in JWK form; delete it to generate a new one.`);
  return jwk;
}

async function fromPrivateJwk(jwk: JWK): Promise<LocalSigningKey> {
  const publicJwk: JWK = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete publicJwk[member];
  return { kid: jwk.kid ?? '', privateKey: await importJWK(jwk, 'RS256'), publicJwk };
}
