import { readFileIfExists, writeFileAtomically } from './dataFiles';
import type { HubState } from './localEventHubs';

/** The local Event Hubs' undelivered events and checkpoints, saved on a clean stop (atomically). */
export async function saveHubState(path: string, hubs: HubState[]): Promise<void> {
  await writeFileAtomically(path, JSON.stringify({ version: 1, hubs }));
}

export async function loadHubState(path: string): Promise<HubState[]> {
  const text = await readFileIfExists(path);
  if (text === undefined) return [];
  const parsed = JSON.parse(text) as { version?: unknown; hubs?: unknown };
  if (parsed.version !== 1 || !Array.isArray(parsed.hubs)) {
    throw new Error(`${path} is not saved Event Hubs state (version 1); move it away to start with empty hubs.`);
  }
  return parsed.hubs as HubState[];
}
