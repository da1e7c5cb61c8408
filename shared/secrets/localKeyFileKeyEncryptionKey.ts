import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KeyEncryptionKeyError, KeyEncryptionKeyErrorCode, type KeyEncryptionKey, type WrappedKey } from './keyEncryptionKey';

/**
 * The key-encryption key of local mode (`npm start`, tests): AES-256 keys in a file of the data folder
 * (`<ARGUS_LOCAL_DATA_DIR>/keys/secrets-kek.json`, owner-only), one per version, newest last, wrapping with AES key wrap
 * (RFC 3394, `A256KW`). It plays Key Vault's part behind the same interface, versions included, so rotation is the same
 * code and can be tried locally: `argus rotate-secrets-key --new-key-version` adds a version, then re-wraps. Created on
 * first use. The file is read again when a document names a version this instance does not know, and before every
 * wrap, so a rotation by another process (the CLI beside `npm start`) is seen at once.
 */

export const LOCAL_KEK_ALGORITHM = 'A256KW';
const KEY_NAME = 'secrets-kek';
const KID_PREFIX = `argus-local:keys/${KEY_NAME}/`;
/** RFC 3394's default initial value. */
const AES_KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

interface KeyFileVersion {
  version: string;
  /** base64url of the 32 key bytes. */
  k: string;
  createdAtUtc: string;
}

interface KeyFile {
  name: typeof KEY_NAME;
  alg: typeof LOCAL_KEK_ALGORITHM;
  /** Oldest first; the last one wraps. */
  versions: KeyFileVersion[];
}

export function localKeyFilePath(dataDir: string): string {
  return join(dataDir, 'keys', `${KEY_NAME}.json`);
}

export class LocalKeyFileKeyEncryptionKey implements KeyEncryptionKey {
  private loaded: KeyFile | undefined;

  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async wrapKey(dek: Uint8Array): Promise<WrappedKey> {
    const file = await this.reload();
    const newest = file.versions[file.versions.length - 1]!;
    const cipher = createCipheriv('id-aes256-wrap', Buffer.from(newest.k, 'base64url'), AES_KW_IV);
    return { keyId: `${KID_PREFIX}${newest.version}`, algorithm: LOCAL_KEK_ALGORITHM, wrapped: Buffer.concat([cipher.update(dek), cipher.final()]) };
  }

  async unwrapKey(wrapped: Uint8Array, keyId: string, algorithm: string): Promise<Uint8Array> {
    if (!keyId.startsWith(KID_PREFIX) || algorithm !== LOCAL_KEK_ALGORITHM) {
      throw new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.keyNotAllowed, `${keyId} (${algorithm}) is not a version of the local key file ${this.path}`);
    }
    const version = keyId.slice(KID_PREFIX.length);
    let found = (this.loaded ?? (await this.reload())).versions.find((v) => v.version === version);
    found ??= (await this.reload()).versions.find((v) => v.version === version);
    if (found === undefined) {
      throw new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.keyVersionUnknown, `the local key file ${this.path} has no version ${version}`);
    }
    try {
      const decipher = createDecipheriv('id-aes256-wrap', Buffer.from(found.k, 'base64url'), AES_KW_IV);
      return Buffer.concat([decipher.update(wrapped), decipher.final()]);
    } catch (error) {
      throw new KeyEncryptionKeyError(KeyEncryptionKeyErrorCode.unwrapFailed, `version ${version} of the local key file does not unwrap this key`, { cause: error });
    }
  }

  async currentKeyId(): Promise<string> {
    const file = await this.reload();
    return `${KID_PREFIX}${file.versions[file.versions.length - 1]!.version}`;
  }

  /** Every version's id, oldest first. */
  async listKeyIds(): Promise<string[]> {
    return (await this.reload()).versions.map((v) => `${KID_PREFIX}${v.version}`);
  }

  /** Adds a new version, which wraps from now on (what `az keyvault key rotate` does to the vault's key); its id. */
  async addVersion(): Promise<string> {
    const file = await this.reload();
    const added = newVersion(this.now());
    await writePrivately(this.path, { ...file, versions: [...file.versions, added] });
    this.loaded = undefined;
    return `${KID_PREFIX}${added.version}`;
  }

  /** Removes a version that is not the newest (after a rotation re-wrapped everything); false when there was none. */
  async removeVersion(keyId: string): Promise<boolean> {
    const file = await this.reload();
    const version = keyId.slice(KID_PREFIX.length);
    const kept = file.versions.filter((v) => v.version !== version);
    if (kept.length === file.versions.length) return false;
    if (file.versions[file.versions.length - 1]!.version === version) throw new Error(`${keyId} is the newest version of ${this.path}: add a version first.`);
    await writePrivately(this.path, { ...file, versions: kept });
    this.loaded = undefined;
    return true;
  }

  private async reload(): Promise<KeyFile> {
    this.loaded = (await readKeyFile(this.path)) ?? (await createKeyFile(this.path, this.now()));
    return this.loaded;
  }
}

function newVersion(now: Date): KeyFileVersion {
  return { version: randomBytes(16).toString('hex'), k: randomBytes(32).toString('base64url'), createdAtUtc: now.toISOString() };
}

async function readKeyFile(path: string): Promise<KeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const file = JSON.parse(text) as Partial<KeyFile>;
  const valid =
    file.alg === LOCAL_KEK_ALGORITHM &&
    Array.isArray(file.versions) &&
    file.versions.length > 0 &&
    file.versions.every((v) => typeof v.version === 'string' && typeof v.k === 'string' && Buffer.from(v.k, 'base64url').length === 32);
  if (!valid) throw new Error(`${path} is not a local secrets key file (alg A256KW, versions of 32-byte keys). Without it the stored secrets cannot be read.`);
  return file as KeyFile;
}

/** Written whole, then linked into place: when two processes create it at once, the first one wins for both. */
async function createKeyFile(path: string, now: Date): Promise<KeyFile> {
  const file: KeyFile = { name: KEY_NAME, alg: LOCAL_KEK_ALGORITHM, versions: [newVersion(now)] };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${file.versions[0]!.version}.tmp`;
  await writeFile(temporary, JSON.stringify(file, null, 2), { mode: 0o600 });
  try {
    await link(temporary, path);
    return file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readKeyFile(path);
    if (winner === undefined) throw error;
    return winner;
  } finally {
    await unlink(temporary);
  }
}

async function writePrivately(path: string, file: KeyFile): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(file, null, 2), { mode: 0o600 });
  await rename(temporary, path);
}
