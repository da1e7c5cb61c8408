#!/usr/bin/env node
// `npm run fuzz`: every fuzz property (test/fuzz/) and the decoders' differential properties with a long budget and a
// new seed, then a summary: per property, the inputs tried, how many were accepted and refused, and the slowest.
//   FUZZ_RUNS  inputs per property (each property takes its share); 2,000 when unset
//   FUZZ_SEED  replays a run; a new seed when unset (printed first and in the summary)
// Extra arguments go to jest (e.g. a path to run one file, `-t <name>` for one property).
const { spawn } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/** The decoders' differential properties, which read FUZZ_DECODER_RUNS and FUZZ_DECODER_SEED (see `npm run fuzz:decoder`). */
const DECODER_TESTS = ['test/shared/kubernetes/selectiveDecoder.test.ts', 'test/shared/kubernetes/jsonTextScanner.test.ts', 'test/shared/kubernetes/wellFormedAuditEvent.test.ts'];

const runs = process.env.FUZZ_RUNS || '2000';
const seed = process.env.FUZZ_SEED || String(Date.now() % 2 ** 31);
const summaryFile = join(mkdtempSync(join(tmpdir(), 'argus-fuzz-')), 'summary.jsonl');
const extra = process.argv.slice(2);
const files = extra.some((arg) => !arg.startsWith('-')) ? [] : ['test/fuzz', ...DECODER_TESTS];
const env = {
  ...process.env,
  FUZZ_RUNS: runs,
  FUZZ_SEED: seed,
  FUZZ_SUMMARY_FILE: summaryFile,
  FUZZ_DECODER_RUNS: process.env.FUZZ_DECODER_RUNS || runs,
  FUZZ_DECODER_SEED: process.env.FUZZ_DECODER_SEED || seed,
};

process.stdout.write(`fuzz: ${runs} runs per property (each property takes its share), seed ${seed} (FUZZ_SEED=${seed} replays it)\n`);
const startedAt = Date.now();
const decoderLines = [];
const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), '--testTimeout=3600000', ...files, ...extra], { env, stdio: ['inherit', 'inherit', 'pipe'] });
let pending = '';
jest.stderr.on('data', (chunk) => {
  process.stderr.write(chunk);
  const lines = (pending + chunk.toString('utf8')).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const found = /fuzz:decoder: (.*)$/.exec(line);
    if (found) decoderLines.push(found[1]);
  }
});
jest.on('close', (code) => {
  const seconds = Math.round((Date.now() - startedAt) / 1000);
  const rows = existsSync(summaryFile)
    ? readFileSync(summaryFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line))
    : [];
  const width = Math.max(8, ...rows.map((row) => row.property.length));
  const out = [`\nFuzz summary (seed ${seed}, FUZZ_RUNS ${runs}, ${seconds} s)`, `${'property'.padEnd(width)}  ${'tried'.padStart(7)}  ${'accepted'.padStart(8)}  ${'refused'.padStart(7)}  slowest`];
  for (const row of rows) {
    out.push(`${row.property.padEnd(width)}  ${String(row.tried).padStart(7)}  ${String(row.accepted).padStart(8)}  ${String(row.refused).padStart(7)}  ${row.slowestInMs} ms`);
  }
  const tried = rows.reduce((sum, row) => sum + row.tried, 0);
  out.push(`${rows.length} properties, ${tried} inputs tried`);
  for (const line of decoderLines) out.push(`decoder differential: ${line}`);
  process.stdout.write(`${out.join('\n')}\n`);
  process.exit(code ?? 1);
});
