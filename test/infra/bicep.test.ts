import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { type EventHubFunctionOptions } from '@azure/functions';
import { resolveBindingExpression } from '../../local/bindingExpressions';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { bindingExpressionSettings, ConfigurationError, type Config, loadConfig } from '../../shared/config';
import { type EventHubFunctionDefinition, type FunctionDefinition, type TimerFunctionDefinition } from '../../shared/functions/defineFunction';
import { containerDefinitions } from '../../shared/store/containers';

/**
 * The Bicep deployment compiles and lints clean, and matches the code: containers, app settings, hubs,
 * security settings, and the AKS audit policy deploys the same diagnostic setting as the module.
 * The compiler comes from NuGet (`bash infra/tools/install-bicep.sh`, run here on first use when missing).
 */

const repoRoot = join(__dirname, '..', '..');
const infraDir = join(repoRoot, 'infra');
const bicepPackageDir = join(infraDir, 'tools', 'packages', 'azure.bicep.commandline.linux-x64');
const installHint = 'Install it with `export BICEP_PATH="$(bash infra/tools/install-bicep.sh)"` (needs dotnet), or put `bicep` on PATH.';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** BICEP_PATH, then `bicep` on PATH, then what install-bicep.sh downloads. */
function findBicep(): string | undefined {
  const fromEnv = process.env['BICEP_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') return isExecutable(fromEnv) ? fromEnv : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'bicep');
    if (dir !== '' && isExecutable(candidate)) return candidate;
  }
  if (existsSync(bicepPackageDir)) {
    for (const version of readdirSync(bicepPackageDir).sort().reverse()) {
      const candidate = join(bicepPackageDir, version, 'tools', 'bicep');
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

interface BicepRun {
  status: number | null;
  output: string;
}

function runBicep(bicep: string, args: string[], env: NodeJS.ProcessEnv = process.env): BicepRun {
  const result = spawnSync(bicep, args, { cwd: repoRoot, encoding: 'utf8', env, timeout: 120_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Diagnostics at Warning or Error level, e.g. `main.bicep(3,7) : Warning no-unused-params: ...`. */
function problemsIn(output: string): string[] {
  return output.split('\n').filter((line) => /\) : (Warning|Error) /.test(line));
}

function listBicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'tools' ? [] : listBicepFiles(path);
    return entry.name.endsWith('.bicep') ? [path] : [];
  });
}

// ---- ARM JSON helpers ------------------------------------------------------------------------------

type Json = Record<string, unknown>;

interface ArmResource extends Json {
  type: string;
  name?: string;
  properties?: Json;
}

interface ArmTemplate extends Json {
  parameters?: Record<string, Json>;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, Json>;
}

const resourcesOf = (template: ArmTemplate): ArmResource[] =>
  Array.isArray(template.resources) ? template.resources : Object.values(template.resources);

/** The template and every nested module template (Microsoft.Resources/deployments), depth first. */
function allTemplates(template: ArmTemplate): ArmTemplate[] {
  const nested = resourcesOf(template)
    .filter((r) => r.type === 'Microsoft.Resources/deployments')
    .map((r) => r.properties?.['template'] as ArmTemplate | undefined)
    .filter((t): t is ArmTemplate => t !== undefined);
  return [template, ...nested.flatMap(allTemplates)];
}

function resourcesOfType(template: ArmTemplate, type: string): { resource: ArmResource; template: ArmTemplate }[] {
  return allTemplates(template).flatMap((t) =>
    resourcesOf(t)
      .filter((r) => r.type.toLowerCase() === type.toLowerCase())
      .map((resource) => ({ resource, template: t })),
  );
}

function single(template: ArmTemplate, type: string): { resource: ArmResource; template: ArmTemplate } {
  const found = resourcesOfType(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

const prop = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((current, key) => (current !== null && typeof current === 'object' ? (current as Json)[key] : undefined), value);

/** The app-setting names shared/config.ts reads: the keys of its zod schemas (`  NAME: z...`). */
function settingsReadByConfig(): string[] {
  const source = readFileSync(join(repoRoot, 'shared', 'config.ts'), 'utf8');
  const names = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]*(?:__[A-Za-z]+)?):/gm)].map((m) => m[1]!);
  return [...new Set(names)].sort();
}

/** The settings production requires, with valid placeholder values: what configWith adds to the ones under test. */
const requiredProductionSettings = {
  COSMOS__accountEndpoint: 'https://cosmos-argus-test.documents.azure.com:443/',
  AUTH_TENANT_ID: '00000000-0000-4000-8000-000000000001',
  AUTH_AUDIENCE: 'api://argus-test',
  EVENTHUB__fullyQualifiedNamespace: 'evhns-argus-test.servicebus.windows.net',
  SECRETS_KEY_ID: 'https://kv-argus-test.vault.azure.net/keys/argus-secrets-kek',
};

/**
 * config.ts's production configuration with only `settings` set besides the required ones: with none, its
 * defaults. Comparing effective configurations, not config.ts's source text, keeps these checks independent
 * of how a schema is spelled (`z.coerce...default(10)`, `consumerGroupName.default(...)`).
 */
const configWith = (settings: Record<string, string> = {}): Config => loadConfig({ ...requiredProductionSettings, ...settings });

/** Whether config.ts accepts `value` for `setting` (a ConfigurationError naming another setting is a test bug). */
function configAccepts(setting: string, value: string): boolean {
  try {
    configWith({ [setting]: value });
    return true;
  } catch (error) {
    if (!(error instanceof ConfigurationError) || !error.problems.every((p) => p.startsWith(`${setting} `))) throw error;
    return false;
  }
}

/** The integer settings the deployment takes as main.bicep parameters, whose range and default must be config.ts's. */
const integerSettingParameters = [
  ['ALERT_AGGREGATION_WINDOW_IN_MINUTES', 'alertAggregationWindowInMinutes'],
  ['LEARNING_PERIOD_IN_DAYS', 'learningPeriodInDays'],
  ['SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS', 'subscriptionSettingsCacheTtlInSeconds'],
  ['USAGE_FLUSH_INTERVAL_IN_SECONDS', 'usageFlushIntervalInSeconds'],
  ['DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS', 'detectionStateFlushIntervalInSeconds'],
  ['EXPORT_SETTLE_SECONDS', 'exportSettleSeconds'],
  ['SIMULATION_TIMEOUT_IN_MINUTES', 'simulationTimeoutInMinutes'],
  ['INGEST_RATE_LIMIT_PER_MINUTE', 'ingestRateLimitPerMinute'],
  ['EXPORT_RATE_LIMIT_PER_MINUTE', 'exportRateLimitPerMinute'],
  ['SIMULATION_RATE_LIMIT_PER_MINUTE', 'simulationRateLimitPerMinute'],
] as const;

