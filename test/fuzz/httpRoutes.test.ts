import fc from 'fast-check';
import { putCluster } from '../../functions/putCluster';
import { encodeOpaqueToken } from '../../shared/http/queryValues';
import { setAuditEventPublisherForTests, setNodeEventPublisherForTests } from '../../shared/services';
import { ApiHarness, type TestCaller } from '../support/apiHarness';
import { FuzzTally, fuzzParameters, timedAsync } from '../support/fuzzBudget';
import { anyJson, oddString } from '../support/fuzzInputs';
import { type FuzzRoute, httpRoutes, pathOf, problemWithRefusal } from '../support/fuzzRoutes';
import { RecordingPublisher } from '../support/recordingPublisher';

/*
 * Issue "Fuzzing every input": every HTTP route (read from the function definitions) called by an authorized caller
 * (an Owner of the subscription who is also an operator) with arbitrary route parameters, query strings and bodies.
 * The answer is never a 500 or a thrown error; a refusal has the API's error body, and a 400 names the field or
 * parameter that is wrong. Continuation tokens and export cursors, arbitrary and tampered, are a 400 naming the
 * parameter, or a page: never a 500. The ingestion webhooks are called with a registered cluster's key.
 */

const SUB = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const CALLER: TestCaller = { objectId: 'a1000000-0000-4000-8000-00000000f022', name: 'Fuzz Owner', appRoles: ['Argus.Admin'] };
const TIME_LIMIT_IN_MS = 5_000;
const INGESTION_ROUTES = new Set(['ingestAuditWebhook', 'ingestNodeWebhook']);

const ROUTES = httpRoutes();

/** Query parameter names the routes read, plus odd ones. */
const queryName = fc.oneof(
  fc.constantFrom('top', 'continuation', 'cursor', 'format', 'status', 'severity', 'alertType', 'cluster', 'from', 'to', 'isSimulated', 'name', 'namespace', 'kind', 'checkName', 'category', 'api-version'),
  oddString,
);
const queryValue = fc.oneof(
  oddString,
  fc.constantFrom('0', '1', '200', '1001', '-1', '1e3', 'json', 'cef', 'ocsf', 'Active', 'active,resolved', 'High', 'true', 'false', '2026-11-02T10:00:00Z', '2026-13-45T10:00:00Z'),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.string({ maxLength: 600 }),
);
const query = fc.dictionary(queryName, queryValue, { maxKeys: 4 });
/** A route parameter: a plausible name, a GUID, an action, or anything. */
const paramValue = fc.oneof(
  fc.constantFrom('fuzz', 'network-policy', 'dismiss', 'activate', 'resolve', 'inProgress', '0123456789abcdef0123456789abcdef', 'a1000000-0000-4000-8000-00000000f022', 'f0000000-0000-4000-8000-000000000001'),
  fc.stringMatching(/^[a-z0-9-]{1,70}$/),
  oddString,
);
const body = fc.option(fc.oneof({ arbitrary: anyJson, weight: 3 }, oddString, fc.dictionary(fc.constantFrom('name', 'enabled', 'targets', 'alertTypes', 'conditions', 'ips', 'cidrs', 'domains', 'role', 'principalName', 'comment', 'reason', 'checkName', 'scope', 'category', 'expiresOnUtc', 'resourceId', 'state', 'alertType'), anyJson, { maxKeys: 4 })), { nil: undefined });

let harness: ApiHarness;
let ingestionKey = '';

beforeAll(async () => {
  harness = await new ApiHarness().start();
  await harness.grant(SUB, CALLER, 'Owner');
  setAuditEventPublisherForTests(new RecordingPublisher());
  setNodeEventPublisherForTests(new RecordingPublisher());
  const registration = await harness.call(putCluster, 'PUT', `/api/subscriptions/${SUB}/clusters/fuzz-cluster`, { params: { subscriptionId: SUB, clusterName: 'fuzz-cluster' }, as: CALLER });
  ingestionKey = (registration.jsonBody as { ingestionKey: string }).ingestionKey;
});
afterAll(async () => {
  setAuditEventPublisherForTests(undefined);
  setNodeEventPublisherForTests(undefined);
  await harness.stop();
});

async function callRoute(route: FuzzRoute, params: Record<string, string>, queryParameters: Record<string, string>, requestBody: unknown) {
  const allParams = { ...params, ...(route.params.includes('subscriptionId') ? { subscriptionId: SUB } : {}) };
  const ingestion = INGESTION_ROUTES.has(route.name);
  return harness.call(route.handler, route.method, pathOf(route.route, allParams), {
    params: allParams,
    query: queryParameters,
    as: ingestion ? null : CALLER,
    ...(ingestion ? { headers: { authorization: `Bearer ${ingestionKey}` } } : {}),
    // GET requests carry no body (the host discards it).
    ...(requestBody === undefined || route.method === 'GET' ? {} : { body: requestBody }),
  });
}

/** Never a 5xx, within the time limit, and a refusal that says what is wrong. */
function expectAnswered(response: { status?: number }, elapsedInMs: number, refusal: string | undefined): void {
  expect(elapsedInMs).toBeLessThan(TIME_LIMIT_IN_MS);
  expect(response.status).toBeDefined();
  expect(response.status).toBeLessThan(500);
  if ((response.status ?? 0) >= 400) expect(refusal).toBeUndefined();
}

