import { asObject, asString, type JsonObject } from '../../kubernetes/jsonValues';

/**
 * Credential shapes in configuration data (ConfigMap `data`/`binaryData`): key names that name a credential and
 * values that carry one (PEM private keys, AWS access key ids, JWTs, `password=...` lines of an embedded config file,
 * `user:password@` in URLs). Callers report which KEYS hold credentials, never the values.
 * Linear in the size of the text (no backtracking-prone patterns): ConfigMaps reach 1 MiB and are attacker-written.
 */

export const CredentialShape = {
  keyName: 'credential key name',
  privateKey: 'PEM private key',
  awsAccessKey: 'AWS access key id',
  jwt: 'JWT',
  assignment: 'credential assignment inside the value',
  urlCredentials: 'password in a URL',
} as const;
export type CredentialShape = (typeof CredentialShape)[keyof typeof CredentialShape];

/**
 * Endings of credential names, lower-case with separators removed (`DB_PASSWORD` -> `dbpassword`).
 * Endings rather than substrings: `secretName`, `tokenUrl` and `passwordPolicy` name a reference or a setting.
 */
const CREDENTIAL_NAME_ENDINGS: readonly string[] = [
  'password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'secretkey', 'privatekey',
  'accesskey', 'accesskeyid', 'secretaccesskey', 'accountkey', 'sharedaccesskey', 'signingkey', 'encryptionkey',
];

/** Names that hold a credential wherever the word appears (`ConnectionStrings__Default`). */
const CREDENTIAL_NAME_PARTS: readonly string[] = ['connectionstring'];

/** File extensions stripped from a key before the name test (`db-password.txt`). */
const FILE_EXTENSION = /\.(txt|json|ya?ml|conf|cfg|ini|env|properties|toml)$/i;

/** Values that are not a credential: booleans and references to one held elsewhere (`${DB_PASSWORD}`). */
const NON_CREDENTIAL_VALUE = /^(true|false|yes|no|on|off|null|none|~|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\})$/i;

