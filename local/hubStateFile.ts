import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readFileIfExists } from './dataFiles';
import type { HubState, StoredEvent } from './localEventHubs';

/**
 * The local Event Hubs on disk, so that a crash of the runtime (kill -9, power cut of the process) loses no event a
 * producer was told was accepted and no checkpoint a consumer took:
 *
 * - each hub's partition is an append-only log, `<eventhubs>/<hub>/0/<first sequence number>.log`, one JSON line per
 *   event (`{"s":sequenceNumber,"o":offset,"t":enqueuedTimeUtc,"b":body}`), written with one `write` before the producer's
 *   202; a new segment starts past SEGMENT_MAX_BYTES and segments every consumer has passed are deleted (never the last,
 *   which carries the numbering on);
 * - each hub's checkpoints (next sequence number per `<function>/<consumerGroup>`), with the hub's next sequence number
 *   and offset, are one small file, `<eventhubs>/<hub>/checkpoints.json`, replaced atomically (temporary file, then
 *   rename) after every batch.
 *
 * Not fsynced: what was written survives the death of the process (the kernel holds it), not a crash of the machine.
 * A line cut short by a kill in the middle of a write was never acknowledged: it is dropped when the log is opened.
 */
export const SEGMENT_MAX_BYTES = 16 * 1024 * 1024;

const PARTITION = '0';
const SEGMENT_NAME = /^(\d{20})\.log$/;

interface Segment {
  path: string;
  firstSequenceNumber: number;
  bytes: number;
}

export interface OpenedHubLog {
  log: HubLog;
  /** The retained events, oldest first (those of segments not yet deleted). */
  events: StoredEvent[];
  /** The sequence number the next event gets. */
  nextSequenceNumber: number;
  nextOffset: number;
  checkpoints: Record<string, number>;
}

/** One hub partition's log and checkpoints. */
export class HubLog {
  private constructor(
    private readonly directory: string,
    private readonly segments: Segment[],
  ) {}

  /** The directory of a hub's files under the hubs' folder (hub names are settings: encoded to stay one path segment). */
  static directoryOf(root: string, hubName: string): string {
    return join(root, encodeURIComponent(hubName.toLowerCase()));
  }

  /** Opens (creating when absent) a hub's log and reads what it retains. */
  static open(directory: string): OpenedHubLog {
    const partition = join(directory, PARTITION);
    mkdirSync(partition, { recursive: true, mode: 0o700 });
    const segments: Segment[] = [];
    const events: StoredEvent[] = [];
    const names = readdirSync(partition)
      .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
      .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const { name, match } of names) {
      const path = join(partition, name);
      const text = readFileSync(path, 'utf8');
      const complete = text.lastIndexOf('\n') + 1;
      if (complete < text.length) truncate(path, Buffer.byteLength(text.slice(0, complete), 'utf8'));
      if (complete === 0) {
        // Created, then killed before its first write: it holds nothing.
        rmSync(path, { force: true });
        continue;
      }
      for (const line of text.slice(0, complete).split('\n')) {
        if (line.length > 0) events.push(parseLine(line, path));
      }
      segments.push({ path, firstSequenceNumber: Number(match[1]), bytes: Buffer.byteLength(text.slice(0, complete), 'utf8') });
    }
    const last = events[events.length - 1];
    const saved = readCheckpoints(join(directory, 'checkpoints.json'));
    // Numbering never goes back, even when the log holds no event (state adopted from an earlier version).
    return {
      log: new HubLog(directory, segments),
      events,
      nextSequenceNumber: Math.max(last === undefined ? 0 : last.sequenceNumber + 1, saved.next.sequenceNumber),
      nextOffset: Math.max(last === undefined ? 0 : Number(last.offset) + Buffer.byteLength(last.body, 'utf8'), saved.next.offset),
      checkpoints: saved.checkpoints,
    };
  }

  /** Appends events with one write; returns once the kernel holds them. */
  append(events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    const text = events.map((event) => `${JSON.stringify({ s: event.sequenceNumber, o: event.offset, t: event.enqueuedTimeUtc, b: event.body })}\n`).join('');
    const bytes = Buffer.byteLength(text, 'utf8');
    let current = this.segments[this.segments.length - 1];
    if (current === undefined || current.bytes >= SEGMENT_MAX_BYTES) {
      const first = (events[0] as StoredEvent).sequenceNumber;
      current = { path: join(this.directory, PARTITION, `${String(first).padStart(20, '0')}.log`), firstSequenceNumber: first, bytes: 0 };
      writeAll(current.path, text);
      this.segments.push(current);
    } else {
      writeAll(current.path, text);
    }
    current.bytes += bytes;
  }

  /** Deletes the segments whose events all come before `sequenceNumber` (the lowest checkpoint); never the last one. */
  deleteBefore(sequenceNumber: number): void {
    while (this.segments.length > 1 && (this.segments[1] as Segment).firstSequenceNumber <= sequenceNumber) {
      rmSync((this.segments.shift() as Segment).path, { force: true });
    }
  }

  /** Replaces the checkpoints file (temporary file, then rename: never seen half-written). */
  writeCheckpoints(checkpoints: Readonly<Record<string, number>>, next: HubPosition): void {
    const path = join(this.directory, 'checkpoints.json');
    const temporary = `${path}.${process.pid}.tmp`;
    writeAll(temporary, JSON.stringify({ version: 1, checkpoints, next }), 'w');
    renameSync(temporary, path);
  }
}