describe('every HTTP route under fuzzing', () => {
  it('when the function definitions are read, then every HTTP route is fuzzed', () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(45);
    expect(ROUTES.map((route) => route.name)).toEqual(expect.arrayContaining(['putSuppressionRule', 'putThreatIntelSet', 'ingestAuditWebhook', 'listAlerts', 'exportAlerts', 'health']));
  });

  it.each(ROUTES.map((route) => ({ label: `${route.method} ${route.route}`, route })))(
    'when $label gets arbitrary parameters, query strings and bodies, then it never answers 500 and a 400 names the field',
    async ({ route }) => {
      const tally = new FuzzTally(`http ${route.name}`);
      await fc.assert(
        fc.asyncProperty(fc.tuple(...route.params.map(() => paramValue)), query, body, async (values, queryParameters, requestBody) => {
          const params = Object.fromEntries(route.params.map((name, index) => [name, values[index] ?? '']));
          const { result: response, elapsedInMs } = await timedAsync(() => callRoute(route, params, queryParameters, requestBody));
          expectAnswered(response, elapsedInMs, problemWithRefusal(response));
          tally.count((response.status ?? 0) < 400 ? 'accepted' : 'refused', elapsedInMs);
        }),
        fuzzParameters(0.1),
      );
      tally.report();
    },
  );
});

/** The paging routes and the parameter that carries their position. */
const PAGED = [
  { name: 'listAlerts', parameter: 'continuation', version: 2 },
  { name: 'listIncidents', parameter: 'continuation', version: 1 },
  { name: 'listAssessments', parameter: 'continuation', version: 1 },
  { name: 'listWorkloads', parameter: 'continuation', version: 1 },
  { name: 'exportAlerts', parameter: 'cursor', version: 1 },
  { name: 'exportAssessments', parameter: 'cursor', version: 1 },
  { name: 'exportIncidents', parameter: 'cursor', version: 1 },
] as const;

/** The fields of each route's position, as its valid tokens carry them. */
const POSITION_FIELDS: Record<(typeof PAGED)[number]['name'], readonly ('g' | 'm' | 'i')[]> = {
  listAlerts: ['g', 'i'],
  listIncidents: ['g', 'i'],
  listAssessments: ['i'],
  listWorkloads: ['i'],
  exportAlerts: ['m', 'i'],
  exportAssessments: ['m', 'i'],
  exportIncidents: ['m', 'i'],
};

/** A token: anything, base64url of anything, a valid token's payload with a field tampered with, or with a character flipped. */
function token(name: (typeof PAGED)[number]['name'], version: number): fc.Arbitrary<string> {
  const time = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());
  const fieldValues = {
    g: fc.oneof({ arbitrary: time, weight: 3 }, oddString, fc.date({ noInvalidDate: true }).map((date) => date.toISOString())),
    m: fc.oneof({ arbitrary: time, weight: 3 }, fc.constant(''), oddString),
    i: fc.oneof({ arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/), weight: 3 }, oddString, fc.string({ maxLength: 300 })),
  };
  const fields = POSITION_FIELDS[name];
  const payload = fc
    .tuple(fc.oneof({ arbitrary: fc.constant<unknown>(version), weight: 4 }, fc.constantFrom<unknown>(0, 3, '1', null)), ...fields.map((field) => fieldValues[field]))
    .map(([v, ...values]) => ({ v, ...Object.fromEntries(fields.map((field, index) => [field, values[index]])) }));
  return fc.oneof(
    { arbitrary: payload.map((value) => encodeOpaqueToken(value)), weight: 4 },
    oddString,
    fc.string({ maxLength: 1_200 }),
    anyJson.map((value) => encodeOpaqueToken(value)),
    fc.tuple(payload, anyJson).map(([value, extra]) => encodeOpaqueToken({ ...value, x: extra })),
    fc.tuple(payload, fc.nat(), fc.constantFrom('A', '_', '-', '=', '+', '/', '')).map(([value, at, character]) => {
      const text = encodeOpaqueToken(value);
      const index = at % text.length;
      return text.slice(0, index) + character + text.slice(index + 1);
    }),
  );
}

describe('continuation tokens and export cursors under fuzzing', () => {
  it.each(PAGED.map((paged) => ({ ...paged })))('when $name gets an arbitrary or tampered $parameter, then it answers a page or a 400 naming $parameter, never a 500', async ({ name, parameter, version }) => {
    const route = ROUTES.find((candidate) => candidate.name === name) as FuzzRoute;
    const tally = new FuzzTally(`token ${name}.${parameter}`);
    await fc.assert(
      fc.asyncProperty(token(name, version), async (value) => {
        const { result: response, elapsedInMs } = await timedAsync(() => callRoute(route, {}, { [parameter]: value }, undefined));
        expectAnswered(response, elapsedInMs, problemWithRefusal(response));
        if (response.status === 400) expect((response.jsonBody as { error: { message: string } }).error.message).toMatch(new RegExp(`^${parameter} `));
        tally.count(response.status === 200 ? 'accepted' : 'refused', elapsedInMs);
      }),
      fuzzParameters(0.2),
    );
    tally.report();
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });
});
