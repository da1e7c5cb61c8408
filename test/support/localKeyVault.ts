import { constants, generateKeyPairSync, type KeyObject, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/**
 * A local HTTP endpoint that speaks enough of the Key Vault keys REST API for `@azure/keyvault-keys` (KeyClient and
 * CryptographyClient) to run against it unchanged: the shapes of azure-rest-api-specs' keyvault examples
 * (stable/7.5 GetKey-example.json, wrapKey-example.json, unwrapKey-example.json):
 * - `GET /keys/{name}[/{version}]` -> a KeyBundle `{ key: { kid, kty, key_ops, n, e }, attributes }` (no version: the newest);
 * - `POST /keys/{name}/{version}/wrapkey` and `/unwrapkey` with `{ alg, value }` -> `{ kid, value }` (base64url),
 *   RSA-OAEP-256 only, done with the version's RSA key pair;
 * - every request without the expected bearer token -> 401 with Key Vault's challenge
 *   (`WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}", resource="https://vault.azure.net"`),
 *   which the SDK answers by asking its credential for a token and sending the request again;
 * - errors as `{ error: { code, message } }` (404 KeyNotFound, 400 BadParameter).
 * Versions can be added and removed to play a rotation. Every request is recorded (method, path, api-version, whether
 * it carried the token).
 */

export const LOCAL_KEY_VAULT_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

export interface LocalKeyVaultRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  authorized: boolean;
}

export interface LocalKeyVault {
  /** `http://127.0.0.1:<port>`: the vault URL. */
  url: string;
  /** The versionless key id of `keyName`. */
  keyId: string;
  readonly requests: LocalKeyVaultRequest[];
  /** Adds a version (the newest from now on); its full key id. */
  rotate(): string;
  /** Removes a version: the vault answers 404 for it. */
  removeVersion(version: string): void;
  versions(): string[];
  close(): Promise<void>;
}

interface KeyVersion {
  version: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  n: string;
  e: string;
  created: number;
}

export async function startLocalKeyVault(options: { keyName?: string; token: string; modulusLength?: number }): Promise<LocalKeyVault> {
  const keyName = options.keyName ?? 'argus-secrets-kek';
  const versions: KeyVersion[] = [];
  const requests: LocalKeyVaultRequest[] = [];
  let url = '';

  const addVersion = (): KeyVersion => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const version = { version: randomBytes(16).toString('hex'), publicKey, privateKey, n: jwk.n ?? '', e: jwk.e ?? '', created: Math.floor(Date.now() / 1000) };
    versions.push(version);
    return version;
  };
  addVersion();

  const kidOf = (version: KeyVersion): string => `${url}/keys/${keyName}/${version.version}`;
  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };
  const error = (response: ServerResponse, status: number, code: string, message: string): void => send(response, status, { error: { code, message } });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = new URL(request.url ?? '/', url);
    const authorized = request.headers.authorization === `Bearer ${options.token}`;
    requests.push({ method: request.method ?? '', path: target.pathname, apiVersion: target.searchParams.get('api-version'), authorized });
    if (!authorized) {
      // Key Vault's challenge: the SDK sends its first request without a token (and without a body) to get it.
      send(response, 401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, {
        'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${LOCAL_KEY_VAULT_TENANT}", resource="https://vault.azure.net"`,
      });
      return;
    }
    const match = /^\/keys\/([^/]+)(?:\/([^/]*))?(?:\/(wrapkey|unwrapkey))?\/?$/.exec(target.pathname);
    if (match === null || match[1] !== keyName) return error(response, 404, 'KeyNotFound', `A key with (name/id) ${target.pathname} was not found in this key vault.`);
    const version = match[2] === undefined || match[2] === '' ? versions[versions.length - 1] : versions.find((v) => v.version === match[2]);
    if (version === undefined) return error(response, 404, 'KeyNotFound', `A key with (name/id) ${keyName}/${match[2] ?? ''} was not found in this key vault.`);
    const operation = match[3];
    if (request.method === 'GET' && operation === undefined) {
      return send(response, 200, {
        key: { kid: kidOf(version), kty: 'RSA', key_ops: ['wrapKey', 'unwrapKey'], n: version.n, e: version.e },
        attributes: { enabled: true, created: version.created, updated: version.created, recoveryLevel: 'Recoverable', recoverableDays: 90 },
      });
    }
    if (request.method !== 'POST' || operation === undefined) return error(response, 405, 'MethodNotAllowed', `${request.method ?? ''} ${target.pathname}`);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { alg?: string; value?: string };
    if (body.alg !== 'RSA-OAEP-256' || typeof body.value !== 'string') return error(response, 400, 'BadParameter', 'Only RSA-OAEP-256 with a value is supported here.');
    const input = Buffer.from(body.value, 'base64url');
    const padding = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
    try {
      const value = operation === 'wrapkey' ? publicEncrypt({ key: version.publicKey, ...padding }, input) : privateDecrypt({ key: version.privateKey, ...padding }, input);
      return send(response, 200, { kid: kidOf(version), value: value.toString('base64url') });
    } catch {
      return error(response, 400, 'BadParameter', 'The parameter is incorrect.');
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((failure: unknown) => error(response, 500, 'InternalError', String(failure)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    keyId: `${url}/keys/${keyName}`,
    requests,
    rotate: () => kidOf(addVersion()),
    removeVersion: (version) => {
      const at = versions.findIndex((v) => v.version === version);
      if (at >= 0) versions.splice(at, 1);
    },
    versions: () => versions.map((v) => v.version),
    close: () => new Promise<void>((resolve, reject) => server.close((failure) => (failure ? reject(failure) : resolve()))),
  };
}
