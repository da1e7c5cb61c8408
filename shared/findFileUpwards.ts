import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest `fileName` in `fromDirectory` or above it. Lets code find the app root both from its
 * sources (ts-jest: shared/, local/) and compiled (dist/shared/, dist/local/).
 */
export function findFileUpwards(fileName: string, fromDirectory: string): string | undefined {
  for (let dir = fromDirectory; ; dir = dirname(dir)) {
    const candidate = join(dir, fileName);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
