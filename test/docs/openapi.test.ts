import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { type HttpHandler } from '@azure/functions';
import { defaultFunctionsDirectory, loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { foldOccurrences } from '../../shared/alerts/foldOccurrences';
import { type Alert, AlertStatus } from '../../shared/alerts/alert';
import { ExportFormat } from '../../shared/alerts/export/exportFormat';
import { toExportedAlert } from '../../shared/alerts/export/exportedAlert';
import { OCSF_SCHEMA_VERSION, type OcsfDetectionFinding, toOcsfDetectionFinding } from '../../shared/alerts/export/ocsfFormat';
import { alertStatusActions } from '../../shared/alerts/changeAlertStatus';
import { SuppressionConditionField, SuppressionReason, SuppressionRuleState } from '../../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../../shared/auth/roles';
import { EntityType } from '../../shared/detection/entities';
import { Intent, Severity } from '../../shared/detection/rule';
import { privilegedContainer } from '../../shared/detection/rules/audit/privileged-container';
import { TargetCircuitBreaker } from '../../shared/export/deliveryRetry';
import { deliverExportChanges } from '../../shared/export/deliverExportChanges';
import { type WebhookRequest } from '../../shared/export/deliverWebhook';
import {
  applyExportSettings,
  type EventHubTarget,
  type ExportSettings,
  ExportTargetKind,
  type ExportTargetView,
  parseExportSettingsBody,
  toExportSettingsView,
} from '../../shared/export/exportTargets';
import { type HttpFunctionDefinition } from '../../shared/functions/defineFunction';
import { alertChangedEventOf } from '../../shared/messaging/alertChangedEvents';
import { assessmentChangedEventOf } from '../../shared/messaging/assessmentChangedEvents';
import { incidentChangedEventOf } from '../../shared/messaging/incidentChangedEvents';
import { exampleCluster } from '../../shared/posture/exampleClusters';
import { type Assessment, type ClusterAssessmentResult, evaluateClusterChecks, nextAssessment } from '../../shared/posture/evaluateClusterChecks';
import { toAssessmentExportRecord } from '../../shared/posture/export/assessmentExportFormat';
import { AssessmentCategory } from '../../shared/posture/assessment';
import { clusterChecks } from '../../shared/posture/checks/cluster';
import { workloadControls } from '../../shared/posture/checks/workload';
import { judgeSimulationRun, type ExpectedArrival, type SimulationRun, SimulationStatus, SimulationTrigger, toSimulationView } from '../../shared/simulation/simulationRun';
import { type ExportDeadLetter } from '../../shared/store/exportDeadLetterStore';
import { type AuthorizeSubscriptionOptions } from '../../shared/http/authorizeSubscriptionRequest';
import { type PlanOnboarding, type PlanView } from '../../shared/store/planStore';
import { type RoleAssignment } from '../../shared/store/roleAssignmentStore';
import { type SuppressionRuleView } from '../../shared/store/suppressionRuleStore';
import { httpRequest, invocationContext } from '../support/httpRequests';
import { evaluate } from '../support/ruleHarness';
import { alertsFrom, escalationStoryEvents } from '../support/incidentFixtures';
import { correlateIncidents } from '../../shared/alerts/correlateIncidents';
import { reconcileIncidents } from '../../shared/alerts/reconcileIncidents';
import { type IncidentWithAlerts } from '../../functions/getIncident';

const documentPath = join(__dirname, '..', '..', 'docs', 'openapi.yaml');
const packageVersion = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/** The parts of an OpenAPI 3.0 document this test reads (after dereferencing: no `$ref` left). */
interface Schema {
  type?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: boolean | Schema;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}
interface Response {
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  operationId?: string;
  requestBody?: unknown;
  parameters?: Parameter[];
  responses: Record<string, Response>;
  security?: unknown[];
  'x-argus-minimum-role'?: unknown;
  'x-argus-no-role-status'?: unknown;
  'x-argus-operator-allowed'?: unknown;
}
type PathItem = Partial<Record<HttpVerb, Operation>> & { parameters?: Parameter[] };
interface OpenApiDocument {
  info: { title: string; version: string };
  servers?: { url: string }[];
  security?: Record<string, unknown>[];
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string; scheme?: string; bearerFormat?: string }> };
}

const HTTP_VERBS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
type HttpVerb = (typeof HTTP_VERBS)[number];

interface DocumentedOperation {
  key: string;
  path: string;
  verb: HttpVerb;
  operation: Operation;
  parameters: Parameter[];
}

function operationsOf(document: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_VERBS.flatMap((verb) => {
      const operation = item[verb];
      if (!operation) return [];
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])];
      return [{ key: `${verb.toUpperCase()} ${path}`, path, verb, operation, parameters }];
    }),
  );
}

/** `subscriptions/{subscriptionId:guid}/alerts/{alertId?}` -> `/subscriptions/{subscriptionId}/alerts/{alertId}`. */
function documentedPathOf(route: string): string {
  return `/${route.replace(/^\/+/, '').replace(/\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\??\}/g, '{$1}')}`;
}

function routeOperationsOf(definitions: readonly HttpFunctionDefinition[]): Map<string, string> {
  const operations = new Map<string, string>();
  for (const definition of definitions) {
    for (const method of definition.options.methods ?? []) {
      operations.set(`${method.toUpperCase()} ${documentedPathOf(definition.options.route)}`, definition.name);
    }
  }
  return operations;
}

