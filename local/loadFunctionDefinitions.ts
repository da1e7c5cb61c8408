import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { isFunctionDefinition, type FunctionDefinition } from '../shared/functions/defineFunction';

/** `functions/` next to this module's parent: the sources under ts-jest, the compiled files under dist/. */
export const defaultFunctionsDirectory = join(__dirname, '..', 'functions');

export interface LoadedFunctionFile {
  file: string;
  definitions: FunctionDefinition[];
}

/** Loads every function file and the definitions it exports, the way the host's `main` glob loads them. */
export function loadFunctionFiles(directory: string = defaultFunctionsDirectory): LoadedFunctionFile[] {
  return readdirSync(directory)
    .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith('.d.ts'))
    .sort()
    .map((file) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exports = require(join(directory, file)) as Record<string, unknown>;
      return { file, definitions: Object.values(exports).filter(isFunctionDefinition) };
    });
}

/** All definitions, after checking the convention: exactly one per file, named after the file. */
export function loadFunctionDefinitions(directory: string = defaultFunctionsDirectory): FunctionDefinition[] {
  return loadFunctionFiles(directory).map(({ file, definitions }) => {
    const expected = basename(file, extname(file));
    const [only, ...others] = definitions;
    if (!only || others.length > 0) {
      throw new Error(`functions/${file} must export exactly one function definition; it exports ${definitions.length}.`);
    }
    if (only.name !== expected) throw new Error(`functions/${file} defines "${only.name}"; the name must be "${expected}".`);
    return only;
  });
}