/** Settings config.ts reads that the deployment deliberately leaves unset, and why. */
const deliberatelyUnset: Record<string, string> = {
  COSMOS__clientId: 'the app uses its system-assigned identity; the setting is for a user-assigned one',
  EVENTHUB__clientId: 'the app uses its system-assigned identity for Event Hubs too; the setting is for a user-assigned one',
  SECRETS_KEY_CLIENT_ID: 'the app uses its system-assigned identity for Key Vault too; the setting is for a user-assigned one',
  AUTH_CLOCK_SKEW_IN_SECONDS: 'the default (60 s) is the intended production value',
  PORT: 'local runtime only (`npm start`)',
  ARGUS_LOCAL_HOST: 'local runtime only',
  ARGUS_LOCAL_COSMOS_PORT: 'local runtime only',
  ARGUS_LOCAL_DATA_DIR: 'local runtime only',
  ARGUS_LOCAL_SNAPSHOT_INTERVAL_IN_SECONDS: 'local runtime only',
  ARM_ENDPOINT: "the default (https://management.azure.com) is the public cloud's; a sovereign cloud sets it",
};

/** Settings that are not config.ts's but the Functions host's and extensions'. */
const hostSettings = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'COSMOS__credential',
  'EVENTHUB__credential',
];

/** `[[parameters('x')]` (an escaped literal in the compiled policy) -> `[parameters('x')]`. */
function unescapeArm(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith('[[') ? value.slice(1) : value;
  if (Array.isArray(value)) return value.map(unescapeArm);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unescapeArm(v)]));
  return value;
}

function renameParameters(value: unknown, names: Record<string, string>): unknown {
  let text = JSON.stringify(value);
  for (const [from, to] of Object.entries(names)) text = text.split(`parameters('${from}')`).join(`parameters('${to}')`);
  return JSON.parse(text) as unknown;
}

// ---- ARM expression evaluation ---------------------------------------------------------------------
//
// Just enough of the template language to follow a value from main.bicep's parameter defaults through
// the modules to an app setting, a hub name or a role assignment's scope. What cannot be known before a
// deployment (uniqueString, reference() to a resource, resourceGroup(), split of an endpoint) becomes a
// placeholder ⟪...⟫ made of the call and its evaluated arguments, so that two paths to the same unknown
// value (the namespace name seen from the eventHubs and the roleAssignments modules) still compare equal.

type ArmExpression =
  | { kind: 'literal'; value: string | number }
  | { kind: 'call'; name: string; args: ArmExpression[] }
  | { kind: 'member'; target: ArmExpression; property: string }
  | { kind: 'index'; target: ArmExpression; index: ArmExpression };

type ArmValue = string | number | boolean | null | ArmValue[] | { [key: string]: ArmValue };

/** A template and how it got its parameters: from the deployment resource of its parent, or (root) their defaults. */
interface ArmScope {
  template: ArmTemplate;
  parent?: { scope: ArmScope; deployment: ArmResource };
  copyIndex?: number;
}

const show = (value: ArmValue): string => (typeof value === 'string' ? value : JSON.stringify(value));

function parseArmExpression(text: string): ArmExpression {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`ARM expression [${text}]: ${what} at ${at}`);
  };
  const skipSpaces = (): void => {
    while (text[at] === ' ') at += 1;
  };
  const consume = (char: string): void => {
    skipSpaces();
    if (text[at] !== char) fail(`expected '${char}'`);
    at += 1;
  };
  const stringLiteral = (): ArmExpression => {
    let value = '';
    for (at += 1; ; at += 1) {
      const char = text[at] ?? fail('unterminated string');
      if (char === "'" && text[at + 1] === "'") {
        value += "'";
        at += 1;
      } else if (char === "'") {
        at += 1;
        return { kind: 'literal', value };
      } else {
        value += char;
      }
    }
  };
  const primary = (): ArmExpression => {
    skipSpaces();
    if (text[at] === "'") return stringLiteral();
    const number = /^-?\d+/.exec(text.slice(at))?.[0];
    if (number !== undefined) {
      at += number.length;
      return { kind: 'literal', value: Number(number) };
    }
    const name = /^[A-Za-z_]\w*/.exec(text.slice(at))?.[0] ?? fail('expected a function call');
    at += name.length;
    consume('(');
    const args: ArmExpression[] = [];
    skipSpaces();
    if (text[at] === ')') at += 1;
    else {
      for (;;) {
        args.push(expression());
        skipSpaces();
        if (text[at] !== ',') break;
        at += 1;
      }
      consume(')');
    }
    return { kind: 'call', name: name.toLowerCase(), args };
  };
  const expression = (): ArmExpression => {
    let node = primary();
    for (;;) {
      skipSpaces();
      if (text[at] === '.') {
        at += 1;
        const property = /^\w+/.exec(text.slice(at))?.[0] ?? fail('expected a property name');
        at += property.length;
        node = { kind: 'member', target: node, property };
      } else if (text[at] === '[') {
        at += 1;
        const index = expression();
        consume(']');
        node = { kind: 'index', target: node, index };
      } else {
        return node;
      }
    }
  };
  const node = expression();
  skipSpaces();
  if (at !== text.length) fail('unexpected text');
  return node;
}

/** A template value: `[...]` strings are expressions, `[[...` an escaped literal, anything else itself. */
function evaluateJson(value: unknown, scope: ArmScope): ArmValue {
  if (typeof value === 'string') {
    if (value.startsWith('[[')) return value.slice(1);
    return value.startsWith('[') && value.endsWith(']') ? evaluateExpression(parseArmExpression(value.slice(1, -1)), scope) : value;
  }
  if (Array.isArray(value)) return value.map((item) => evaluateJson(item, scope));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateJson(v, scope)]));
  return value as ArmValue;
}

function evaluateExpression(node: ArmExpression, scope: ArmScope): ArmValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'member': {
      const target = evaluateExpression(node.target, scope);
      if (target === null || typeof target !== 'object' || Array.isArray(target)) return `${show(target)}.${node.property}`;
      if (!(node.property in target)) throw new Error(`no property ${node.property} in ${show(target)}`);
      return target[node.property]!;
    }
    case 'index': {
      const target = evaluateExpression(node.target, scope);
      const index = evaluateExpression(node.index, scope);
      if (Array.isArray(target) && typeof index === 'number' && index < target.length) return target[index]!;
      if (target !== null && typeof target === 'object' && !Array.isArray(target) && typeof index === 'string' && index in target) return target[index]!;
      return `${show(target)}[${show(index)}]`;
    }
    case 'call':
      return evaluateCall(node.name, node.args.map((arg) => evaluateExpression(arg, scope)), scope);
  }
}

function evaluateCall(name: string, args: ArmValue[], scope: ArmScope): ArmValue {
  const first = args[0] ?? null;
  switch (name) {
    case 'parameters':
      return parameterValue(show(first), scope);
    case 'variables': {
      const variables = scope.template.variables ?? {};
      if (!(show(first) in variables)) throw new Error(`no variable ${show(first)}`);
      return evaluateJson(variables[show(first)], scope);
    }
    case 'format':
      return show(first).replace(/\{(\d+)(?::[^}]*)?\}/g, (_whole, i: string) => show(args[Number(i) + 1] ?? null));
    case 'string':
      return show(first);
    case 'concat':
      return args.every(Array.isArray) ? args.flat() : args.map(show).join('');
    case 'length':
      return Array.isArray(first) || typeof first === 'string' ? first.length : Object.keys(first ?? {}).length;
    case 'copyindex':
      if (scope.copyIndex === undefined) throw new Error('copyIndex() outside a copy loop');
      return scope.copyIndex + (typeof first === 'number' ? first : 0);
    case 'resourceid':
    case 'subscriptionresourceid':
      return resourceIdOf(args);
    case 'reference': {
      const module = moduleDeployment(show(first), scope);
      if (module !== undefined) return { outputs: moduleOutputs(module) };
      break;
    }
  }
  return `⟪${name}(${args.map(show).join(', ')})⟫`;
}

