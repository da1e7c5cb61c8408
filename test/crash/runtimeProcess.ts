import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HubLog } from '../../local/hubStateFile';

/**
 * The local runtime behind `npm start` (`node dist/local/start.js`) as a child process that a test can SIGKILL: the
 * Functions host's part dies with it (its hubs' logs and checkpoints stay in the data folder), while the store it is
 * pointed at (COSMOS__accountEndpoint) lives in the test's process, as Cosmos DB outlives a Functions instance.
 */

const repositoryRoot = join(__dirname, '..', '..');
const compiledStart = join(repositoryRoot, 'dist', 'local', 'start.js');

/** Builds dist/ (tsconfig.build.json) when any source of the app is newer than its compiled file; CI has just built it. */
export function ensureCompiledRuntime(): void {
  if (!isStale()) return;
  const built = spawnSync(process.execPath, [join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: repositoryRoot,
    encoding: 'utf8',
  });
  // Type errors are `npm run typecheck`'s to report: tsc still writes the files, and those are what the test needs.
  if (built.status !== 0 && isStale()) throw new Error(`npm run build failed:\n${built.stdout}${built.stderr}`);
}

function isStale(): boolean {
  return ['functions', 'shared', 'local'].some((folder) => sourcesOf(join(repositoryRoot, folder)).some(isNewerThanCompiled));
}

function sourcesOf(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourcesOf(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function isNewerThanCompiled(source: string): boolean {
  const compiled = join(repositoryRoot, 'dist', relative(repositoryRoot, source)).replace(/\.ts$/, '.js');
  return !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs;
}

export interface RuntimeProcessOptions {
  dataDir: string;
  /** App settings of the child (its whole environment besides PATH and HOME). */
  settings: Record<string, string>;
}

export interface RuntimeProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit signal or code. */
  exited: Promise<string>;
  /** The last lines the runtime wrote (for a failure's message). */
  tail(): string;
}

/** Starts `node dist/local/start.js` and resolves once it serves. */
export async function startRuntimeProcess(options: RuntimeProcessOptions): Promise<RuntimeProcess> {
  mkdirSync(options.dataDir, { recursive: true });
  const child = spawn(process.execPath, [compiledStart], {
    cwd: options.dataDir,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? options.dataDir, ...options.settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n'));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      const match = /running locally at (http:\/\/\S+)\/api/.exec(chunk.toString('utf8'));
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.stderr.on('data', keep);
    child.once('error', reject);
    void exited.then((how) => reject(new Error(`the runtime exited (${how}) before it served:\n${lines.join('\n')}`)));
  });
  return { url, child, exited, tail: () => lines.slice(-40).join('\n') };
}

/** Next sequence number and checkpoints of every hub in the data folder, read from the files the runtime keeps. */
export function readHubProgress(dataDir: string): { hub: string; next: number; checkpoints: number[] }[] {
  const root = join(dataDir, 'eventhubs');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const directory = HubLog.directoryOf(root, decodeURIComponent(entry.name));
      const path = join(directory, 'checkpoints.json');
      const saved = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { checkpoints: Record<string, number>; next: { sequenceNumber: number } }) : undefined;
      return {
        hub: decodeURIComponent(entry.name),
        next: Math.max(saved?.next.sequenceNumber ?? 0, lastLoggedSequenceNumber(join(directory, '0')) + 1),
        // No checkpoint file yet: no consumer has finished a batch.
        checkpoints: saved === undefined ? [0] : Object.values(saved.checkpoints),
      };
    });
}

/** The sequence number of the last whole line of a partition's newest segment (-1: none); reads only, the runtime may be running. */
function lastLoggedSequenceNumber(partition: string): number {
  if (!existsSync(partition)) return -1;
  const segments = readdirSync(partition).filter((name) => name.endsWith('.log')).sort();
  for (const segment of segments.reverse()) {
    const text = readFileSync(join(partition, segment), 'utf8');
    const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((line) => line.length > 0);
    const last = lines[lines.length - 1];
    if (last !== undefined) return (JSON.parse(last) as { s: number }).s;
  }
  return -1;
}

/** True when every consumer of every hub has checkpointed past every event its hub holds. */
export function everythingDelivered(dataDir: string): boolean {
  return readHubProgress(dataDir).every((hub) => hub.checkpoints.every((checkpoint) => checkpoint >= hub.next));
}
