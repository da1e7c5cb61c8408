import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { check, type Diagnostics, type SafeDiagnostics } from 'recheck';
import ts from 'typescript';
import { compilePatternList } from '../../shared/detection/patternList';
import { classifyCommandLine } from '../../shared/detection/predicates/commandLines';
import { normalizeAddress } from '../../shared/detection/predicates/nodeNetwork';
import { redactText } from '../../shared/detection/redaction';
import { pemCertificates } from '../../shared/export/guardedConnection';

/**
 * Bounded time per input: no regular expression that the service runs over its input (audit events, node
 * events, command lines, HTTP requests, configuration) may backtrack super-linearly. Every expression in the
 * code is collected from the source with the TypeScript compiler (regular-expression literals, and
 * `new RegExp(...)` / `RegExp(...)` whose arguments are constants of the same file) and checked with recheck,
 * which proves an expression linear or finds an attack string. Expressions built at run time from data are
 * listed below with the reason they are bounded, and their own cases test that.
 */

const repoRoot = join(__dirname, '..', '..');
/** Where the code the service and the CLI run lives. */
const scannedFolders = ['shared', 'local', 'functions'];

/** One regular expression of the code, where it is written. */
interface FoundPattern {
  /** `path:line`, relative to the repository. */
  where: string;
  source: string;
  flags: string;
}

/** A `RegExp` built from values the scanner cannot compute: it must be listed, with why it is safe. */
interface DynamicSite {
  where: string;
  code: string;
}

/** Files that build expressions from run-time data, and why those are bounded (each has a case below). */
const reviewedDynamicSites: Readonly<Record<string, string>> = {
  'shared/detection/patternList.ts':
    'globs of the detection lists (configuration) become one alternation of escaped literals; globs with an inner * are matched without a regular expression',
};

/**
 * Expressions recheck cannot decide within the time limit, by `where`, with why each is still bounded.
 * Empty: an undecided expression fails the test until it is rewritten or listed here with a reason.
 */
const reviewedUndecided: Readonly<Record<string, string>> = {};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The string value of an expression made of literals, `String.raw` templates, `+` and constants of the file. */
function constantString(node: ts.Expression, constants: ReadonlyMap<string, ts.Expression>, seen: ReadonlySet<string> = new Set()): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return constantString(node.expression, constants, seen);
  if (ts.isIdentifier(node)) {
    const initializer = constants.get(node.text);
    return initializer === undefined || seen.has(node.text) ? undefined : constantString(initializer, constants, new Set([...seen, node.text]));
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = constantString(node.left, constants, seen);
    const right = constantString(node.right, constants, seen);
    return left === undefined || right === undefined ? undefined : left + right;
  }
  const raw = ts.isTaggedTemplateExpression(node) && node.tag.getText() === 'String.raw';
  const template = ts.isTaggedTemplateExpression(node) ? (raw ? node.template : undefined) : node;
  if (template !== undefined && ts.isNoSubstitutionTemplateLiteral(template)) return raw ? template.rawText : template.text;
  if (template !== undefined && ts.isTemplateExpression(template)) {
    let text = raw ? template.head.rawText : template.head.text;
    for (const span of template.templateSpans) {
      const value = constantString(span.expression, constants, seen);
      if (value === undefined) return undefined;
      text += value + (raw ? span.literal.rawText : span.literal.text);
    }
    return text;
  }
  return undefined;
}