function parameterValue(name: string, scope: ArmScope): ArmValue {
  const passed = scope.parent === undefined ? undefined : (prop(scope.parent.deployment, 'properties', 'parameters', name) as Json | undefined);
  if (passed !== undefined && 'value' in passed) return evaluateJson(passed['value'], scope.parent!.scope);
  const declared = scope.template.parameters?.[name];
  if (declared === undefined) throw new Error(`no parameter ${name}`);
  return 'defaultValue' in declared ? evaluateJson(declared['defaultValue'], scope) : `⟪parameters('${name}')⟫`;
}

/** `Microsoft.EventHub/namespaces/eventhubs` + [ns, hub] -> `Microsoft.EventHub/namespaces/ns/eventhubs/hub`. */
function resourceIdOf(args: ArmValue[]): string {
  const typeAt = args.findIndex((arg) => typeof arg === 'string' && /^[A-Za-z]+\.[\w.]+\/\w/.test(arg));
  const [provider, ...types] = show(args[typeAt] ?? null).split('/');
  const names = args.slice(typeAt + 1).map(show);
  if (typeAt < 0 || names.length !== types.length) throw new Error(`resourceId(${args.map(show).join(', ')}): unexpected arguments`);
  return [provider, ...types.flatMap((type, i) => [type, names[i]])].join('/');
}

function childScopes(scope: ArmScope): ArmScope[] {
  return resourcesOf(scope.template)
    .filter((r) => r.type === 'Microsoft.Resources/deployments' && prop(r, 'properties', 'template') !== undefined)
    .map((deployment) => ({ template: prop(deployment, 'properties', 'template') as ArmTemplate, parent: { scope, deployment } }));
}

function allScopes(scope: ArmScope): ArmScope[] {
  return [scope, ...childScopes(scope).flatMap(allScopes)];
}

/** The module a `reference(resourceId('Microsoft.Resources/deployments', name))` names, if any. */
function moduleDeployment(id: string, scope: ArmScope): ArmScope | undefined {
  const prefix = 'Microsoft.Resources/deployments/';
  if (!id.startsWith(prefix)) return undefined;
  return childScopes(scope).find((child) => evaluateJson(child.parent!.deployment.name, scope) === id.slice(prefix.length));
}

function moduleOutputs(module: ArmScope): Record<string, ArmValue> {
  return Object.fromEntries(
    Object.entries(module.template.outputs ?? {})
      .filter(([, output]) => 'value' in output)
      .map(([name, output]) => [name, { value: evaluateJson(output['value'], module) }]),
  );
}

/** One scope per instance of a resource (copy loops expanded). */
function instancesOf(resource: ArmResource, scope: ArmScope): ArmScope[] {
  const copy = resource['copy'] as Json | undefined;
  if (copy === undefined) return [scope];
  const count = evaluateJson(copy['count'], scope);
  if (typeof count !== 'number') throw new Error(`copy count of ${String(resource.name)} is not a number`);
  return Array.from({ length: count }, (_, copyIndex) => ({ ...scope, copyIndex }));
}

const resourceIdOfResource = (resource: ArmResource, scope: ArmScope): string =>
  resourceIdOf([resource.type, ...show(evaluateJson(resource.name, scope)).split('/')]);

// ---- what the deployment gives the Event Hub triggers -------------------------------------------------

const eventHubsRoles = {
  dataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde',
  dataSender: '2b629674-e913-4c01-ae53-ef4638d8f975',
} as const;

interface DeployedEventHub {
  id: string;
  namespaceId: string;
  name: string;
  consumerGroups: string[];
}

interface DeployedRoleAssignment {
  roleDefinitionId: string;
  scope: string;
}

interface EventHubsDeployment {
  /** The Function App's settings, with main.bicep's parameter defaults. */
  settings: Record<string, string>;
  hubs: DeployedEventHub[];
  /** Role assignments of the Function App's own identity. */
  appRoleAssignments: DeployedRoleAssignment[];
  /** Whether an evaluated value is the Function App's own principal id. */
  isAppPrincipalId: (value: ArmValue) => boolean;
}

function readEventHubsDeployment(main: ArmTemplate): EventHubsDeployment {
  const instances = allScopes({ template: main }).flatMap((scope) =>
    resourcesOf(scope.template).flatMap((resource) => instancesOf(resource, scope).map((instance) => ({ resource, scope: instance }))),
  );
  const ofType = (type: string) => instances.filter((i) => i.resource.type.toLowerCase() === type.toLowerCase());

  const [settingsResource, ...otherSettings] = ofType('Microsoft.Web/sites/config');
  const [site, ...otherSites] = ofType('Microsoft.Web/sites');
  if (settingsResource === undefined || site === undefined || otherSettings.length + otherSites.length > 0) throw new Error('expected one site and one appsettings resource');
  const settings = evaluateJson(settingsResource.resource.properties, settingsResource.scope) as Record<string, ArmValue>;

  const hubs = ofType('Microsoft.EventHub/namespaces/eventhubs').map(({ resource, scope }): DeployedEventHub => {
    const id = resourceIdOfResource(resource, scope);
    return { id, namespaceId: id.split('/eventhubs/')[0]!, name: id.split('/').pop()!, consumerGroups: [] };
  });
  for (const { resource, scope } of ofType('Microsoft.EventHub/namespaces/eventhubs/consumergroups')) {
    const id = resourceIdOfResource(resource, scope);
    hubs.find((hub) => id.startsWith(`${hub.id}/consumergroups/`))?.consumerGroups.push(id.split('/').pop()!);
  }

  // The app's identity, as the functionApp module's principalId output spells it: reference(<site id>, ..., 'full').identity.principalId.
  const siteId = resourceIdOfResource(site.resource, site.scope);
  const isAppIdentity = (principalId: ArmValue): boolean =>
    typeof principalId === 'string' && principalId.startsWith(`⟪reference(${siteId}, `) && principalId.endsWith('.identity.principalId');
  const appRoleAssignments = ofType('Microsoft.Authorization/roleAssignments')
    .filter(({ resource, scope }) => isAppIdentity(evaluateJson(prop(resource, 'properties', 'principalId'), scope)))
    .map(({ resource, scope }) => ({
      roleDefinitionId: show(evaluateJson(prop(resource, 'properties', 'roleDefinitionId'), scope)),
      scope: resource['scope'] === undefined ? 'resourceGroup' : show(evaluateJson(resource['scope'], scope)),
    }));

  return {
    settings: Object.fromEntries(Object.entries(settings).map(([name, value]) => [name, show(value)])),
    hubs,
    appRoleAssignments,
    isAppPrincipalId: isAppIdentity,
  };
}

type EventHubTriggerBinding = Pick<EventHubFunctionOptions, 'eventHubName' | 'consumerGroup' | 'connection'>;

