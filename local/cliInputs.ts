import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** One input of a CLI command: a file (regular or not: a FIFO is streamed) or standard input. */
export type CliInput = { kind: 'file'; path: string; bytes: number; regular: boolean } | { kind: 'stdin' };

export interface ResolvedInputs {
  inputs: CliInput[];
  /** Files in walked directories without one of the command's extensions. */
  ignoredFiles: number;
}

/**
 * Turns a command's paths into inputs: directories walked recursively (sorted; symbolic links back up the tree
 * followed once) for files with one of the extensions, others counted as ignored; `-` is standard input (once).
 * A path that cannot be read is the error message, not a throw.
 */
export async function resolveCliInputs(paths: readonly string[], extensions: ReadonlySet<string>): Promise<ResolvedInputs | string> {
  const inputs: CliInput[] = [];
  let ignoredFiles = 0;
  const visitedDirectories = new Set<string>();

  const walk = async (directory: string): Promise<string | undefined> => {
    let names: string[];
    try {
      names = (await readdir(directory)).sort();
    } catch (error) {
      return `cannot read directory ${directory}: ${describeFsError(error)}`;
    }
    for (const name of names) {
      const path = join(directory, name);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) {
        ignoredFiles++; // a dangling symbolic link
      } else if (info.isDirectory()) {
        const key = `${info.dev}:${info.ino}`;
        if (visitedDirectories.has(key)) continue; // a symbolic link back up the tree
        visitedDirectories.add(key);
        const problem = await walk(path);
        if (problem !== undefined) return problem;
      } else if (info.isFile() && extensions.has(extname(name).toLowerCase())) {
        inputs.push({ kind: 'file', path, bytes: info.size, regular: true });
      } else {
        ignoredFiles++;
      }
    }
    return undefined;
  };

  for (const path of paths) {
    if (path === '-') {
      if (!inputs.some((input) => input.kind === 'stdin')) inputs.push({ kind: 'stdin' });
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      return `cannot read ${path}: ${describeFsError(error)}`;
    }
    if (info.isDirectory()) {
      visitedDirectories.add(`${info.dev}:${info.ino}`);
      const problem = await walk(path);
      if (problem !== undefined) return problem;
    } else {
      inputs.push({ kind: 'file', path, bytes: info.size, regular: info.isFile() });
    }
  }
  return { inputs, ignoredFiles };
}

/** A file system error in words for the command line. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Reads the command line's paths (see resolveCliInputs) as texts: each file whole, `-` as standard input; a string is an error. */
export async function readCliTexts(
  paths: readonly string[],
  extensions: ReadonlySet<string>,
  stdin: NodeJS.ReadableStream,
): Promise<{ inputs: { source: string; text: string }[]; ignoredFiles: number } | string> {
  const resolved = await resolveCliInputs(paths, extensions);
  if (typeof resolved === 'string') return resolved;
  const inputs: { source: string; text: string }[] = [];
  for (const input of resolved.inputs) {
    const source = input.kind === 'stdin' ? '-' : input.path;
    try {
      inputs.push({ source, text: input.kind === 'stdin' ? await readStream(stdin) : await readFile(input.path, 'utf8') });
    } catch (error) {
      return `cannot read ${source === '-' ? 'standard input' : source}: ${describeFsError(error)}`;
    }
  }
  return { inputs, ignoredFiles: resolved.ignoredFiles };
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
