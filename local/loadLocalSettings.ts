import { readFileSync } from 'node:fs';

/**
 * Reads `local.settings.json` (git-ignored; see local.settings.example.json) the way Core Tools does:
 * its `Values` become app settings, and a variable already set in the environment wins.
 */
export function loadLocalSettings(
  path: string,
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...environment };
    throw error;
  }
  const parsed = JSON.parse(text) as { Values?: unknown };
  const values = parsed.Values;
  if (values === undefined) return { ...environment };
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new Error(`${path}: "Values" must be an object of settings.`);
  const merged: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string') throw new Error(`${path}: setting "${name}" must be a string.`);
    merged[name] = value;
  }
  return { ...merged, ...environment };
}