function subscriptionOperationsOf(document: OpenApiDocument): DocumentedOperation[] {
  return operationsOf(document).filter(({ parameters }) => parameters.some((p) => p.in === 'path' && p.name === 'subscriptionId'));
}

function documentedOperationIds(document: OpenApiDocument): Map<string, string | undefined> {
  return new Map(operationsOf(document).map(({ key, operation }) => [key, operation.operationId]));
}

/**
 * What the parser leaves out for OpenAPI 3 (it checks the document against the OpenAPI JSON schema and
 * resolves every `$ref`, but not the rules between parts): unique operation ids, path templates and path
 * parameters that agree, and `required` naming properties that exist.
 */
function semanticProblemsOf(document: OpenApiDocument): string[] {
  const problems: string[] = [];
  const seenIds = new Map<string, string>();
  for (const { key, path, operation, parameters } of operationsOf(document)) {
    const id = operation.operationId;
    if (id === undefined) problems.push(`${key} has no operationId`);
    else if (seenIds.has(id)) problems.push(`${key} repeats the operationId ${id} of ${seenIds.get(id)}`);
    else seenIds.set(id, key);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
    const declared = parameters.filter((p) => p.in === 'path').map((p) => p.name).sort();
    if (JSON.stringify(templated) !== JSON.stringify(declared)) {
      problems.push(`${key} declares path parameters [${declared.join(', ')}] for the template [${templated.join(', ')}]`);
    }
    for (const parameter of parameters.filter((p) => p.in === 'path' && p.required !== true)) {
      problems.push(`${key}: path parameter ${parameter.name} must be required`);
    }
  }
  const visit = (schema: Schema | undefined, where: string, seen: Set<Schema>): void => {
    if (!schema || seen.has(schema)) return;
    seen.add(schema);
    for (const name of schema.required ?? []) {
      const inAllOf = schema.allOf?.some((part) => part.properties?.[name] !== undefined) ?? false;
      if (schema.properties?.[name] === undefined && !inAllOf) problems.push(`${where} requires ${name}, which it does not define`);
    }
    for (const [name, property] of Object.entries(schema.properties ?? {})) visit(property, `${where}.${name}`, seen);
    visit(schema.items, `${where}[]`, seen);
    if (typeof schema.additionalProperties === 'object') visit(schema.additionalProperties, `${where}{}`, seen);
    for (const part of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) visit(part, where, seen);
  };
  for (const [name, schema] of Object.entries(document.components.schemas)) visit(schema, name, new Set());
  return problems;
}

/** The properties of a schema, those of its `allOf` parts included. */
function flatPropertiesOf(schema: Schema | undefined): Record<string, Schema> {
  return Object.assign({}, ...(schema?.allOf ?? []).map(flatPropertiesOf), schema?.properties ?? {}) as Record<string, Schema>;
}

/** The required names of a schema, those of its `allOf` parts included. */
function flatRequiredOf(schema: Schema | undefined): string[] {
  return [...new Set([...(schema?.allOf ?? []).flatMap(flatRequiredOf), ...(schema?.required ?? [])])].sort();
}

/**
 * Where a real value disagrees with a (dereferenced) schema: a field the schema does not define (unless
 * `additionalProperties` allows it), a required field missing, a wrong JSON type, a value outside an
 * `enum`; `oneOf` holds when one alternative fits. Empty when the value conforms.
 */
