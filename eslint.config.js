// @ts-check
// CommonJS so that tests can load the very same configuration (test/shared/pureCoreBoundary.test.ts).
const js = require('@eslint/js');
const { defineConfig } = require('eslint/config');
const tseslint = require('typescript-eslint');

/** Modules that do I/O or read the clock: the pure detection core must not import them. */
const ioModules = [
  'fs', 'http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns', 'child_process', 'cluster',
  'worker_threads', 'readline', 'inspector', 'vm', 'os', 'timers', 'stream',
];
/** Their subpath modules (`fs/promises`): matched as patterns; the bare names above exactly, so `./checks/cluster` is no I/O. */
const ioSubpaths = ['fs/*', 'dns/*', 'readline/*', 'timers/*', 'stream/*'];
const ioMessage = 'The detection core is pure: no I/O. Pass data in; do the I/O at the edge.';

/** Keeps shared/kubernetes and shared/detection pure: no Azure SDKs, no Node I/O, no wall clock, no env. */
const pureCoreRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: [...ioModules, ...ioModules.map((m) => `node:${m}`)].map((name) => ({ name, message: ioMessage })),
      patterns: [
        { group: ['@azure/*'], message: 'The detection core is pure: Azure SDKs belong in shared/store or shared/messaging.' },
        { group: [...ioSubpaths, ...ioSubpaths.map((m) => `node:${m}`)], message: ioMessage },
      ],
    },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'fetch', message: 'The detection core does no I/O.' },
    { name: 'setTimeout', message: 'The detection core has no timers.' },
    { name: 'setInterval', message: 'The detection core has no timers.' },
    { name: 'process', message: 'The detection core reads no environment: configuration is passed in.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'No clock in the detection core: time comes from the event.' },
    { object: 'performance', property: 'now', message: 'No clock in the detection core: time comes from the event.' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'No clock in the detection core: time comes from the event.' },
  ],
};

module.exports = defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.argus/', 'infra/**/bin/', 'infra/**/obj/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' } },
  // Azure's management SDKs stay behind shared/azure (one place to pin, wrap and fake them). Before the pure-core block,
  // whose own rule (no Azure SDK at all) replaces this one in the core.
  {
    files: ['**/*.ts'],
    ignores: ['shared/azure/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@azure/arm-*'], message: 'Azure management SDKs are imported only in shared/azure.' }] }],
    },
  },
  { files: ['shared/kubernetes/**/*.ts', 'shared/detection/**/*.ts', 'shared/node/**/*.ts', 'shared/intel/**/*.ts', 'shared/posture/**/*.ts'], rules: pureCoreRules },
);