/** Largest text examined per value (a ConfigMap holds at most 1 MiB). */
const MAX_TEXT = 1024 * 1024;
/** Longest token or segment examined (JWTs and config lines are far shorter). */
const MAX_TOKEN = 16 * 1024;

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;
const AWS_ACCESS_KEY_ID = /^(?:AKIA|ASIA)[A-Z0-9]{16}$/;
const JWT = /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16,}$/;
/** Identifier-like left-hand side of an assignment (`spring.datasource.password`, `"api_key"`, `export TOKEN`). */
const ASSIGNED_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** The name (a key, a variable, a property) names a credential. */
export function isCredentialName(name: string): boolean {
  const normalized = name.replace(FILE_EXTENSION, '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (normalized.length === 0) return false;
  return (
    CREDENTIAL_NAME_ENDINGS.some((ending) => normalized.endsWith(ending)) ||
    CREDENTIAL_NAME_PARTS.some((part) => normalized.includes(part))
  );
}

/** The value could be a credential: not empty, not a boolean, not a reference to a variable or template. */
export function isCredentialValue(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.length > 0 && !NON_CREDENTIAL_VALUE.test(trimmed);
}

/** Credential shapes found inside a free-text value (a config file, a connection string, a token). */
export function credentialShapesIn(text: string): CredentialShape[] {
  const sample = text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
  const shapes = new Set<CredentialShape>();
  if (sample.includes('PRIVATE KEY') && PEM_PRIVATE_KEY.test(sample)) shapes.add(CredentialShape.privateKey);
  for (const token of sample.split(/[\s"'`=:,;()<>{}[\]\\|&?]+/)) {
    if (token.length < 20 || token.length > MAX_TOKEN) continue;
    if (AWS_ACCESS_KEY_ID.test(token)) shapes.add(CredentialShape.awsAccessKey);
    else if (JWT.test(token)) shapes.add(CredentialShape.jwt);
  }
  if (hasCredentialAssignment(sample)) shapes.add(CredentialShape.assignment);
  if (sample.includes('://') && sample.includes('@') && hasUrlCredentials(sample)) shapes.add(CredentialShape.urlCredentials);
  return [...shapes];
}

/** `password=x`, `password: x`, `"password": "x"`, `Password=x;` (connection strings), `export API_KEY=x` lines. */
function hasCredentialAssignment(text: string): boolean {
  for (const segment of text.split(/[\n\r;,?&]+/)) {
    if (segment.length > MAX_TOKEN) continue;
    const equals = segment.indexOf('=');
    const colon = segment.indexOf(':');
    const at = equals === -1 ? colon : colon === -1 ? equals : Math.min(equals, colon);
    if (at <= 0) continue;
    const name = segment
      .slice(0, at)
      .trim()
      .replace(/^[{[\s]+/, '')
      .replace(/^(?:export\s+|-\s+)/, '')
      .replace(/^["']|["']$/g, '');
    if (!ASSIGNED_NAME.test(name) || !isCredentialName(name)) continue;
    const value = unquote(segment.slice(at + 1));
    // A YAML block scalar (`password: |`) or a nested mapping (`secrets:`) carries no value on this line.
    if (value === '|' || value === '>' || value.startsWith('#')) continue;
    // Both readings must hold a value: `${DB_PASSWORD}` as written, `""` once a JSON line's closing `}` is dropped.
    if (isCredentialValue(value) && isCredentialValue(unquote(trimClosingBrackets(segment.slice(at + 1))))) return true;
  }
  return false;
}

function unquote(text: string): string {
  return text.trim().replace(/^["']|["']$/g, '');
}

/** Drops trailing whitespace and closing brackets (`"x"}` at the end of a JSON line) without a backtracking regex. */
function trimClosingBrackets(text: string): string {
  let end = text.length;
  while (end > 0 && /[\s}\]]/.test(text.charAt(end - 1))) end--;
  return text.slice(0, end);
}

/** `scheme://user:password@host`: the password part is a credential unless it is a reference. */
function hasUrlCredentials(text: string): boolean {
  for (const token of text.split(/[\s"'`<>]+/)) {
    if (token.length > MAX_TOKEN) continue;
    const scheme = token.indexOf('://');
    if (scheme === -1) continue;
    const authorityEnd = token.indexOf('/', scheme + 3);
    const authority = token.slice(scheme + 3, authorityEnd === -1 ? undefined : authorityEnd);
    const at = authority.lastIndexOf('@');
    if (at === -1) continue;
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    if (colon !== -1 && isCredentialValue(userInfo.slice(colon + 1))) return true;
  }
  return false;
}

export interface CredentialKey {
  /** The key as written, prefixed `binaryData.` for binary keys. */
  key: string;
  shapes: CredentialShape[];
}

/**
 * The keys of a ConfigMap-like object (`data`, `binaryData`) that hold a credential, with why. Keys whose value is
 * removed (null in a merge patch) or empty hold nothing. `binaryData` values are base64 blobs: only their names count.
 */
export function credentialKeysOf(object: JsonObject | undefined): CredentialKey[] {
  const found: CredentialKey[] = [];
  const data = asObject(object?.data);
  for (const [key, raw] of Object.entries(data ?? {})) {
    const value = asString(raw);
    if (value === undefined || !isCredentialValue(value)) continue;
    const shapes: CredentialShape[] = isCredentialName(key) ? [CredentialShape.keyName] : [];
    for (const shape of credentialShapesIn(value)) if (!shapes.includes(shape)) shapes.push(shape);
    if (shapes.length > 0) found.push({ key, shapes });
  }
  const binaryData = asObject(object?.binaryData);
  for (const [key, raw] of Object.entries(binaryData ?? {})) {
    const value = asString(raw);
    if (value !== undefined && value.length > 0 && isCredentialName(key)) found.push({ key: `binaryData.${key}`, shapes: [CredentialShape.keyName] });
  }
  return found;
}
