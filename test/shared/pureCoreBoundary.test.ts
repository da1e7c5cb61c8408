import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

// The project's own lint configuration, with type-aware rules off so that files that do not exist on
// disk can be linted (the boundary rules do not need types).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const projectConfig = require('../../eslint.config.js') as Linter.Config[];
const eslint = new ESLint({
  cwd: join(__dirname, '..', '..'),
  overrideConfigFile: true,
  overrideConfig: [...projectConfig, tseslint.configs.disableTypeChecked],
});

async function problemsIn(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('the pure detection core (shared/kubernetes, shared/node, shared/intel, shared/detection)', () => {
  it.each([
    ["import { CosmosClient } from '@azure/cosmos';", 'no-restricted-imports'],
    ["import { readFileSync } from 'node:fs';", 'no-restricted-imports'],
    ["import { request } from 'https';", 'no-restricted-imports'],
    ["import { readFile } from 'fs/promises';", 'no-restricted-imports'],
    ['export const now = Date.now();', 'no-restricted-properties'],
    ['export const now = new Date();', 'no-restricted-syntax'],
    ["export const mode = process.env['MODE'];", 'no-restricted-globals'],
    ["export const load = () => fetch('https://example.com');", 'no-restricted-globals'],
  ])('when a core module does `%s`, then lint fails with %s', async (code, rule) => {
    for (const folder of ['shared/detection/rules/node', 'shared/kubernetes', 'shared/node', 'shared/intel']) {
      const problems = await problemsIn(`${folder}/probe.ts`, code);
      expect(problems.some((p) => p.startsWith(`${rule}:`))).toBe(true);
    }
  });

  it('when a core module imports a folder of its own named like a Node module (./checks/cluster), then lint has nothing to say', async () => {
    const code = "import { clusterChecks } from './checks/cluster';\nexport const checks = clusterChecks;\n";
    expect((await problemsIn('shared/posture/probe.ts', code)).filter((p) => p.startsWith('no-restricted-imports:'))).toEqual([]);
  });

  it('when a core module uses time from its input, then lint has nothing to say', async () => {
    const code = "export const at = (event: { stageTimestamp: string }): Date => new Date(event.stageTimestamp);\n";
    expect(await problemsIn('shared/detection/probe.ts', code)).toEqual([]);
  });

  it('when code outside shared/azure imports an Azure management SDK, then lint fails; inside shared/azure it is allowed', async () => {
    const code = "import { ResourceGraphClient } from '@azure/arm-resourcegraph';\nexport const client = ResourceGraphClient;\n";
    expect((await problemsIn('functions/probe.ts', code)).some((p) => p.startsWith('no-restricted-imports:'))).toBe(true);
    expect((await problemsIn('shared/azure/probe.ts', code)).filter((p) => p.startsWith('no-restricted-imports:'))).toEqual([]);
  });

  it('when an adapter outside the core imports an Azure SDK, then that is allowed', async () => {
    const code = "import { CosmosClient } from '@azure/cosmos';\nexport const client = (endpoint: string): CosmosClient => new CosmosClient({ endpoint });\n";
    expect(await problemsIn('shared/store/probe.ts', code)).toEqual([]);
  });
});