/** Every regular expression written in the file, and every `RegExp` built there from values the scanner cannot compute. */
function scanSource(name: string, text: string): { patterns: FoundPattern[]; dynamicSites: DynamicSite[] } {
  const file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const constants = new Map<string, ts.Expression>();
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement) || (statement.declarationList.flags & ts.NodeFlags.Const) === 0) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.initializer !== undefined) constants.set(declaration.name.text, declaration.initializer);
    }
  }
  const patterns: FoundPattern[] = [];
  const dynamicSites: DynamicSite[] = [];
  const where = (node: ts.Node): string => `${name}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.getText(file);
      const end = text.lastIndexOf('/');
      patterns.push({ where: where(node), source: text.slice(1, end), flags: text.slice(end + 1) });
    } else if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
      const [sourceArgument, flagsArgument] = node.arguments ?? [];
      const source = sourceArgument === undefined ? '' : constantString(sourceArgument, constants);
      const flags = flagsArgument === undefined ? '' : constantString(flagsArgument, constants);
      if (source === undefined || flags === undefined) dynamicSites.push({ where: where(node), code: node.getText(file) });
      else patterns.push({ where: where(node), source, flags });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { patterns, dynamicSites };
}

const scanned = scannedFolders
  .flatMap((folder) => sourceFiles(join(repoRoot, folder)))
  .map((path) => scanSource(relative(repoRoot, path).split(sep).join('/'), readFileSync(path, 'utf8')));
const patterns = scanned.flatMap((result) => result.patterns);
const dynamicSites = scanned.flatMap((result) => result.dynamicSites);

/** The areas of the issue, so that a scan that silently finds nothing there fails. */
const areas = [
  'shared/detection/rules/',
  'shared/detection/predicates/',
  'shared/detection/redaction.ts',
  'shared/intel/',
  'shared/kubernetes/',
  'shared/node/',
  'shared/http/',
  'shared/alerts/',
] as const;

/**
 * recheck's limits: a check that takes longer than `timeout` is undecided (a failure). Above `maxNFASize` states
 * recheck fuzzes instead of building the automaton (the default, 35,000, took seconds each for the large
 * case-insensitive alternations of the node rules, with the same verdicts).
 */
const checkOptions = { timeout: 10_000, maxNFASize: 3_000 } as const;

function verdict(pattern: FoundPattern, diagnostics: Diagnostics): string | undefined {
  if (diagnostics.status === 'safe') return undefined;
  const label = `${pattern.where} /${pattern.source}/${pattern.flags}`;
  if (diagnostics.status === 'vulnerable') {
    const complexity = diagnostics.complexity.type === 'polynomial' ? `polynomial (degree ${diagnostics.complexity.degree})` : 'exponential';
    return `${label}: ${complexity} backtracking, e.g. on ${diagnostics.attack.pattern}`;
  }
  if (reviewedUndecided[pattern.where] !== undefined) return undefined;
  return `${label}: recheck could not decide (${diagnostics.error.kind})`;
}

/** recheck's verdict per distinct expression (`flags/source`), filled once for the cases below. */
const verdicts = new Map<string, Diagnostics>();
const keyOf = (pattern: Pick<FoundPattern, 'source' | 'flags'>): string => `${pattern.flags}/${pattern.source}`;

/**
 * The expressions recheck found linear in an earlier run, so that a run checks only new and changed ones (a full
 * check takes about a minute on two busy cores; the checker is deterministic: fixed seed, same version, same
 * options). Keyed by a hash of all four; only safe verdicts are kept. Delete the folder to check everything again.
 */
const linearCacheFile = join(repoRoot, 'node_modules', '.cache', 'argus-redos', 'linear.json');
const recheckVersion = (JSON.parse(readFileSync(require.resolve('recheck/package.json'), 'utf8')) as { version: string }).version;
const cacheKeyOf = (pattern: Pick<FoundPattern, 'source' | 'flags'>): string =>
  createHash('sha256').update(JSON.stringify([recheckVersion, checkOptions, pattern.flags, pattern.source])).digest('hex');

function readLinearCache(): Record<string, SafeDiagnostics> {
  try {
    return JSON.parse(readFileSync(linearCacheFile, 'utf8')) as Record<string, SafeDiagnostics>;
  } catch {
    return {};
  }
}

function writeLinearCache(entries: Record<string, SafeDiagnostics>): void {
  mkdirSync(join(linearCacheFile, '..'), { recursive: true });
  writeFileSync(`${linearCacheFile}.${process.pid}`, JSON.stringify(entries));
  renameSync(`${linearCacheFile}.${process.pid}`, linearCacheFile);
}

/**
 * The expressions that backtracked super-linearly when this test was written, by file and a piece of the
 * expression that replaced each: each must still be there and be linear.
 */
const rewritten: readonly (readonly [file: string, piece: string, was: string])[] = [
  ['shared/config.ts', String.raw`(?<!\/)\/+$`, 'trailing slashes: quadratic on a run of slashes not at the end'],
  ['shared/config.ts', String.raw`(?<!\.)\.+$`, 'trailing dots: quadratic on a run of dots not at the end'],
  ['shared/detection/predicates/nodeFiles.ts', String.raw`(?<!\/)\/+$`, 'trailing slashes of find roots'],
  ['shared/detection/predicates/nodeProcesses.ts', String.raw`(?<!\/)\/+$`, 'trailing slashes of a process path'],
  ['shared/export/webhookUrl.ts', String.raw`(?<!\.)\.+$`, 'trailing dots of a webhook host'],
  ['shared/intel/threatIntelFeed.ts', String.raw`(?<!\.)\.+$`, 'trailing dots of a feed host'],
  ['shared/intel/threatIntelMatch.ts', String.raw`%[\s\S]*$`, '`%.*$` (address zone) rescanned from every %'],
  ['shared/threatIntelFeeds/fetchThreatIntelFeed.ts', String.raw`(?<!\.)\.+$`, 'trailing dots of allowed hosts'],
  ['shared/posture/assessmentExemption.ts', String.raw`(?<!\/)\/+$`, 'trailing slashes of an exemption scope'],
  ['shared/posture/checks/cluster/argus-audit-coverage.ts', String.raw`(?<!\/)\/+$`, 'trailing slashes of a resource id'],
  ['local/readHostJson.ts', String.raw`(?<!\/)\/+$`, 'trailing slashes of the route prefix'],
  ['shared/detection/rules/audit/anomalous-workload-deployment-user-agent.ts', String.raw` \(([^()]+)\)$`, 'platform of a user agent: rescanned from every " ("'],
  ['local/armEndpoint.ts', String.raw`(?<!\/)\/+$`, 'trailing slashes of a route'],
  ['shared/intel/threatIntelFeed.ts', String.raw`[#;][\s\S]*$`, '`[#;].*$` rescanned from every # of a feed line'],
  ['shared/detection/predicates/nodeNetwork.ts', String.raw`%[\s\S]*$`, '`%.*$` (address zone) rescanned from every %'],
  ['shared/detection/predicates/nodeProcesses.ts', String.raw`-(?!o\s)[abd-zA-Z]+\s+`, 'shell options before -c: exponential (`-o -o` read two ways)'],
  ['shared/detection/redaction.ts', String.raw`(?<![A-Za-z0-9_-])eyJ`, 'JWTs: rescanned from every eyJ of a long token'],
  ['shared/detection/rules/node/crypto-mining-process.ts', String.raw`(?<![\w-])(?:cp|mv|ln|install)\s+(?:-[\w-]*`, 'ld.so.preload writes: option chains overlapping across cp/mv/ln'],
  ['shared/detection/rules/node/download-and-run.ts', String.raw`^-[a-ce-z]*d[a-z]*$`, 'base64 -d option: quadratic on -dddd...'],
  ['shared/detection/rules/node/download-and-run.ts', String.raw`(?<!-)\b(?:ba|da|z|k)?sh\s+`, 'substitution run: option chains overlapping across -sh words'],
  ['shared/detection/rules/node/history-or-log-tampering.ts', String.raw`[^\s>]*(?:\.\w+_history`, 'history truncation: rescanned from every >'],
  ['shared/detection/rules/node/security-tooling-disabled.ts', String.raw`\bkill\b(?:(?!\bkill\b)`, 'kill $(pidof x): rescanned from every kill'],
  ['shared/detection/predicates/nodeFiles.ts', String.raw`(system|user)\/(?:(?!\/`, 'systemd unit paths: rescanned from every systemd directory'],
  ['shared/posture/workloadManifests.ts', String.raw`(\S(?:.*\S)?)\s*$`, 'Helm `# Source:`: a lazy match against trailing white space'],
  ['shared/detection/predicates/commandLines.ts', String.raw`nc\.openbsd)\b(?:(?!`, 'netcat -e: rescanned from every nc of a stage'],
  ['shared/detection/predicates/commandLines.ts', String.raw`\bsocat\b(?:(?!`, 'socat exec: rescanned from every socat of a stage'],
  ['shared/detection/predicates/commandLines.ts', String.raw`s_client)\b(?:(?!`, 'network client piped into a shell'],
  ['shared/detection/predicates/commandLines.ts', String.raw`\b(?:curl|wget)\b(?:(?!\b(?:curl|wget)\b)[^|;&])*\|`, 'download piped into a shell'],
  ['shared/detection/predicates/commandLines.ts', String.raw`\.|\b(?:ba|da|z|k|c|tc|a)?sh\b(?:\s+-c)?)`, 'download run through substitution: a word before the shell rescanned'],
  ['shared/detection/predicates/commandLines.ts', String.raw`(?<![\w-])chmod\s+(?:-[\w-]*\s+)*`, 'download made executable: cubic (`curl.*chmod` and option chains)'],
];