/** What is wrong between an Event Hub trigger's binding and the deployment; empty when the trigger can run. */
function eventHubTriggerProblems(binding: EventHubTriggerBinding, deployment: EventHubsDeployment): string[] {
  const problems: string[] = [];
  const resolve = (expression: string): string | undefined => {
    try {
      return resolveBindingExpression(expression, deployment.settings);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };
  const hubName = resolve(binding.eventHubName);
  const consumerGroup = resolve(binding.consumerGroup ?? '$Default');
  const hub = deployment.hubs.find((h) => h.name === hubName);
  if (hubName !== undefined && hub === undefined) {
    problems.push(`hub "${hubName}" is not deployed (deployed: ${deployment.hubs.map((h) => h.name).join(', ')})`);
  }
  if (hub !== undefined && consumerGroup !== undefined && !hub.consumerGroups.includes(consumerGroup)) {
    problems.push(`consumer group "${consumerGroup}" is not deployed on hub "${hub.name}" (deployed: ${hub.consumerGroups.join(', ')})`);
  }
  const namespaceSetting = `${binding.connection}__fullyQualifiedNamespace`;
  const namespace = deployment.settings[namespaceSetting];
  if (namespace === undefined || namespace === '') problems.push(`app setting ${namespaceSetting} is not set`);
  // Unknown before deployment, but derived from the namespace resource: it must be the hub's namespace.
  else if (hub !== undefined && !namespace.includes(hub.namespaceId)) problems.push(`app setting ${namespaceSetting} is not the host name of hub "${hub.name}"'s namespace`);
  const credentialSetting = `${binding.connection}__credential`;
  if (deployment.settings[credentialSetting] !== 'managedidentity') problems.push(`app setting ${credentialSetting} is not "managedidentity"`);
  const canReceive = deployment.appRoleAssignments.some(
    (a) => a.roleDefinitionId.endsWith(`/${eventHubsRoles.dataReceiver}`) && hub !== undefined && (a.scope === hub.id || a.scope === hub.namespaceId),
  );
  if (hub !== undefined && !canReceive) problems.push(`the app identity has no Azure Event Hubs Data Receiver role on hub "${hub.name}" or its namespace`);
  return problems;
}

/**
 * What is wrong with a timer trigger's schedule once its %SETTING%s are resolved; undefined when the host
 * can use it. Flex Consumption takes NCRONTAB only (six fields, seconds first), not a TimeSpan.
 */
function timerScheduleProblem(schedule: string, settings: Readonly<Record<string, string>>): string | undefined {
  let resolved: string;
  try {
    resolved = resolveBindingExpression(schedule, settings);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return /^\S+(?:\s+\S+){5}$/.test(resolved) ? undefined : `schedule "${resolved}" is not an NCRONTAB expression of six fields`;
}

// ---- the tests ---------------------------------------------------------------------------------------

/**
 * The compiler, installed on first use when it is missing (NuGet through `dotnet`, as CI does). Where it
 * cannot be installed (no dotnet, no NuGet), the checks are skipped with the way to install it, except in
 * CI (`CI=true`), where a missing compiler fails the run.
 */
function findOrInstallBicep(): string | undefined {
  const found = findBicep();
  if (found !== undefined) return found;
  const install = spawnSync('bash', [join(infraDir, 'tools', 'install-bicep.sh')], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  return install.status === 0 ? findBicep() : undefined;
}

const bicep = findOrInstallBicep();

if (bicep === undefined) {
  const missing = `No Bicep compiler found (BICEP_PATH, PATH, infra/tools/packages) and installing it failed. ${installHint}`;
  describe('infra (Bicep)', () => {
    if (process.env['CI'] === 'true') {
      it('when the tests start in CI, then a Bicep compiler is found or installed', () => {
        throw new Error(missing);
      });
    } else {
      // Outside CI a developer without dotnet can still run the rest of the tests; the reason is printed.
      console.warn(`infra tests skipped: ${missing}`);
      it.skip(`when a Bicep compiler is available, then every Bicep file builds, lints clean and matches the code (${installHint})`, () => undefined);
    }
  });
} else {
  describeWithBicep(bicep);
}

function describeWithBicep(bicepPath: string): void {
  const bicepFiles = listBicepFiles(infraDir).sort();
  let outDir = '';
  let buildOutput = '';
  let lintOutput = '';
  const compiled = (file: string): ArmTemplate =>
    JSON.parse(readFileSync(join(outDir, relative(infraDir, file).replace(/\.bicep$/, '.json')), 'utf8')) as ArmTemplate;
  // Loaded in the tests, not here: a function file that fails to load fails those tests, not the whole file.
  let loadedFunctions: FunctionDefinition[] | undefined;
  const functionDefinitions = (): FunctionDefinition[] => (loadedFunctions ??= loadFunctionDefinitions());

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'argus-bicep-'));
    const build = runBicep(bicepPath, ['build', '--pattern', 'infra/**/*.bicep', '--outdir', outDir]);
    buildOutput = build.output;
    if (build.status !== 0) throw new Error(`bicep build failed:\n${build.output}`);
    const lint = runBicep(bicepPath, ['lint', '--pattern', 'infra/**/*.bicep']);
    lintOutput = lint.output;
    if (lint.status !== 0 && problemsIn(lint.output).length === 0) throw new Error(`bicep lint failed:\n${lint.output}`);
  }, 180_000);

  afterAll(() => {
    if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
  });

  describe('infra: compile and lint', () => {
    it('when infra/ is listed, then it holds main.bicep and the modules the issue names', () => {
      const names = bicepFiles.map((f) => relative(infraDir, f));
      for (const expected of ['main.bicep', 'modules/aksAuditStreaming.bicep', 'modules/aksAuditPolicy.bicep', 'modules/cosmos.bicep', 'modules/functionApp.bicep', 'modules/keyVault.bicep']) {
        expect(names).toContain(expected);
      }
    });

    it('when every .bicep file is built, then each compiles with no warning or error', () => {
      expect(problemsIn(buildOutput)).toEqual([]);
      for (const file of bicepFiles) expect(resourcesOf(compiled(file)).length).toBeGreaterThan(0);
    });

    it('when every .bicep file is linted, then there is no warning or error', () => {
      expect(problemsIn(lintOutput)).toEqual([]);
    });

    it('when a file breaks a rule bicepconfig.json raises, then the lint check sees it (the check can fail)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'argus-bicep-bad-'));
      try {
        copyFileSync(join(infraDir, 'bicepconfig.json'), join(dir, 'bicepconfig.json'));
        writeFileSync(join(dir, 'bad.bicep'), "@description('Never used.')\nparam unused string\n");
        const lint = runBicep(bicepPath, ['lint', join(dir, 'bad.bicep')]);
        expect(problemsIn(lint.output).join('\n')).toMatch(/Error no-unused-params/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('when main.bicepparam is built with the required environment, then it compiles clean and its fallbacks are main.bicep\'s defaults', () => {
      const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ARGUS_')));
      const run = runBicep(bicepPath, ['build-params', '--stdout', 'infra/main.bicepparam'], { ...environment, ARGUS_AUTH_AUDIENCE: 'api://argus-test' });
      expect(problemsIn(run.output)).toEqual([]);
      expect(run.status).toBe(0);
      const parameters = JSON.parse((JSON.parse(run.output) as { parametersJson: string }).parametersJson) as { parameters: Record<string, { value: unknown }> };
      expect(parameters.parameters['authAudience']?.value).toBe('api://argus-test');
      const defaults = compiled(join(infraDir, 'main.bicep')).parameters ?? {};
      const withDefault = Object.entries(parameters.parameters).filter(([name]) => defaults[name] !== undefined && 'defaultValue' in defaults[name]);
      expect(withDefault.map(([name]) => name)).toEqual(expect.arrayContaining([...integerSettingParameters.map(([, parameter]) => parameter), 'simulationSchedule']));
      for (const [name, { value }] of withDefault) expect([name, value]).toEqual([name, defaults[name]?.['defaultValue']]);
    });

    it('when a parameter is declared, then it has a description', () => {
      for (const file of bicepFiles) {
        for (const [name, parameter] of Object.entries(compiled(file).parameters ?? {})) {
          expect([relative(infraDir, file), name, prop(parameter, 'metadata', 'description')]).toEqual([relative(infraDir, file), name, expect.any(String)]);
        }
      }
    });

    it('when a file is read, then it uses no registry module (br:)', () => {
      for (const file of bicepFiles) {
        const source = readFileSync(file, 'utf8');
        expect([file, /['"]br[:/]/.test(source)]).toEqual([file, false]);
      }
    });
  });

  describe('infra: matches the code', () => {
    it('when the Cosmos DB containers are compared with shared/store/containers.ts, then ids, partition keys, indexing policies and time-to-live are equal', () => {
      const { resource, template } = single(compiled(join(infraDir, 'main.bicep')), 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
      // The container resource is a loop over the `containers` variable.
      expect(JSON.stringify(resource)).toContain("variables('containers')");
      const deployed = template.variables?.['containers'] as { id: string; partitionKey: { paths: string[] }; indexingPolicy?: unknown; defaultTtl?: number }[];
      expect(deployed.map((c) => c.id)).toEqual(containerDefinitions.map((c) => c.id));
      for (const definition of containerDefinitions) {
        const match = deployed.find((c) => c.id === definition.id);
        expect([definition.id, match?.partitionKey.paths]).toEqual([definition.id, [...definition.partitionKey.paths]]);
        const indexingPolicy = 'indexingPolicy' in definition ? definition.indexingPolicy : undefined;
        expect([definition.id, match?.indexingPolicy]).toEqual([definition.id, indexingPolicy]);
        const defaultTtl = 'defaultTtl' in definition ? definition.defaultTtl : undefined;
        expect([definition.id, match?.defaultTtl]).toEqual([definition.id, defaultTtl]);
      }
      expect(prop(resource, 'properties', 'resource', 'defaultTtl')).toBeDefined();
      expect(prop(resource, 'properties', 'resource', 'partitionKey', 'kind')).toBe('Hash');
    });

    it('when the app settings are compared with shared/config.ts, then every setting it reads is set or deliberately unset, and nothing else is', () => {
      const { resource } = single(compiled(join(infraDir, 'main.bicep')), 'Microsoft.Web/sites/config');
      expect(resource.name).toMatch(/appsettings/);
      const deployed = Object.keys(resource.properties ?? {}).sort();
      const read = settingsReadByConfig();
      expect(read).toEqual(expect.arrayContaining(['ARGUS_ENVIRONMENT', 'COSMOS__accountEndpoint', 'AUTH_TENANT_ID', 'AUTH_AUDIENCE', 'AUDIT_EVENTHUB_NAME']));
      expect(read.filter((name) => !deployed.includes(name) && !(name in deliberatelyUnset))).toEqual([]);
      // The allow-list stays honest: nothing in it is deployed, everything in it is still read.
      expect(Object.keys(deliberatelyUnset).filter((name) => deployed.includes(name) || !read.includes(name))).toEqual([]);
      expect(deployed.filter((name) => !read.includes(name) && !hostSettings.includes(name))).toEqual([]);
      expect(resource.properties?.['ARGUS_ENVIRONMENT']).toBe('production');
      expect(deployed).not.toContain('FUNCTIONS_WORKER_RUNTIME');
      expect(JSON.stringify(resource.properties)).not.toMatch(/listKeys|listConnectionStrings|AccountKey=/i);
    });

    it('when the hubs are compared with the code, then every hub has config.ts\'s default name and its consumer group exists', () => {
      const main = compiled(join(infraDir, 'main.bicep'));
      const defaults = bindingExpressionSettings(configWith());
      expect(prop(main.parameters, 'auditEventHubName', 'defaultValue')).toBe(defaults['AUDIT_EVENTHUB_NAME']);
      const { hubs } = readEventHubsDeployment(main);
      expect(hubs.map((hub) => [hub.name, hub.consumerGroups]).sort()).toEqual(
        [
          [defaults['AUDIT_EVENTHUB_NAME'], [defaults['AUDIT_EVENTHUB_CONSUMER_GROUP']]],
          [defaults['NODE_EVENTHUB_NAME'], [defaults['NODE_EVENTHUB_CONSUMER_GROUP']]],
          [defaults['ALERT_EVENTS_EVENTHUB_NAME'], [defaults['ALERT_EVENTS_CONSUMER_GROUP']]],
        ].sort(),
      );
      const rule = single(main, 'Microsoft.EventHub/namespaces/authorizationRules').resource;
      expect(prop(rule, 'properties', 'rights')).toEqual(['Send']);
    });

    it('when the settings bindings name (%SETTING%) are resolved with main.bicep\'s defaults, then each is deployed with config.ts\'s default', () => {
      const { settings } = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      const defaults = bindingExpressionSettings(configWith());
      expect(Object.keys(defaults)).toEqual(
        expect.arrayContaining([
          'AUDIT_EVENTHUB_NAME',
          'AUDIT_EVENTHUB_CONSUMER_GROUP',
          'NODE_EVENTHUB_NAME',
          'NODE_EVENTHUB_CONSUMER_GROUP',
          'ALERT_EVENTS_EVENTHUB_NAME',
          'ALERT_EVENTS_CONSUMER_GROUP',
          'SIMULATION_SCHEDULE',
        ]),
      );
      expect(defaults).toMatchObject({
        AUDIT_EVENTHUB_CONSUMER_GROUP: 'argus-ingestion',
        NODE_EVENTHUB_NAME: 'node-events',
        NODE_EVENTHUB_CONSUMER_GROUP: 'argus-ingestion',
        ALERT_EVENTS_CONSUMER_GROUP: 'argus-export',
        SIMULATION_SCHEDULE: '0 0 */6 * * *',
      });
      for (const [setting, fallback] of Object.entries(defaults)) expect([setting, settings[setting]]).toEqual([setting, fallback]);
    });

    it('when the integer settings are resolved with main.bicep\'s defaults, then they are config.ts\'s defaults and the parameters take config.ts\'s range', () => {
      const main = compiled(join(infraDir, 'main.bicep'));
      const { settings } = readEventHubsDeployment(main);
      const defaults = configWith();
      for (const [setting, parameter] of integerSettingParameters) {
        const declared = main.parameters?.[parameter];
        const [min, max, fallback] = [declared?.['minValue'], declared?.['maxValue'], declared?.['defaultValue']];
        expect([parameter, typeof min, typeof max, typeof fallback]).toEqual([parameter, 'number', 'number', 'number']);
        const [low, high, value] = [Number(min), Number(max), Number(fallback)];
        // The range: config.ts accepts both bounds and refuses one step beyond each.
        expect([setting, configAccepts(setting, String(low)), configAccepts(setting, String(low - 1))]).toEqual([setting, true, false]);
        expect([setting, configAccepts(setting, String(high)), configAccepts(setting, String(high + 1))]).toEqual([setting, true, false]);
        // The default: setting main.bicep's default changes nothing, while another value does (so this can fail).
        expect([setting, configWith({ [setting]: String(value) })]).toEqual([setting, defaults]);
        expect([setting, configWith({ [setting]: String(value === high ? value - 1 : value + 1) })]).not.toEqual([setting, defaults]);
        expect([setting, settings[setting]]).toEqual([setting, String(value)]);
      }
      // Every integer setting the deployment sets from a parameter is in the list above.
      const integerSettings = Object.entries(settings).filter(([name, value]) => /^\d+$/.test(value) && settingsReadByConfig().includes(name)).map(([name]) => name);
      expect(integerSettings.sort()).toEqual(integerSettingParameters.map(([setting]) => setting).sort());
    });
  });

  describe('infra: Event Hub triggers', () => {
    /** The binding the audit ingestion declares (issue 4): the audit hub, its own consumer group, the EVENTHUB identity connection. */
    const auditIngestionBinding: EventHubTriggerBinding = {
      eventHubName: '%AUDIT_EVENTHUB_NAME%',
      consumerGroup: '%AUDIT_EVENTHUB_CONSUMER_GROUP%',
      connection: 'EVENTHUB',
    };
    /** The binding the node ingestion (ingestNodeEvents) declares: the node-events hub, its own consumer group, EVENTHUB. */
    const nodeIngestionBinding: EventHubTriggerBinding = {
      eventHubName: '%NODE_EVENTHUB_NAME%',
      consumerGroup: '%NODE_EVENTHUB_CONSUMER_GROUP%',
      connection: 'EVENTHUB',
    };
    /** The binding the push export (deliverAlertExports) declares: the alert-events hub, argus-export, EVENTHUB. */
    const alertExportBinding: EventHubTriggerBinding = {
      eventHubName: '%ALERT_EVENTS_EVENTHUB_NAME%',
      consumerGroup: '%ALERT_EVENTS_CONSUMER_GROUP%',
      connection: 'EVENTHUB',
    };
    const eventHubFunctions = (): EventHubFunctionDefinition[] =>
      functionDefinitions().filter((d): d is EventHubFunctionDefinition => d.kind === 'eventHub');

    it('when the functions are loaded, then the audit and node ingestions and the push export are among the Event Hub triggers, with the bindings checked below', () => {
      const byName = new Map(eventHubFunctions().map((d) => [d.name, d.options]));
      expect(byName.get('ingestAuditEvents')).toMatchObject(auditIngestionBinding);
      expect(byName.get('ingestNodeEvents')).toMatchObject(nodeIngestionBinding);
      expect(byName.get('deliverAlertExports')).toMatchObject(alertExportBinding);
    });

    it('when every Event Hub trigger is resolved against the deployed settings, then its hub, consumer group, identity connection and Data Receiver role are deployed', () => {
      const deployment = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      const checked = eventHubFunctions().map((d) => ({ function: d.name, problems: eventHubTriggerProblems(d.options, deployment) }));
      expect(checked).toEqual(checked.map((c) => ({ function: c.function, problems: [] })));
    });

    it('when the audit ingestion\'s binding is resolved, then the audit hub, argus-ingestion and the EVENTHUB identity connection are deployed', () => {
      const deployment = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      expect(eventHubTriggerProblems(auditIngestionBinding, deployment)).toEqual([]);
      expect(resolveBindingExpression(auditIngestionBinding.eventHubName, deployment.settings)).toBe('insights-logs-kube-audit');
      expect(resolveBindingExpression(auditIngestionBinding.consumerGroup!, deployment.settings)).toBe('argus-ingestion');
    });

    it('when the node ingestion\'s binding is resolved, then the node-events hub, argus-ingestion and the EVENTHUB identity connection are deployed', () => {
      const deployment = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      expect(eventHubTriggerProblems(nodeIngestionBinding, deployment)).toEqual([]);
      expect(resolveBindingExpression(nodeIngestionBinding.eventHubName, deployment.settings)).toBe('node-events');
      expect(resolveBindingExpression(nodeIngestionBinding.consumerGroup!, deployment.settings)).toBe('argus-ingestion');
    });

    it('when the push export\'s binding is resolved, then the alert-events hub, argus-export, the EVENTHUB identity connection and a Data Receiver role on the hub are deployed', () => {
      const deployment = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      expect(eventHubTriggerProblems(alertExportBinding, deployment)).toEqual([]);
      expect(resolveBindingExpression(alertExportBinding.eventHubName, deployment.settings)).toBe('alert-events');
      expect(resolveBindingExpression(alertExportBinding.consumerGroup!, deployment.settings)).toBe('argus-export');
    });

    it('when a binding names an undeployed setting, consumer group or connection, or a hub the app may not read, then each is reported (the check can fail)', () => {
      const deployment = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      expect(eventHubTriggerProblems({ ...auditIngestionBinding, eventHubName: '%NO_SUCH_SETTING%' }, deployment)).toEqual([
        expect.stringContaining('"NO_SUCH_SETTING", which is not set'),
      ]);
      expect(eventHubTriggerProblems({ ...auditIngestionBinding, eventHubName: 'no-such-hub' }, deployment)).toEqual([
        expect.stringContaining('hub "no-such-hub" is not deployed'),
      ]);
      expect(eventHubTriggerProblems({ ...auditIngestionBinding, consumerGroup: undefined }, deployment)).toEqual([
        expect.stringContaining('consumer group "$Default" is not deployed on hub "insights-logs-kube-audit"'),
      ]);
      expect(eventHubTriggerProblems({ ...auditIngestionBinding, connection: 'OTHER' }, deployment)).toEqual([
        'app setting OTHER__fullyQualifiedNamespace is not set',
        'app setting OTHER__credential is not "managedidentity"',
      ]);
      // Without its Data Receiver role on the alert-events hub (a Sender role is not enough), the export could not read it.
      const alertEventsHub = deployment.hubs.find((hub) => hub.name === 'alert-events');
      const withoutReceiver = {
        ...deployment,
        appRoleAssignments: deployment.appRoleAssignments.filter((a) => !(a.scope === alertEventsHub?.id && a.roleDefinitionId.endsWith(`/${eventHubsRoles.dataReceiver}`))),
      };
      expect(withoutReceiver.appRoleAssignments.length).toBe(deployment.appRoleAssignments.length - 1);
      expect(eventHubTriggerProblems(alertExportBinding, withoutReceiver)).toEqual([
        'the app identity has no Azure Event Hubs Data Receiver role on hub "alert-events" or its namespace',
      ]);
    });
  });

  describe('infra: timer triggers', () => {
    const timerFunctions = (): TimerFunctionDefinition[] => functionDefinitions().filter((d): d is TimerFunctionDefinition => d.kind === 'timer');

    it('when every timer trigger\'s schedule is resolved against the deployed settings, then it is an NCRONTAB of six fields', () => {
      const { settings } = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      const checked = timerFunctions().map((d) => ({ function: d.name, schedule: timerScheduleProblem(d.options.schedule, settings) }));
      expect(checked).toEqual(checked.map((c) => ({ function: c.function, schedule: undefined })));
    });

    it('when the scheduled simulation\'s %SIMULATION_SCHEDULE% is resolved, then it is deployed as config.ts\'s default, and an unset setting is reported (the check can fail)', () => {
      const { settings } = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      expect(timerScheduleProblem('%SIMULATION_SCHEDULE%', settings)).toBeUndefined();
      expect(resolveBindingExpression('%SIMULATION_SCHEDULE%', settings)).toBe(configWith().simulation.schedule);
      expect(timerScheduleProblem('%NO_SUCH_SCHEDULE%', settings)).toContain('"NO_SUCH_SCHEDULE", which is not set');
      expect(timerScheduleProblem('0 */5 * * *', settings)).toContain('six fields');
    });
  });

  describe('infra: secure settings', () => {
    it('when the Function App is compiled, then it is Flex Consumption, Node 22, HTTPS only, TLS 1.2, FTP off, with a managed identity', () => {
      const main = compiled(join(infraDir, 'main.bicep'));
      const plan = single(main, 'Microsoft.Web/serverfarms').resource;
      expect(prop(plan, 'sku', 'name')).toBe('FC1');
      const site = single(main, 'Microsoft.Web/sites').resource;
      expect(prop(site, 'identity', 'type')).toBe('SystemAssigned');
      expect(prop(site, 'properties', 'httpsOnly')).toBe(true);
      expect(prop(site, 'properties', 'siteConfig', 'minTlsVersion')).toBe('1.2');
      expect(prop(site, 'properties', 'siteConfig', 'ftpsState')).toBe('Disabled');
      expect(prop(site, 'properties', 'functionAppConfig', 'runtime')).toEqual({ name: 'node', version: '22' });
      expect(prop(site, 'properties', 'functionAppConfig', 'deployment', 'storage', 'authentication', 'type')).toBe('SystemAssignedIdentity');
      const basicAuth = resourcesOfType(main, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies').map((p) => prop(p.resource, 'properties', 'allow'));
      expect(basicAuth).toEqual([false, false]);
    });

    it('when the data stores are compiled, then Cosmos DB, storage and Application Insights refuse keys', () => {
      const main = compiled(join(infraDir, 'main.bicep'));
      expect(prop(single(main, 'Microsoft.DocumentDB/databaseAccounts').resource, 'properties', 'disableLocalAuth')).toBe(true);
      expect(prop(single(main, 'Microsoft.Storage/storageAccounts').resource, 'properties', 'allowSharedKeyAccess')).toBe(false);
      expect(prop(single(main, 'Microsoft.Insights/components').resource, 'properties', 'DisableLocalAuth')).toBe(true);
    });

    it('when the app identity\'s roles are compiled, then it has the Cosmos data contributor role and the Event Hubs, storage and metrics roles', () => {
      const main = compiled(join(infraDir, 'main.bicep'));
      const sql = single(main, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
      expect(JSON.stringify(sql.resource)).toContain("variables('cosmosDataContributorRoleId')");
      expect(sql.template.variables?.['cosmosDataContributorRoleId']).toBe('00000000-0000-0000-0000-000000000002');
      const roles = JSON.stringify(resourcesOfType(main, 'Microsoft.Authorization/roleAssignments').map((r) => r.template.variables));
      for (const role of ['a638d3c7-ab3a-418d-83e6-5f17a39d4fde', '2b629674-e913-4c01-ae53-ef4638d8f975', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', '3913510d-42f4-4e42-8a64-420c390055eb']) {
        expect(roles).toContain(role);
      }
    });

    it('when the app identity\'s Event Hubs roles are resolved, then it may receive from and send to the audit, node-events and alert-events hubs only, with nothing at namespace scope', () => {
      const deployment = readEventHubsDeployment(compiled(join(infraDir, 'main.bicep')));
      const hubId = (setting: string): string | undefined => deployment.hubs.find((hub) => hub.name === deployment.settings[setting])?.id;
      const [auditHub, nodeHub, alertEventsHub] = [hubId('AUDIT_EVENTHUB_NAME'), hubId('NODE_EVENTHUB_NAME'), hubId('ALERT_EVENTS_EVENTHUB_NAME')];
      expect([auditHub, nodeHub, alertEventsHub]).toEqual([
        expect.stringMatching(/\/eventhubs\/insights-logs-kube-audit$/),
        expect.stringMatching(/\/eventhubs\/node-events$/),
        expect.stringMatching(/\/eventhubs\/alert-events$/),
      ]);
      const eventHubAssignments = deployment.appRoleAssignments
        .filter((a) => a.scope.startsWith('Microsoft.EventHub/'))
        .map((a) => ({ role: a.roleDefinitionId.split('/').pop(), scope: a.scope }));
      // Audit hub: ingestAuditEvents reads, ingestAuditWebhook and the simulation send. Node-events hub:
      // ingestNodeEvents reads, ingestNodeWebhook and the simulation send. Alert-events hub: the ingestion and
      // the status API send alert changes, deliverAlertExports reads them.
      expect(eventHubAssignments).toHaveLength(6);
      expect(eventHubAssignments).toEqual(
        expect.arrayContaining([
          { role: eventHubsRoles.dataReceiver, scope: auditHub },
          { role: eventHubsRoles.dataSender, scope: auditHub },
          { role: eventHubsRoles.dataReceiver, scope: nodeHub },
          { role: eventHubsRoles.dataSender, scope: nodeHub },
          { role: eventHubsRoles.dataReceiver, scope: alertEventsHub },
          { role: eventHubsRoles.dataSender, scope: alertEventsHub },
        ]),
      );
    });

    it('when the Key Vault is compiled, then it takes Azure RBAC only (no access policies), soft delete for 90 days, purge protection, and public network access as the other data stores', () => {
      const main = compiled(join(infraDir, 'main.bicep'));
      const vault = single(main, 'Microsoft.KeyVault/vaults').resource;
      expect(prop(vault, 'properties', 'enableRbacAuthorization')).toBe(true);
      expect(prop(vault, 'properties', 'accessPolicies') ?? []).toEqual([]);
      expect(prop(vault, 'properties', 'enableSoftDelete')).toBe(true);
      expect(prop(vault, 'properties', 'softDeleteRetentionInDays')).toBe(90);
      expect(prop(vault, 'properties', 'enablePurgeProtection')).toBe(true);
      expect(prop(vault, 'properties', 'enabledForTemplateDeployment')).toBe(false);
      const others = ['Microsoft.DocumentDB/databaseAccounts', 'Microsoft.Storage/storageAccounts', 'Microsoft.EventHub/namespaces'].map((type) => prop(single(main, type).resource, 'properties', 'publicNetworkAccess'));
      expect(new Set(others).size).toBe(1);
      expect(prop(vault, 'properties', 'publicNetworkAccess')).toBe(others[0]);
    });

    it('when the secrets key is compiled, then it is a non-exportable RSA key of 3072 bits or more for wrapKey and unwrapKey only, rotated by the vault before it expires', () => {
      const key = single(compiled(join(infraDir, 'main.bicep')), 'Microsoft.KeyVault/vaults/keys').resource;
      expect(prop(key, 'properties', 'kty')).toBe('RSA');
      expect(prop(key, 'properties', 'keySize')).toBeGreaterThanOrEqual(3072);
      expect(prop(key, 'properties', 'keyOps')).toEqual(['wrapKey', 'unwrapKey']);
      expect(prop(key, 'properties', 'attributes', 'exportable')).toBe(false);
      const policy = prop(key, 'properties', 'rotationPolicy') as { attributes?: { expiryTime?: string }; lifetimeActions?: { trigger: Record<string, string>; action: { type: string } }[] };
      expect(policy.attributes?.expiryTime).toMatch(/^P\d+[YMD]$/);
      const rotate = policy.lifetimeActions?.find((a) => a.action.type.toLowerCase() === 'rotate');
      expect(rotate?.trigger['timeBeforeExpiry'] ?? rotate?.trigger['timeAfterCreate']).toMatch(/^P\d+[YMD]$/);
    });

    it('when the app identity\'s Key Vault role is resolved, then it is Key Vault Crypto User on the secrets key alone, and SECRETS_KEY_ID is that key without a version', () => {
      const main = compiled(join(infraDir, 'main.bicep'));
      const deployment = readEventHubsDeployment(main);
      const keyVaultAssignments = deployment.appRoleAssignments
        .filter((a) => a.scope.startsWith('Microsoft.KeyVault/'))
        .map((a) => ({ role: a.roleDefinitionId.split('/').pop(), scope: a.scope }));
      // Key Vault Crypto User: wrap, unwrap and read keys; no role on the vault itself, none that can export or delete.
      expect(keyVaultAssignments).toEqual([{ role: '12338af0-0e69-4776-bea7-57ae8d297424', scope: expect.stringMatching(/^Microsoft\.KeyVault\/vaults\/[^/]+\/keys\/argus-secrets-kek$/) as string }]);
      const key = resourcesOfType(main, 'Microsoft.KeyVault/vaults/keys')[0]!;
      const vaultScope = allScopes({ template: main }).find((scope) => scope.template === key.template)!;
      expect(keyVaultAssignments[0]?.scope).toBe(resourceIdOfResource(key.resource, vaultScope));
      // The setting is the key module's keyUri output (versionless), as shared/config.ts requires.
      expect(deployment.settings['SECRETS_KEY_ID']).toContain('keyUri');
      expect(deployment.settings['SECRETS_KEY_ID']).toContain(resourceIdOfResource(key.resource, vaultScope));
      expect(configAccepts('SECRETS_KEY_ID', 'https://kv-argus-test.vault.azure.net/keys/argus-secrets-kek')).toBe(true);
      expect(configAccepts('SECRETS_KEY_ID', 'https://kv-argus-test.vault.azure.net/keys/argus-secrets-kek/0123456789abcdef0123456789abcdef')).toBe(false);
    });

    it('when main.bicep\'s outputs are read, then FUNCTION_APP_PRINCIPAL_ID is the app identity (what a customer grants Data Sender on a push target hub)', () => {
      const main = compiled(join(infraDir, 'main.bicep'));
      const deployment = readEventHubsDeployment(main);
      const output = main.outputs?.['FUNCTION_APP_PRINCIPAL_ID'];
      expect(output?.['type']).toBe('string');
      expect(deployment.isAppPrincipalId(evaluateJson(output?.['value'], { template: main }))).toBe(true);
      expect(deployment.isAppPrincipalId(evaluateJson(main.outputs?.['COSMOS_ENDPOINT']?.['value'], { template: main }))).toBe(false);
    });

    it('when any template\'s outputs are read, then none holds a key, a connection string or a secure value', () => {
      for (const file of bicepFiles) {
        for (const template of allTemplates(compiled(file))) {
          for (const [name, output] of Object.entries(template.outputs ?? {})) {
            expect([name, String(output['type']).toLowerCase()]).not.toEqual([name, expect.stringMatching(/^secure/)]);
            expect([name, JSON.stringify(output)]).not.toEqual([name, expect.stringMatching(/list[A-Za-z]*\(|ConnectionString|primaryKey/i)]);
          }
        }
      }
    });
  });

  describe('infra: AKS audit streaming', () => {
    it('when the policy\'s deployment template is compared with aksAuditStreaming.bicep, then both create the same diagnostic setting', () => {
      const module = compiled(join(infraDir, 'modules', 'aksAuditStreaming.bicep'));
      const moduleSetting = single(module, 'Microsoft.Insights/diagnosticSettings').resource;
      const policy = single(compiled(join(infraDir, 'modules', 'aksAuditPolicy.bicep')), 'Microsoft.Authorization/policyDefinitions').resource;
      const rule = unescapeArm(prop(policy, 'properties', 'policyRule')) as Json;
      expect(prop(rule, 'if', 'allOf')).toContainEqual({ field: 'type', equals: 'Microsoft.ContainerService/managedClusters' });
      expect(prop(rule, 'then', 'details', 'type')).toBe('Microsoft.Insights/diagnosticSettings');
      const template = prop(rule, 'then', 'details', 'deployment', 'properties', 'template') as ArmTemplate;
      const [policySetting, ...others] = resourcesOf(template);
      expect(others).toEqual([]);
      expect(policySetting?.type).toBe(moduleSetting.type);
      expect(policySetting?.['apiVersion']).toBe(moduleSetting['apiVersion']);
      const normalized = renameParameters(moduleSetting.properties, { auditCategory: 'category', auditHubName: 'eventHubName' });
      expect(policySetting?.properties).toEqual(normalized);
      // The existence condition checks the same category, hub and rule the deployment sets.
      const existence = JSON.stringify(prop(rule, 'then', 'details', 'existenceCondition'));
      for (const parameter of ['category', 'eventHubName', 'eventHubAuthorizationRuleId']) expect(existence).toContain(`parameters('${parameter}')`);
    });

    it('when the category defaults are compared, then the module and the policy stream kube-audit-admin and allow kube-audit', () => {
      const module = compiled(join(infraDir, 'modules', 'aksAuditStreaming.bicep'));
      const policy = compiled(join(infraDir, 'modules', 'aksAuditPolicy.bicep'));
      for (const parameter of [module.parameters?.['auditCategory'], policy.parameters?.['auditCategory']]) {
        expect(parameter?.['defaultValue']).toBe('kube-audit-admin');
        expect(parameter?.['allowedValues']).toEqual(['kube-audit-admin', 'kube-audit']);
      }
      expect(prop(policy.parameters, 'effect', 'defaultValue')).toBe('DeployIfNotExists');
    });

    it('when the policy is compiled, then its assignment has a managed identity with the roles it needs', () => {
      const policy = compiled(join(infraDir, 'modules', 'aksAuditPolicy.bicep'));
      const assignment = single(policy, 'Microsoft.Authorization/policyAssignments').resource;
      expect(prop(assignment, 'identity', 'type')).toBe('SystemAssigned');
      const text = JSON.stringify(policy);
      expect(text).toContain('749f88d5-cbae-40b8-bcfc-e573ddc772fa'); // Monitoring Contributor
      expect(text).toContain('Microsoft.EventHub/namespaces/authorizationRules/listkeys/action');
      expect(resourcesOfType(policy, 'Microsoft.Authorization/roleAssignments')).toHaveLength(2);
    });
  });
}
