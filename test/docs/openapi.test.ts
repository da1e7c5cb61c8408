import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { type HttpHandler } from '@azure/functions';
import { defaultFunctionsDirectory, loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { foldOccurrences } from '../../shared/alerts/foldOccurrences';
import { AlertStatus } from '../../shared/alerts/alert';
import { alertStatusActions } from '../../shared/alerts/changeAlertStatus';
import { SuppressionConditionField, SuppressionReason, SuppressionRuleState } from '../../shared/alerts/suppressionRule';
import { SubscriptionRole } from '../../shared/auth/roles';
import { EntityType } from '../../shared/detection/entities';
import { Intent, Severity } from '../../shared/detection/rule';
import { privilegedContainer } from '../../shared/detection/rules/privileged-container';
import { type HttpFunctionDefinition } from '../../shared/functions/defineFunction';
import { type AuthorizeSubscriptionOptions } from '../../shared/http/authorizeSubscriptionRequest';
import { type PlanOnboarding, type PlanView } from '../../shared/store/planStore';
import { type RoleAssignment } from '../../shared/store/roleAssignmentStore';
import { type SuppressionRuleView } from '../../shared/store/suppressionRuleStore';
import { httpRequest, invocationContext } from '../support/httpRequests';
import { evaluate } from '../support/ruleHarness';

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
    it('when each handler is called, then its gate options are the documented minimum role, no-role answer and operator access', async () => {
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
        };
        const actual = {
          minimumRole: options.minimumRole,
          noRoleStatus: options.target === 'single' ? 404 : 403,
          operatorAllowed: options.allowOperator ?? false,
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
      };
      const plan: Required<PlanView> = {
        subscriptionId: roleAssignment.subscriptionId, enabled: true, enabledAtUtc: time, disabledAtUtc: time, updatedAtUtc: time, updatedBy: by, onboarding,
      };
      const rule: Required<SuppressionRuleView> = {
        subscriptionId: roleAssignment.subscriptionId, name: 'ci-runner', alertType: '*', reason: 'ExpectedActivity', comment: '', state: 'Enabled',
        expirationDateUtc: time, conditions: [{ field: 'namespace', in: ['ci'] }], createdAtUtc: time, createdBy: by, updatedAtUtc: time, updatedBy: by,
      };
      const schemas = api.components.schemas;
      expect(propertiesOf(schemas['RoleAssignment'])).toEqual(Object.keys(roleAssignment).sort());
      expect(propertiesOf(schemas['Plan'])).toEqual(Object.keys(plan).sort());
      expect(propertiesOf(schemas['PlanOnboarding'])).toEqual(Object.keys(onboarding).sort());
      const category = schemas['PlanOnboarding']?.properties?.['diagnosticCategories']?.items;
      expect(propertiesOf(category)).toEqual(Object.keys(onboarding.diagnosticCategories[0]!).sort());
      expect(propertiesOf(schemas['SuppressionRule'])).toEqual(Object.keys(rule).sort());
      const { name: _name, subscriptionId: _subscriptionId, createdAtUtc: _c, createdBy: _cb, updatedAtUtc: _u, updatedBy: _ub, ...writable } = rule;
      expect(propertiesOf(schemas['SuppressionRuleRequest'])).toEqual(Object.keys(writable).sort());
    });

    it('when an alert is built by the pipeline, then the Alert schema defines exactly its fields and requires those always present', () => {
      const example = privilegedContainer.examples.find((e) => e.expect === 'alert');
      const { findings } = evaluate([privilegedContainer], [example?.event]);
      // As the ingestion pipeline stores it: folded with the position of the event it came from.
      const occurrences = findings.map((finding) => ({ finding, position: { stream: 'insights-logs-kube-audit/0', sequenceNumber: 7 } }));
      const alert = foldOccurrences(undefined, occurrences, { windowInMs: 3_600_000, now: new Date('2026-11-02T12:00:00Z'), suppressionRules: [] });
      const schema = api.components.schemas['Alert']!;
      expect(alert).toBeDefined();
      expect(Object.keys(schema.properties ?? {}).sort()).toEqual(Object.keys(alert!).sort());
      // Only what the pipeline adds to alerts of its own (`ingestedThrough`) is optional.
      const alwaysPresent = Object.keys(alert!).filter((key) => key !== 'ingestedThrough');
      expect([...(schema.required ?? [])].sort()).toEqual(alwaysPresent.sort());
      const entityProperties = Object.keys(api.components.schemas['AlertEntity']?.properties ?? {});
      const undocumented = alert!.entities.flatMap((entity) => Object.keys(entity).filter((key) => !entityProperties.includes(key)));
      expect(undocumented).toEqual([]);
    });
  });
});
