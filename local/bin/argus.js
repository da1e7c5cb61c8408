#!/usr/bin/env node
// The `argus` command (package.json "bin"): runs the compiled CLI, dist/local/argus.js. In a fresh clone, or
// after a source file changed, it first compiles the project with its own TypeScript (output on stderr).
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const entry = join(root, 'dist', 'local', 'argus.js');

/** The newest modification time of the TypeScript sources the CLI is built from. */
function newestSourceTimeInMs(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceTimeInMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
if (built < Math.max(...['shared', 'local'].map((folder) => newestSourceTimeInMs(join(root, folder))))) {
  process.stderr.write(`argus: compiling ${built === 0 ? '' : 'changed sources '}(tsc -p tsconfig.build.json)...\n`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (!existsSync(entry)) {
    process.stderr.write(`argus: the build did not produce ${entry} (tsc exit ${result.status}); run \`npm ci\` and \`npm run build\`\n`);
    process.exit(1);
  }
}

require(entry).runCli(process.argv.slice(2));
