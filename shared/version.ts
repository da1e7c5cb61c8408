import { readFileSync } from 'node:fs';
import { findFileUpwards } from './findFileUpwards';

let cached: string | undefined;

/** The app's version, from the root package.json (deployed with the app). */
export function getAppVersion(): string {
  if (cached !== undefined) return cached;
  const path = findFileUpwards('package.json', __dirname);
  const parsed = path ? (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }) : {};
  cached = typeof parsed.version === 'string' ? parsed.version : 'unknown';
  return cached;
}