/**
 * Hubs with a log on disk that no function binds any more and events no consumer has passed: those events cannot be
 * delivered (reported at start).
 */
export function listOrphanedHubLogs(root: string, boundHubNames: readonly string[]): string[] {
  if (!existsSync(root)) return [];
  const bound = new Set(boundHubNames.map((name) => encodeURIComponent(name.toLowerCase())));
  const orphaned: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || bound.has(entry.name) || !existsSync(join(root, entry.name, PARTITION))) continue;
    const { events, checkpoints } = HubLog.open(join(root, entry.name));
    const lowest = Math.min(...Object.values(checkpoints), Number.POSITIVE_INFINITY);
    if (events.some((event) => event.sequenceNumber >= (Number.isFinite(lowest) ? lowest : 0))) orphaned.push(decodeURIComponent(entry.name));
  }
  return orphaned;
}

/** Where a hub's numbering continues: the next event's sequence number and offset. */
export interface HubPosition {
  sequenceNumber: number;
  offset: number;
}

function readCheckpoints(path: string): { checkpoints: Record<string, number>; next: HubPosition } {
  if (!existsSync(path) || statSync(path).size === 0) return { checkpoints: {}, next: { sequenceNumber: 0, offset: 0 } };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; checkpoints?: unknown; next?: Partial<HubPosition> };
  if (parsed.version !== 1 || typeof parsed.checkpoints !== 'object' || parsed.checkpoints === null) {
    throw new Error(`${path} is not a local Event Hubs checkpoint file (version 1); move the hub's folder away to start it empty.`);
  }
  return { checkpoints: parsed.checkpoints as Record<string, number>, next: { sequenceNumber: parsed.next?.sequenceNumber ?? 0, offset: parsed.next?.offset ?? 0 } };
}

function parseLine(line: string, path: string): StoredEvent {
  const parsed = JSON.parse(line) as { s?: unknown; o?: unknown; t?: unknown; b?: unknown };
  if (typeof parsed.s !== 'number' || typeof parsed.o !== 'string' || typeof parsed.t !== 'string' || typeof parsed.b !== 'string') {
    throw new Error(`${path} holds a line that is not a local Event Hubs event; move the hub's folder away to start it empty.`);
  }
  return { sequenceNumber: parsed.s, offset: parsed.o, enqueuedTimeUtc: parsed.t, body: parsed.b };
}

function writeAll(path: string, text: string, flags: 'a' | 'w' = 'a'): void {
  const fd = openSync(path, flags, 0o600);
  try {
    const buffer = Buffer.from(text, 'utf8');
    for (let written = 0; written < buffer.length; ) written += writeSync(fd, buffer, written);
  } finally {
    closeSync(fd);
  }
}

function truncate(path: string, bytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/** The state file of earlier versions (`eventhubs/state.json`, written on a clean stop): read once to migrate it. */
export async function loadHubState(path: string): Promise<HubState[]> {
  const text = await readFileIfExists(path);
  if (text === undefined) return [];
  const parsed = JSON.parse(text) as { version?: unknown; hubs?: unknown };
  if (parsed.version !== 1 || !Array.isArray(parsed.hubs)) {
    throw new Error(`${path} is not saved Event Hubs state (version 1); move it away to start with empty hubs.`);
  }
  return parsed.hubs as HubState[];
}

/** Removes the migrated state file of earlier versions (its events are in the logs now). */
export function removeHubState(path: string): void {
  rmSync(path, { force: true });
}