function conformanceProblemsOf(value: unknown, schema: Schema | undefined, path = '$'): string[] {
  if (!schema) return [`${path}: no schema`];
  if (schema.oneOf || schema.anyOf) {
    const alternatives = (schema.oneOf ?? schema.anyOf)!.map((alternative) => conformanceProblemsOf(value, alternative, path));
    return alternatives.some((problems) => problems.length === 0) ? [] : [`${path}: fits no alternative (${alternatives.map((p) => p.join('; ')).join(' | ')})`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  const type = schema.type ?? (schema.properties || schema.allOf ? 'object' : undefined);
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value;
  if (type !== undefined && type !== actual && !(type === 'number' && actual === 'integer')) return [`${path}: a ${actual}, documented as ${type}`];
  if (Array.isArray(value)) return value.flatMap((item, index) => conformanceProblemsOf(item, schema.items, `${path}[${index}]`));
  if (actual !== 'object') return [];
  const record = value as Record<string, unknown>;
  const properties = flatPropertiesOf(schema);
  const problems = flatRequiredOf(schema).filter((name) => record[name] === undefined).map((name) => `${path}.${name}: required, missing`);
  for (const [name, field] of Object.entries(record)) {
    const property = properties[name] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (property) problems.push(...conformanceProblemsOf(field, property, `${path}.${name}`));
    else if (Object.keys(properties).length > 0 || schema.additionalProperties === false) problems.push(`${path}.${name}: not documented`);
  }
  return problems;
}

const AUTHORIZE_MODULE = '../../shared/http/authorizeSubscriptionRequest';

/**
 * The options a function's handler passes to the subscription gate, seen by calling the handler with the
 * gate replaced by one that records them and refuses; undefined when the handler does not use the gate.
 */
async function gateOptionsOf(name: string): Promise<AuthorizeSubscriptionOptions | undefined> {
  const calls: AuthorizeSubscriptionOptions[] = [];
  let handler: HttpHandler | undefined;
  jest.isolateModules(() => {
    jest.doMock(AUTHORIZE_MODULE, () => ({
      authorizeSubscriptionRequest: (_request: unknown, _context: unknown, options: AuthorizeSubscriptionOptions) => {
        calls.push(options);
        return Promise.resolve({ kind: 'rejected', response: { status: 401 } });
      },
    }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require(join(defaultFunctionsDirectory, name)) as Record<string, HttpHandler>)[name];
  });
  jest.dontMock(AUTHORIZE_MODULE);
  if (!handler) throw new Error(`functions/${name} does not export its handler as ${name}`);
  await handler(httpRequest('POST', '/api/gate-probe'), invocationContext(name));
  return calls[0];
}

/** Parses and fully validates a document; rejects with the parser's message when it is not valid OpenAPI. */
async function validated(document: string | object): Promise<OpenApiDocument> {
  const input = typeof document === 'string' ? document : (structuredClone(document) as never);
  const api = (await SwaggerParser.validate(input)) as unknown as OpenApiDocument;
  const problems = semanticProblemsOf(api);
  if (problems.length > 0) throw new Error(`OpenAPI document is inconsistent:\n${problems.join('\n')}`);
  return api;
}

/** An alert as the ingestion pipeline stores it: a rule's alerting example, folded with the position of the event it came from. */
/** The network-policy assessment of a default cluster, as the refresh first writes it. */
function sampleAssessment(subscriptionId: string): Assessment {
  const now = '2026-11-02T10:00:00.000Z';
  const cluster = exampleCluster({}, { id: `/subscriptions/${subscriptionId}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks-1`, name: 'aks-1' });
  const result = evaluateClusterChecks(cluster, { now }).find((candidate) => candidate.checkName === 'network-policy') as ClusterAssessmentResult;
  return nextAssessment(undefined, result, now) as Assessment;
}

function pipelineAlert(options: { simulated?: boolean } = {}): Alert {
  const example = privilegedContainer.examples.find((e) => e.expect === 'alert');
  const { findings } = evaluate([privilegedContainer], [example?.event]);
  const occurrences = findings.map((finding) => ({ finding, position: { stream: 'insights-logs-kube-audit/0', sequenceNumber: 7 }, simulated: options.simulated === true }));
  const alert = foldOccurrences(undefined, occurrences, { windowInMs: 3_600_000, now: new Date('2026-11-02T12:00:00Z'), suppressionRules: [] });
  if (alert === undefined) throw new Error('the example raised no alert');
  return alert;
}

describe('docs/openapi.yaml', () => {
  let raw: OpenApiDocument;
  let api: OpenApiDocument;
  let routes: Map<string, string>;

  beforeAll(async () => {
    raw = (await SwaggerParser.parse(documentPath)) as unknown as OpenApiDocument;
    api = await validated(documentPath);
    const definitions = loadFunctionDefinitions().filter((d): d is HttpFunctionDefinition => d.kind === 'http');
    routes = routeOperationsOf(definitions);
  });

  describe('validity', () => {
    it('when parsed by swagger-parser, then it is a valid OpenAPI 3.0 document with every $ref resolved', () => {
      expect(api.info.title).toBe('Argus API');
      expect(Object.keys(api.paths).length).toBeGreaterThan(0);
    });

    it('when a referenced schema is missing, then validation fails', async () => {
      const broken = structuredClone(raw);
      delete (broken.components.schemas as Record<string, unknown>)['Error'];
      await expect(validated(broken)).rejects.toThrow('#/components/schemas/Error');
    });

    it('when an operation has a field OpenAPI does not define, then validation fails', async () => {
      const broken = structuredClone(raw) as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
      broken.paths['/health']!['get']!['response'] = {};
      await expect(validated(broken)).rejects.toThrow();
    });

    it('when two operations share an operationId or a path parameter is undeclared, then validation fails', async () => {
      const duplicate = structuredClone(raw);
      duplicate.paths['/me']!.get!.operationId = 'health';
      await expect(validated(duplicate)).rejects.toThrow('repeats the operationId health');
      const undeclared = structuredClone(raw);
      undeclared.paths['/health/{probe}'] = undeclared.paths['/health']!;
      delete undeclared.paths['/health'];
      await expect(validated(undeclared)).rejects.toThrow('declares path parameters [] for the template [probe]');
    });

    it('when read, then its version is the package version, its server is /api and a bearer JWT scheme applies to everything', () => {
      expect(api.info.version).toBe(packageVersion);
      expect(api.servers?.map((s) => s.url)).toEqual(['/api']);
      const [schemeName, ...others] = Object.keys(api.components.securitySchemes);
      expect(others).toEqual([]);
      expect(api.components.securitySchemes[schemeName!]).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      expect(api.security).toEqual([{ [schemeName!]: [] }]);
    });
  });

  describe('agreement with functions/', () => {
    it('when the functions are loaded, then every HTTP route and method is documented with the function name as operationId', () => {
      const documented = documentedOperationIds(api);
      const missing = [...routes]
        .filter(([key, name]) => documented.get(key) !== name)
        .map(([key, name]) => `${key} (${name}): documented as ${documented.get(key) ?? 'nothing'}`);
      expect(missing).toEqual([]);
    });

    it('when the document is read, then every documented operation is served by a function', () => {
      const extra = [...documentedOperationIds(api).keys()].filter((key) => !routes.has(key));
      expect(extra).toEqual([]);
    });

    it('when an operation is anonymous, then it is only the health check', () => {
      const anonymous = operationsOf(api)
        .filter(({ operation }) => operation.security?.length === 0)
        .map(({ operation }) => operation.operationId);
      expect(anonymous).toEqual(['health']);
    });
  });

  describe('errors and roles', () => {
    it('when an operation is under a subscription, then it documents 400, 401, 403 and 503', () => {
      const operations = subscriptionOperationsOf(api);
      expect(operations.length).toBeGreaterThan(0);
      const lacking = operations.flatMap(({ key, operation }) =>
        ['400', '401', '403', '503'].filter((status) => !operation.responses[status]).map((status) => `${key}: ${status}`),
      );
      expect(lacking).toEqual([]);
    });

    it('when an operation takes a body, then it documents 400 and 413 (every body goes through the size-limited parser)', () => {
      const withBody = operationsOf(api).filter(({ operation }) => operation.requestBody !== undefined);
      expect(withBody.map(({ operation }) => operation.operationId)).toContain('updatePlan');
      const lacking = withBody.flatMap(({ key, operation }) => ['400', '413'].filter((status) => !operation.responses[status]).map((status) => `${key}: ${status}`));
      expect(lacking).toEqual([]);
    });

    it('when an operation reads, changes or deletes one resource, then it documents 404', () => {
      const single = operationsOf(api).filter(({ path, verb }) => verb !== 'post' && /\/\{[^}]+\}$/.test(path));
      expect(single.map(({ operation }) => operation.operationId)).toContain('getAlert');
      const lacking = single.filter(({ operation }) => !operation.responses['404']).map(({ key }) => key);
      expect(lacking).toEqual([]);
    });

    it('when an operation answers an error, then the body is the Error schema', () => {
      const errorSchema = api.components.schemas['Error'];
      const wrong = operationsOf(api)
        .filter(({ operation }) => operation.operationId !== 'health')
        .flatMap(({ key, operation }) =>
          Object.entries(operation.responses)
            .filter(([status]) => Number(status) >= 400)
            .filter(([, response]) => response.content?.['application/json']?.schema !== errorSchema)
            .map(([status]) => `${key}: ${status}`),
        );
      expect(wrong).toEqual([]);
    });

    it('when an operation is under a subscription, then it names its minimum role and how a caller without a role is refused', () => {
      const roles: unknown[] = Object.values(SubscriptionRole);
      const unnamed = subscriptionOperationsOf(api)
        .filter(({ operation }) => !roles.includes(operation['x-argus-minimum-role']) || ![403, 404].includes(Number(operation['x-argus-no-role-status'])))
        .map(({ key }) => key);
      expect(unnamed).toEqual([]);
    });

    it('when a caller without a role gets 404, then the operation documents 404, and a single-resource read is one of them', () => {
      const operations = subscriptionOperationsOf(api);
      const inconsistent = operations
        .filter(({ operation }) => operation['x-argus-no-role-status'] === 404 && !operation.responses['404'])
        .map(({ key }) => key);
      expect(inconsistent).toEqual([]);
      const getAlert = operations.find(({ operation }) => operation.operationId === 'getAlert');
      expect(getAlert?.operation['x-argus-no-role-status']).toBe(404);
    });
  });

  describe('roles against the code', () => {
    it('when each handler is called, then its gate options are the documented minimum role, no-role answer, operator access and rate limit (429)', async () => {
      const operations = subscriptionOperationsOf(api);
      expect(operations.length).toBeGreaterThan(0);
      const mismatches: string[] = [];
      for (const { key, operation } of operations) {
        const options = await gateOptionsOf(operation.operationId ?? '');
        if (!options) {
          mismatches.push(`${key}: the handler does not call authorizeSubscriptionRequest`);
          continue;
        }
        const documented = {
          minimumRole: operation['x-argus-minimum-role'],
          noRoleStatus: operation['x-argus-no-role-status'],
          operatorAllowed: operation['x-argus-operator-allowed'] ?? false,
          rateLimited: operation.responses['429'] !== undefined,
        };
        const actual = {
          minimumRole: options.minimumRole,
          noRoleStatus: options.target === 'single' ? 404 : 403,
          operatorAllowed: options.allowOperator ?? false,
          rateLimited: options.rateLimit !== undefined,
        };
        if (JSON.stringify(documented) !== JSON.stringify(actual)) {
          mismatches.push(`${key}: documented ${JSON.stringify(documented)}, code ${JSON.stringify(actual)}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  });

  describe('schemas', () => {
    const enumOf = (name: string): unknown[] | undefined => api.components.schemas[name]?.enum;
    const propertiesOf = (schema: Schema | undefined): string[] => Object.keys(schema?.properties ?? {}).sort();

    it('when compared with the code, then the enums are the code constants', () => {
      expect(enumOf('Severity')).toEqual(Object.values(Severity));
      expect(enumOf('Intent')).toEqual(Object.values(Intent));
      expect(enumOf('AlertStatus')).toEqual(Object.values(AlertStatus));
      expect(enumOf('SubscriptionRole')).toEqual(Object.values(SubscriptionRole));
      expect(api.components.schemas['AlertEntity']?.properties?.['type']?.enum).toEqual(Object.values(EntityType));
      expect(enumOf('SuppressionReason')).toEqual(Object.values(SuppressionReason));
      expect(enumOf('SuppressionRuleState')).toEqual(Object.values(SuppressionRuleState));
      expect(enumOf('SuppressionConditionField')).toEqual(Object.values(SuppressionConditionField));
      const actionPath = api.paths['/subscriptions/{subscriptionId}/alerts/{alertId}/{action}'];
      const action = actionPath?.parameters?.find((p) => p.name === 'action') as { schema?: Schema } | undefined;
      expect(action?.schema?.enum).toEqual(Object.keys(alertStatusActions));
    });

    it('when the response types are filled in completely, then the schemas define exactly their fields', () => {
      const by = { principalId: '7f3c9a1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b', principalName: 'Dana' };
      const time = '2026-11-02T10:00:00.000Z';
      // Required<...> makes the compiler demand every field of each type here: a new field fails to compile until it is added here and documented.
      const roleAssignment: Required<RoleAssignment> = {
        id: by.principalId, subscriptionId: '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4', principalId: by.principalId, role: 'Owner',
        principalName: 'Dana', createdAtUtc: time, createdBy: by, updatedAtUtc: time,
      };
      const onboarding: Required<PlanOnboarding> = {
        eventHubName: 'insights-logs-kube-audit', eventHubNamespace: 'argus.servicebus.windows.net',
        diagnosticCategories: [{ category: 'kube-audit-admin', recommended: true, description: '...' }], azureCliCommand: 'az ...',
        clusterConfigurationAccess: { description: '...', azureCliCommands: ['az ...'] },
      };
      const plan: Required<PlanView> = {
        subscriptionId: roleAssignment.subscriptionId, enabled: true, enabledAtUtc: time, disabledAtUtc: time, scheduledSimulation: true, updatedAtUtc: time, updatedBy: by,
        onboarding,
      };
      const rule: Required<SuppressionRuleView> = {
        subscriptionId: roleAssignment.subscriptionId, name: 'ci-runner', alertType: '*', reason: 'ExpectedActivity', comment: '', state: 'Enabled',
        expirationDateUtc: time, conditions: [{ field: 'namespace', in: ['ci'] }], createdAtUtc: time, createdBy: by, updatedAtUtc: time, updatedBy: by,
      };
      const schemas = api.components.schemas;
      expect(propertiesOf(schemas['RoleAssignment'])).toEqual(Object.keys(roleAssignment).sort());
      expect(propertiesOf(schemas['Plan'])).toEqual(Object.keys(plan).sort());
      expect(propertiesOf(schemas['PlanOnboarding'])).toEqual(Object.keys(onboarding).sort());
      const { subscriptionId: _planSubscription, enabledAtUtc: _e, disabledAtUtc: _d, updatedAtUtc: _pu, updatedBy: _pb, onboarding: _o, ...planWritable } = plan;
      expect(propertiesOf(schemas['PlanUpdate'])).toEqual(Object.keys(planWritable).sort());
      const category = schemas['PlanOnboarding']?.properties?.['diagnosticCategories']?.items;
      expect(propertiesOf(category)).toEqual(Object.keys(onboarding.diagnosticCategories[0]!).sort());
      expect(propertiesOf(schemas['SuppressionRule'])).toEqual(Object.keys(rule).sort());
      const { name: _name, subscriptionId: _subscriptionId, createdAtUtc: _c, createdBy: _cb, updatedAtUtc: _u, updatedBy: _ub, ...writable } = rule;
      expect(propertiesOf(schemas['SuppressionRuleRequest'])).toEqual(Object.keys(writable).sort());
    });

    it('when an alert is built by the pipeline, then the Alert schema defines exactly its fields and requires those always present', () => {
      const alert = pipelineAlert();
      const schema = api.components.schemas['Alert']!;
      expect(Object.keys(flatPropertiesOf(schema)).sort()).toEqual(Object.keys(alert).sort());
      // Only what the pipeline adds to alerts of its own (`ingestedThrough`) is optional.
      const alwaysPresent = Object.keys(alert).filter((key) => key !== 'ingestedThrough');
      expect(flatRequiredOf(schema)).toEqual(alwaysPresent.sort());
      const entityProperties = Object.keys(api.components.schemas['AlertEntity']?.properties ?? {});
      const undocumented = alert.entities.flatMap((entity) => Object.keys(entity).filter((key) => !entityProperties.includes(key)));
      expect(undocumented).toEqual([]);
      expect(conformanceProblemsOf(alert, schema)).toEqual([]);
    });

    it('when a simulated alert is built, then it conforms with its sample display name and isSimulated', () => {
      const alert = pipelineAlert({ simulated: true });
      expect(alert.isSimulated).toBe(true);
      expect(alert.alertDisplayName).toMatch(/^\[Sample alert\] /);
      expect(conformanceProblemsOf(alert, api.components.schemas['Alert'])).toEqual([]);
    });

    it('when a conforming value gains an undocumented field or loses a required one, then the conformance check says so', () => {
      const alert = pipelineAlert();
      const schema = api.components.schemas['Alert'];
      expect(conformanceProblemsOf({ ...alert, surprise: 1 }, schema)).toEqual(['$.surprise: not documented']);
      const { version: _version, ...withoutVersion } = alert;
      expect(conformanceProblemsOf(withoutVersion, schema)).toEqual(['$.version: required, missing']);
      expect(conformanceProblemsOf({ ...alert, severity: 'Critical' }, schema)).toEqual(['$.severity: "Critical" is not one of ["High","Medium","Low","Informational"]']);
    });

    it('when an incident is correlated from real alerts, then Incident and IncidentWithAlerts define exactly its fields and the actions are the alert actions', () => {
      const alerts = alertsFrom(escalationStoryEvents());
      const [incident] = reconcileIncidents([], correlateIncidents(alerts), new Date('2026-11-02T12:05:00Z'));
      if (incident === undefined) throw new Error('the story formed no incident');
      const schema = api.components.schemas['Incident'];
      const merged = { ...incident, correlationState: 'merged' as const, mergedIntoIncidentId: 'f'.repeat(32) };
      // Only `mergedIntoIncidentId`, set when the incident was merged into another, is optional.
      expect(Object.keys(flatPropertiesOf(schema)).sort()).toEqual(Object.keys(merged).sort());
      expect(flatRequiredOf(schema)).toEqual(Object.keys(incident).sort());
      expect(conformanceProblemsOf(incident, schema)).toEqual([]);
      expect(conformanceProblemsOf(merged, schema)).toEqual([]);
      const withAlerts: IncidentWithAlerts = { ...incident, alerts, missingAlertIds: ['0123456789abcdef0123456789abcdef'] };
      expect(conformanceProblemsOf(withAlerts, api.components.schemas['IncidentWithAlerts'])).toEqual([]);
      expect(conformanceProblemsOf({ ...incident, correlationState: 'open' }, schema)).toEqual(['$.correlationState: "open" is not one of ["current","merged","dissolved"]']);
      const actionPath = api.paths['/subscriptions/{subscriptionId}/incidents/{incidentId}/{action}'];
      const action = actionPath?.parameters?.find((p) => p.name === 'action') as { schema?: Schema } | undefined;
      expect(action?.schema?.enum).toEqual(Object.keys(alertStatusActions));
    });
  });

  describe('export, simulation and health schemas', () => {
    const by = { principalId: '7f3c9a1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b', principalName: 'Ada' };
    const subscriptionId = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';
    const time = '2026-11-02T10:00:00.000Z';
    const schema = (name: string): Schema | undefined => api.components.schemas[name];
    const propertiesOf = (part: Schema | undefined): string[] => Object.keys(flatPropertiesOf(part)).sort();

    it('when compared with the code, then the export and simulation enums are the code constants', () => {
      expect(schema('ExportFormat')?.enum).toEqual(Object.values(ExportFormat));
      expect(schema('ExportTargetKind')?.enum).toEqual(Object.values(ExportTargetKind));
      expect(schema('SimulationStatus')?.enum).toEqual(Object.values(SimulationStatus));
      expect(schema('SimulationTrigger')?.enum).toEqual(Object.values(SimulationTrigger));
      expect(schema('ExportPage')?.properties?.['ocsfSchemaVersion']?.enum).toEqual([OCSF_SCHEMA_VERSION]);
    });

    it('when an alert is exported as json and ocsf, then ExportedAlert and OcsfDetectionFinding describe the records exactly', () => {
      const alert = pipelineAlert();
      const exported = toExportedAlert(alert);
      expect(Object.keys(flatPropertiesOf(schema('ExportedAlert'))).sort()).toEqual(Object.keys(exported).sort());
      expect(flatRequiredOf(schema('ExportedAlert'))).toEqual(Object.keys(exported).sort());
      expect(conformanceProblemsOf(exported, schema('ExportedAlert'))).toEqual([]);

      const ocsf = toOcsfDetectionFinding(alert, { productVersion: packageVersion });
      const changed = toOcsfDetectionFinding({ ...alert, version: 2, status: 'Dismissed' }, { productVersion: packageVersion });
      expect(conformanceProblemsOf(ocsf, schema('OcsfDetectionFinding'))).toEqual([]);
      expect(conformanceProblemsOf(changed, schema('OcsfDetectionFinding'))).toEqual([]);
      // Required<...>: every optional field of the record type must be documented too.
      const user = { name: 'dana@contoso.com' };
      const complete: Required<OcsfDetectionFinding> = {
        ...ocsf, start_time: 1, end_time: 2, attacks: [], actor: { user }, evidences: [{ actor: { user }, src_endpoint: { ip: '203.0.113.24' }, container: { name: 'c', image: { name: 'busybox' } } }],
        remediation: { desc: 'Remove the privileged flag.' },
      };
      expect(propertiesOf(schema('OcsfDetectionFinding'))).toEqual(Object.keys(complete).sort());
      expect(conformanceProblemsOf(complete, schema('OcsfDetectionFinding'))).toEqual([]);
      const page = { format: 'ocsf', ocsfSchemaVersion: OCSF_SCHEMA_VERSION, value: [ocsf], cursor: 'eyJ2IjoxfQ', hasMore: false };
      expect(conformanceProblemsOf(page, schema('ExportPage'))).toEqual([]);
      const { ocsfSchemaVersion: _version, ...jsonPage } = page;
      expect(conformanceProblemsOf({ ...jsonPage, format: 'json', value: [exported] }, schema('ExportPage'))).toEqual([]);
    });

    it('when export settings are saved and shown, then ExportSettings describes the views with and without the new secret', () => {
      const body = { targets: [
        { name: 'sentinel', kind: 'eventHub', format: 'ocsf', fullyQualifiedNamespace: 'contoso-siem.servicebus.windows.net', eventHubName: 'argus-alerts' },
        { name: 'soar', kind: 'webhook', format: 'json', enabled: true, url: 'https://soar.example.com/hooks/argus', rotateSecret: true },
      ] };
      const parsed = parseExportSettingsBody(body, { local: false });
      if (!parsed.ok) throw new Error(parsed.message);
      const applied = applyExportSettings(subscriptionId, undefined, parsed.value, { by, now: new Date(time), generateSecret: () => `whsec_${'A'.repeat(43)}` });
      const shownOnce = toExportSettingsView(subscriptionId, applied.settings, applied.newSecrets);
      const later = toExportSettingsView(subscriptionId, applied.settings);
      expect(conformanceProblemsOf(shownOnce, schema('ExportSettings'))).toEqual([]);
      expect(conformanceProblemsOf(later, schema('ExportSettings'))).toEqual([]);
      expect(conformanceProblemsOf(toExportSettingsView(subscriptionId, undefined), schema('ExportSettings'))).toEqual([]);
      expect(JSON.stringify(later)).not.toContain('whsec_');
      // Required<...>: a new field of the settings or of a target view fails to compile until documented.
      const settings: Required<ExportSettings> = { ...applied.settings };
      const { id: _id, targets: _targets, ...settingsFields } = settings;
      expect(propertiesOf(schema('ExportSettings'))).toEqual(Object.keys({ ...settingsFields, targets: [] }).sort());
      const eventHub: Required<EventHubTarget> = { name: 'sentinel', kind: 'eventHub', enabled: true, format: 'json', fullyQualifiedNamespace: 'x.servicebus.windows.net', eventHubName: 'h' };
      const webhook: Required<Extract<ExportTargetView, { kind: 'webhook' }>> = {
        name: 'soar', kind: 'webhook', enabled: true, format: 'json', url: 'https://soar.example.com/', secretCreatedAtUtc: time, hasSecret: true, secret: 'whsec_',
      };
      expect(propertiesOf(schema('EventHubExportTarget'))).toEqual(Object.keys(eventHub).sort());
      expect(propertiesOf(schema('WebhookExportTarget'))).toEqual(Object.keys(webhook).sort());
    });

    it('when the documented request example and every documented request field are sent, then the code accepts them', () => {
      const request = schema('ExportSettingsRequest') as Schema & { example?: object };
      const example = parseExportSettingsBody(request.example ?? {}, { local: false });
      expect(example).toMatchObject({ ok: true });
      const [eventHub, webhook] = request.properties?.['targets']?.items?.oneOf ?? [];
      const sample: Record<string, unknown> = {
        name: 'every-field', enabled: false, format: 'cef', fullyQualifiedNamespace: 'contoso-siem.servicebus.windows.net', eventHubName: 'argus', url: 'https://soar.example.com/', rotateSecret: true,
      };
      const filled = (variant: Schema | undefined, kind: string) => Object.fromEntries(propertiesOf(variant).map((name) => [name, name === 'kind' ? kind : sample[name]]));
      expect(parseExportSettingsBody({ targets: [filled(eventHub, 'eventHub')] }, { local: false })).toMatchObject({ ok: true });
      expect(parseExportSettingsBody({ targets: [filled(webhook, 'webhook')] }, { local: false })).toMatchObject({ ok: true });
    });

    it('when a dead letter is filled in completely, then ExportDeadLetter defines exactly its fields', () => {
      const letter: Required<ExportDeadLetter> = {
        id: '1b2c3d4e-0000-8000-8000-000000000001', subscriptionId, targetName: 'soar', targetKind: 'webhook', changeType: 'alertChanged', alertId: 'a'.repeat(32), alertVersion: 3,
        assessmentId: 'b'.repeat(32), assessmentVersion: 2, incidentId: 'c'.repeat(32), incidentVersion: 4,
        reason: 'deliveryFailed', detail: 'https://soar.example.com answered HTTP 500', status: 500, attempts: 4, failedAtUtc: time,
      };
      const optional = new Set(['status', 'alertId', 'alertVersion', 'assessmentId', 'assessmentVersion', 'incidentId', 'incidentVersion']);
      expect(propertiesOf(schema('ExportDeadLetter'))).toEqual(Object.keys(letter).sort());
      expect(flatRequiredOf(schema('ExportDeadLetter'))).toEqual(Object.keys(letter).filter((key) => !optional.has(key)).sort());
      const { assessmentId: _assessmentId, assessmentVersion: _assessmentVersion, ...alertLetter } = letter;
      const { alertId: _alertId, alertVersion: _alertVersion, ...assessmentLetter } = { ...letter, changeType: 'assessmentChanged' };
      expect(conformanceProblemsOf({ value: [alertLetter, assessmentLetter] }, schema('ExportDeadLetterList'))).toEqual([]);
    });

    it('when webhook deliveries are built, then AlertChangedDelivery and AssessmentChangedDelivery describe their bodies and the callback their event header', async () => {
      const alert = pipelineAlert();
      const assessment = sampleAssessment(alert.subscriptionId);
      const incidents = reconcileIncidents([], correlateIncidents(alertsFrom(escalationStoryEvents())), new Date(time));
      const requests: WebhookRequest[] = [];
      for (const format of [ExportFormat.json, ExportFormat.ocsf]) {
        const settings: ExportSettings = {
          id: alert.subscriptionId, subscriptionId: alert.subscriptionId, updatedAtUtc: time, updatedBy: by,
          targets: [{ name: 'soar', kind: 'webhook', enabled: true, format, url: 'https://soar.example.com/', secret: 'whsec_test', secretCreatedAtUtc: time }],
        };
        await deliverExportChanges([alertChangedEventOf(alert), assessmentChangedEventOf(assessment), ...incidents.map(incidentChangedEventOf)], {
          exportSettingsOf: () => Promise.resolve(settings),
          breakerOf: () => new TargetCircuitBreaker(),
          eventHubSender: () => { throw new Error('no Event Hub target here'); },
          webhookSecretOf: () => Promise.resolve('whsec_test'),
          postWebhook: (request) => {
            requests.push(request);
            return Promise.resolve({ kind: 'delivered', status: 200, durationInMs: 1 });
          },
          retry: {},
          writeDeadLetters: () => Promise.resolve(),
          productVersion: packageVersion,
          now: () => new Date(time),
        });
      }
      expect(requests).toHaveLength(6);
      for (const request of requests) {
        expect(request.contentType).toBe('application/json');
        const delivery = schema({ alertChanged: 'AlertChangedDelivery', assessmentChanged: 'AssessmentChangedDelivery', incidentChanged: 'IncidentChangedDelivery' }[request.event] ?? '');
        expect(conformanceProblemsOf(JSON.parse(request.body), delivery)).toEqual([]);
      }
      const callback = (raw.paths['/subscriptions/{subscriptionId}/exportSettings']?.put as unknown as {
        callbacks: Record<string, Record<string, { post: { parameters: (Parameter & { schema: Schema })[] } }>>;
      }).callbacks['alertChanged'];
      const eventHeader = Object.values(callback ?? {})[0]?.post.parameters.find((p) => p.name === 'x-argus-event');
      expect([...(eventHeader?.schema.enum ?? [])].sort()).toEqual([...new Set(requests.map((request) => request.event))].sort());
    });

    it('when assessments are exported in every format, then ExportedAssessment and OcsfComplianceFinding describe them and Assessment holds every field', () => {
      const assessment = {
        ...sampleAssessment(subscriptionId),
        exemption: { name: 'waived', category: 'waiver' },
        subAssessments: [{ namespace: 'monitoring', kind: 'DaemonSet', name: 'node-agent', container: 'agent', field: 'containers[0].securityContext.privileged', value: 'true', sources: ['auditStream' as const, 'azurePolicy' as const] }],
      };
      expect(Object.keys(flatPropertiesOf(schema('Assessment'))).sort()).toEqual(Object.keys(assessment).sort());
      const subAssessment = flatPropertiesOf(schema('Assessment'))['subAssessments']?.items;
      expect(Object.keys(subAssessment?.properties ?? {}).sort()).toEqual(Object.keys(assessment.subAssessments[0] ?? {}).sort());
      const workloadEquivalents = workloadControls[0]?.equivalents ?? {};
      const documentedEquivalents = Object.keys(flatPropertiesOf(schema('Assessment'))['equivalents']?.properties ?? {});
      expect(Object.keys(workloadEquivalents).filter((key) => !documentedEquivalents.includes(key))).toEqual([]);
      expect(Object.keys(clusterChecks[0]?.equivalents ?? {}).filter((key) => !documentedEquivalents.includes(key))).toEqual([]);
      expect(flatPropertiesOf(schema('Assessment'))['metadata']?.properties?.['categories']?.items?.enum).toEqual(Object.values(AssessmentCategory));
      const json = toAssessmentExportRecord(ExportFormat.json, assessment, { productVersion: packageVersion });
      const ocsf = toAssessmentExportRecord(ExportFormat.ocsf, assessment, { productVersion: packageVersion });
      expect(json.kind === 'json' && conformanceProblemsOf(json.value, schema('ExportedAssessment'))).toEqual([]);
      expect(ocsf.kind === 'json' && conformanceProblemsOf(ocsf.value, schema('OcsfComplianceFinding'))).toEqual([]);
      expect(ocsf.kind === 'json' && Object.keys(ocsf.value).sort()).toEqual(propertiesOf(schema('OcsfComplianceFinding')));
    });

    it('when a simulation run is filled in and judged, then SimulationRun describes its view exactly', () => {
      const arrival: Required<ExpectedArrival> = {
        alertId: 'b'.repeat(32), alertType: 'K8S_PrivilegedContainer', ruleId: 'privileged-container', alertDisplayName: 'Privileged container detected',
        occurrences: 1, baselineCount: 0, arrivedAtUtc: time, latencyInMs: 1200, windowStartUtc: '2026-11-02T10:00:00.000Z',
      };
      const run: Required<SimulationRun> = {
        id: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', subscriptionId, trigger: 'onDemand', requestedBy: by, requestedAtUtc: time, alertTypes: ['K8S_PrivilegedContainer'],
        eventCount: 2, sentAtUtc: time, deadlineUtc: '2026-11-02T10:15:00.000Z', status: 'succeeded', completedAtUtc: time, failure: 'The audit hub did not accept the simulated events.',
        expected: [arrival],
      };
      const view = toSimulationView(run);
      expect(propertiesOf(schema('SimulationRun'))).toEqual(Object.keys(view).sort());
      expect(propertiesOf(schema('SimulationExpectedAlert'))).toEqual(Object.keys(arrival).sort());
      expect(conformanceProblemsOf(view, schema('SimulationRun'))).toEqual([]);
      // A running run judged as the API does: one alert arrived, the other still missing.
      const { arrivedAtUtc: _a, latencyInMs: _l, ...waiting } = arrival;
      const running: SimulationRun = { ...run, status: 'running', expected: [waiting, { ...waiting, alertId: 'c'.repeat(32) }] };
      delete (running as Partial<SimulationRun>).completedAtUtc;
      delete (running as Partial<SimulationRun>).failure;
      const judged = judgeSimulationRun(running, [{ id: arrival.alertId, count: 1, lastModifiedUtc: '2026-11-02T10:00:01.500Z' }], new Date('2026-11-02T10:00:02Z'));
      expect(toSimulationView(judged).summary).toMatchObject({ expected: 2, arrived: 1, missing: [{ alertType: 'K8S_PrivilegedContainer' }] });
      expect(conformanceProblemsOf(toSimulationView(judged), schema('SimulationRun'))).toEqual([]);
    });
  });
});