describe('regular expressions (ReDoS)', () => {
  beforeAll(async () => {
    const cached = readLinearCache();
    const linear: Record<string, SafeDiagnostics> = {};
    for (const pattern of patterns) {
      if (verdicts.has(keyOf(pattern))) continue;
      const cacheKey = cacheKeyOf(pattern);
      const diagnostics = cached[cacheKey] ?? (await check(pattern.source, pattern.flags, checkOptions));
      verdicts.set(keyOf(pattern), diagnostics);
      if (diagnostics.status === 'safe') linear[cacheKey] = diagnostics;
    }
    writeLinearCache(linear);
  }, 300_000);

  it('when the source is scanned, then every area of detection and decoding has expressions and the scanner computes the constant ones', () => {
    expect(areas.filter((area) => !patterns.some((p) => p.where.startsWith(area)))).toEqual([]);
    // The command-line indicators are built with `new RegExp(String.raw`...${SHELL}...`)`: computed, not dynamic.
    expect(patterns.some((p) => p.where.startsWith('shared/detection/predicates/commandLines.ts') && p.source.includes('(?:ba|da|z|k|c|tc|a)?sh'))).toBe(true);
    expect(patterns.length).toBeGreaterThan(300);
  });

  it('when a RegExp is built from run-time values, then its file is a reviewed site with a reason', () => {
    expect(dynamicSites.filter((site) => reviewedDynamicSites[site.where.replace(/:\d+$/, '')] === undefined)).toEqual([]);
  });

  it('when every regular expression of shared/, local/ and functions/ is checked, then none backtracks super-linearly', () => {
    const problems = patterns.flatMap((pattern) => {
      const diagnostics = verdicts.get(keyOf(pattern));
      const problem = diagnostics === undefined ? `${pattern.where}: not checked` : verdict(pattern, diagnostics);
      return problem === undefined ? [] : [problem];
    });
    expect(problems).toEqual([]);
  });

  it.each(rewritten)('when the rewritten expression of %s (`%s`) is checked, then it is linear (it was: %s)', (file, piece) => {
    const found = patterns.filter((p) => p.where.startsWith(`${file}:`) && p.source.includes(piece));
    expect(found.length).toBeGreaterThan(0);
    for (const pattern of found) expect(verdicts.get(keyOf(pattern))?.status).toBe('safe');
  });

  it('when the suppression rules are scanned, then their conditions compile no expression (equality and substring only)', () => {
    expect(dynamicSites.filter((site) => site.where.startsWith('shared/alerts/'))).toEqual([]);
    expect(readFileSync(join(repoRoot, 'shared/alerts/suppressionRule.ts'), 'utf8')).not.toMatch(/new RegExp|RegExp\(/);
  });
});

describe('the ReDoS check itself', () => {
  it.each([
    ['^(a+)+$', '', 'exponential'],
    ['^a.*a.*a.*b$', 's', 'polynomial'],
  ])('when /%s/%s is checked, then it is reported as %s, naming where it is', async (source, flags, complexity) => {
    const problem = verdict({ where: 'probe.ts:1', source, flags }, await check(source, flags, checkOptions));
    expect(problem).toContain('probe.ts:1');
    expect(problem).toContain(complexity);
  });

  it('when an expression is linear, then the check has nothing to say', async () => {
    expect(verdict({ where: 'probe.ts:1', source: '^[a-z]+$', flags: '' }, await check('^[a-z]+$', '', checkOptions))).toBeUndefined();
  });

  it('when recheck cannot decide and the expression is not listed, then that is a failure', () => {
    const undecided: Diagnostics = { source: 'x', flags: '', status: 'unknown', checker: 'fuzz', error: { kind: 'timeout' } };
    expect(verdict({ where: 'probe.ts:1', source: 'x', flags: '' }, undecided)).toContain('could not decide (timeout)');
  });

  it('when a file builds a RegExp from constants and from a variable, then the scanner computes the first and reports the second', () => {
    const code = "const A = String.raw`\\d+`;\nexport const ok = new RegExp(`^${A}$`, 'i');\nexport const bad = (p: string) => new RegExp(p);\nexport const lit = /x+y/g;\n";
    const { patterns: found, dynamicSites: sites } = scanSource('probe.ts', code);
    expect(found).toEqual([
      { where: 'probe.ts:2', source: String.raw`^\d+$`, flags: 'i' },
      { where: 'probe.ts:4', source: 'x+y', flags: 'g' },
    ]);
    expect(sites).toEqual([{ where: 'probe.ts:3', code: 'new RegExp(p)' }]);
  });
});

describe('compilePatternList (globs from configuration)', () => {
  it.each([
    ['many inner stars', ['*a*a*a*a*a*a*a*a*b'], 'a'.repeat(50_000)],
    ['inner stars anchored at both ends', ['a*a*a*a*a*a*a*a*b'], 'a'.repeat(50_000)],
    ['a long list of inner-star globs', Array.from({ length: 50 }, (_, i) => `*x${i}*y*z*`), 'x1y'.repeat(10_000)],
    ['stars between escaped characters', ['*(.*)*+*?*[*]*|*\\*$'], '(.)+?[]|'.repeat(6_000)],
  ])('when a hostile list (%s) is tested against a long value, then the answer takes well under 100 ms', (_name, globs, value) => {
    const list = compilePatternList(globs);
    const started = performance.now();
    expect(list.matches(value)).toBe(false);
    expect(list.find(value)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(100);
  });

  it.each([
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['*.svc*local', 'web.svc.cluster.local', true],
    ['sys*:*:node*', 'SYSTEM:serviceaccount:kube-system:node-controller', true],
    ['x*(y)*z', 'x(y)z', true],
    ['x*(y)*z', 'xyz', false],
  ])('when the glob %s is matched against %s, then the answer is %s (as the regular expression it replaces)', (glob, value, expected) => {
    expect(compilePatternList([glob]).matches(value)).toBe(expected);
    expect(compilePatternList([glob]).find(value)).toBe(expected ? glob : undefined);
    const replaced = new RegExp(`^${glob.toLowerCase().split('*').map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    expect(replaced.test(value.toLowerCase())).toBe(expected);
  });
});

describe('hostile inputs to the rewritten code', () => {
  /** Runs `run` and says how long it took. */
  const timed = (run: () => unknown): number => {
    const started = performance.now();
    run();
    return performance.now() - started;
  };

  it.each([
    ['netcat names in one stage', `${'o\tnc\t'.repeat(2_700)}&`],
    ['socat names in one stage', `${'ystem:socat:'.repeat(1_300)}&socat\0exec:`],
    ['pipes after curl', `${'curl|/'.repeat(2_700)}y`],
    ['a long word before sh', `a${'bs'.repeat(8_000)}`],
    ['curl and chmod with option chains', `${'00\twget-'.repeat(900)}11+${'x\0chmod\t-'.repeat(900)}x`],
  ])('when a command line is %s (16k characters, the most classified), then it is classified well under 100 ms', (_name, line) => {
    expect(timed(() => classifyCommandLine(line))).toBeLessThan(100);
  });

  it('when an address has a long run of zone separators, then it is normalized well under 100 ms', () => {
    expect(timed(() => normalizeAddress(`${'%'.repeat(50_000)}\n%`))).toBeLessThan(100);
  });

  it('when a text holds a long run of JWT-like starts, then it is redacted well under 100 ms', () => {
    expect(timed(() => redactText(`${'eyJyyyyy'.repeat(6_000)}\0eyJe-yyy.eee-y.`))).toBeLessThan(100);
  });

  it('when a CA bundle holds thousands of BEGIN lines and no END, then it is split well under 100 ms and yields nothing', () => {
    const bundle = '-----BEGIN CERTIFICATE-----I-'.repeat(2_000);
    expect(timed(() => expect(pemCertificates(bundle)).toEqual([]))).toBeLessThan(100);
  });

  it('when a CA bundle holds two certificates, then both blocks are found, each from BEGIN to its END', () => {
    const block = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
    expect(pemCertificates(`junk\n${block('AAA')}\n${block('BBB')}\n-----BEGIN CERTIFICATE-----\ncut`)).toEqual([block('AAA'), block('BBB')]);
  });
});
