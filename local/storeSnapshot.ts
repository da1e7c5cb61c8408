import type { Database } from '@azure/cosmos';
import { containerDefinitions } from '../shared/store/containers';
import { readFileIfExists, writeFileAtomically } from './dataFiles';

/**
 * Local persistence for the in-memory Cosmos server: every container's documents are written to one
 * JSON file (atomically: temp file, then rename) and loaded back on start. Server-made properties
 * (`_rid`, `_etag`, `_ts`, ...) are not kept: restored documents get new ones, as after a real restore.
 */
interface SnapshotFile {
  version: 1;
  savedAt: string;
  containers: Record<string, Record<string, unknown>[]>;
}

export interface SnapshotSummary {
  containers: number;
  documents: number;
}

const SYSTEM_PROPERTIES = ['_rid', '_self', '_etag', '_attachments', '_ts', '_lsn'];

export async function saveSnapshot(database: Database, path: string, now: Date = new Date()): Promise<SnapshotSummary> {
  const snapshot: SnapshotFile = { version: 1, savedAt: now.toISOString(), containers: {} };
  let documents = 0;
  for (const { id } of containerDefinitions) {
    const { resources } = await database.container(id).items.readAll<Record<string, unknown>>().fetchAll();
    snapshot.containers[id] = resources.map(withoutSystemProperties);
    documents += resources.length;
  }
  await writeFileAtomically(path, JSON.stringify(snapshot));
  return { containers: containerDefinitions.length, documents };
}

/** Loads a snapshot into existing containers (upserts); a missing file is an empty store. */
export async function restoreSnapshot(database: Database, path: string): Promise<SnapshotSummary & { skipped: string[] }> {
  const text = await readFileIfExists(path);
  if (text === undefined) return { containers: 0, documents: 0, skipped: [] };
  const snapshot = JSON.parse(text) as Partial<SnapshotFile>;
  if (snapshot.version !== 1 || typeof snapshot.containers !== 'object' || snapshot.containers === null) {
    throw new Error(`${path} is not an Argus store snapshot (version 1); move it away to start with an empty store.`);
  }
  const known = new Set<string>(containerDefinitions.map((d) => d.id));
  const skipped: string[] = [];
  let containers = 0;
  let documents = 0;
  for (const [id, docs] of Object.entries(snapshot.containers)) {
    if (!known.has(id)) {
      skipped.push(id);
      continue;
    }
    const container = database.container(id);
    for (const doc of docs) await container.items.upsert(doc);
    containers += 1;
    documents += docs.length;
  }
  return { containers, documents, skipped };
}

function withoutSystemProperties(doc: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...doc };
  for (const name of SYSTEM_PROPERTIES) delete copy[name];
  return copy;
}
