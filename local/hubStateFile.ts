import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HubState } from './localEventHubs';

/** The local Event Hubs' undelivered events and checkpoints, saved on a clean stop (atomically). */
export async function saveHubState(path: string, hubs: HubState[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ version: 1, hubs }), { mode: 0o600 });
  await rename(temporary, path);
}

export async function loadHubState(path: string): Promise<HubState[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = JSON.parse(text) as { version?: unknown; hubs?: unknown };
  if (parsed.version !== 1 || !Array.isArray(parsed.hubs)) {
    throw new Error(`${path} is not saved Event Hubs state (version 1); move it away to start with empty hubs.`);
  }
  return parsed.hubs as HubState[];
}
