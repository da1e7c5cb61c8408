import { changeAlertStatus } from '../../functions/changeAlertStatus';
import { changeIncidentStatus } from '../../functions/changeIncidentStatus';
import { ingestAuditWebhook } from '../../functions/ingestAuditWebhook';
import { ingestNodeWebhook } from '../../functions/ingestNodeWebhook';
import { putAssessmentExemption } from '../../functions/putAssessmentExemption';
import { putCluster } from '../../functions/putCluster';
import { putExportSettings } from '../../functions/putExportSettings';
import { putRoleAssignment } from '../../functions/putRoleAssignment';
import { putSuppressionRule } from '../../functions/putSuppressionRule';
import { putThreatIntelSet } from '../../functions/putThreatIntelSet';
import { simulateSuppressionRule } from '../../functions/simulateSuppressionRule';
import { startAssessmentRefresh } from '../../functions/startAssessmentRefresh';
import { startSimulation } from '../../functions/startSimulation';
import { updatePlan } from '../../functions/updatePlan';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { MAX_WEBHOOK_BODY_IN_BYTES } from '../../shared/clusters/auditWebhookPayload';
import { workloadEvent } from '../../shared/detection/exampleEvents';
import { DEFAULT_MAX_BODY_IN_BYTES } from '../../shared/http/parseJsonBody';
import { MAX_THREAT_INTEL_SET_BODY_IN_BYTES } from '../../shared/intel/threatIntelSet';
import { processExecEvent } from '../../shared/node/exampleNodeEvents';
import { setAuditEventPublisherForTests, setNodeEventPublisherForTests } from '../../shared/services';
import { ApiHarness, type Handler, roleCast } from '../support/apiHarness';
import { RecordingPublisher } from '../support/recordingPublisher';

/*
 * Every route that takes a body (POST, PUT, PATCH) refuses one over its limit with 413 `RequestBodyTooLarge`,
 * whether the body says its length (Content-Length, refused before reading) or not (counted while read), and
 * reads one at the limit. The routes are derived from the function definitions: a new body route without a
 * row here fails the first test.
 */

const SUB = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a';
const OTHER_SUB = '3e4f5a6b-7c8d-4e9f-8a0b-2c3d4e5f6a7b';
const { reader, admin, owner, stranger } = roleCast('2');

interface Row {
  /** The function name (= file name). */
  name: string;
  handler: Handler;
  method: 'POST' | 'PUT' | 'PATCH';
  /** Route parameters other than subscriptionId. */
  params: Record<string, string>;
  /** The largest body the route reads. */
  limitInBytes: number;
  /** A valid body the route's padding (spaces) fills up to the size a case needs. */
  body: string;
  contentType?: string;
  /** An ingestion route: the caller is a registered cluster's key, not a user token. */
  ingestion?: true;
}

const comment = JSON.stringify({ comment: 'body limits' });
const auditEventList = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [workloadEvent('pods', { containers: [{ name: 'c', image: 'busybox' }] }, { auditID: 'limits-1' })] });
const nodeEvent = JSON.stringify(processExecEvent({ binary: '/bin/sh', arguments: '-c id', pid: 9 }));

const TABLE: Row[] = [
  { name: 'changeAlertStatus', handler: changeAlertStatus, method: 'POST', params: { alertId: '0123456789abcdef0123456789abcdef', action: 'dismiss' }, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES, body: comment },
  { name: 'changeIncidentStatus', handler: changeIncidentStatus, method: 'POST', params: { incidentId: 'fedcba9876543210fedcba9876543210', action: 'dismiss' }, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES, body: comment },
  {
    name: 'putAssessmentExemption', handler: putAssessmentExemption, method: 'PUT', params: { name: 'limits-exemption' }, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES,
    body: JSON.stringify({ checkName: 'network-policy', scope: `/subscriptions/${SUB}`, category: 'waiver', reason: 'body limits' }),
  },
  { name: 'putCluster', handler: putCluster, method: 'PUT', params: { clusterName: 'limits-cluster' }, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES, body: JSON.stringify({ previousKeyValidForMinutes: 0 }) },
  { name: 'putExportSettings', handler: putExportSettings, method: 'PUT', params: {}, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES, body: JSON.stringify({ targets: [] }) },
  {
    name: 'putRoleAssignment', handler: putRoleAssignment, method: 'PUT', params: { principalId: '2f000000-0000-4000-8000-000000000009' }, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES,
    body: JSON.stringify({ role: 'SecurityReader', principalName: 'Limits' }),
  },
  {
    name: 'putSuppressionRule', handler: putSuppressionRule, method: 'PUT', params: { name: 'limits-rule' }, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES,
    body: JSON.stringify({ alertType: 'K8S_PrivilegedContainer', reason: 'ExpectedActivity', comment: 'limits', state: 'Enabled', conditions: [{ field: 'namespace', in: ['monitoring'] }] }),
  },
  {
    name: 'putThreatIntelSet', handler: putThreatIntelSet, method: 'PUT', params: { name: 'limits-set' }, limitInBytes: MAX_THREAT_INTEL_SET_BODY_IN_BYTES,
    body: JSON.stringify({ description: 'limits', ips: ['198.51.100.7'], cidrs: [], domains: [] }),
  },
  { name: 'simulateSuppressionRule', handler: simulateSuppressionRule, method: 'POST', params: { name: 'limits-rule' }, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES, body: '{}' },
  { name: 'startAssessmentRefresh', handler: startAssessmentRefresh, method: 'POST', params: {}, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES, body: '{}' },
  { name: 'startSimulation', handler: startSimulation, method: 'POST', params: {}, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES, body: JSON.stringify({ alertTypes: ['K8S_PrivilegedContainer'] }) },
  { name: 'updatePlan', handler: updatePlan, method: 'PUT', params: {}, limitInBytes: DEFAULT_MAX_BODY_IN_BYTES, body: JSON.stringify({ enabled: false }) },
  { name: 'ingestAuditWebhook', handler: ingestAuditWebhook, method: 'POST', params: {}, limitInBytes: MAX_WEBHOOK_BODY_IN_BYTES, body: auditEventList, ingestion: true },
  { name: 'ingestNodeWebhook', handler: ingestNodeWebhook, method: 'POST', params: {}, limitInBytes: MAX_WEBHOOK_BODY_IN_BYTES, body: nodeEvent, contentType: 'application/x-ndjson', ingestion: true },
];

const BODY_METHODS = ['POST', 'PUT', 'PATCH'];

interface HttpDefinition {
  name: string;
  route: string;
  methods: string[];
  handler: unknown;
}

function bodyRoutes(): HttpDefinition[] {
  return loadFunctionDefinitions()
    .filter((definition) => definition.kind === 'http')
    .map((definition) => {
      const options = definition.options as { route: string; methods?: string[]; handler: unknown };
      return { name: definition.name, route: options.route, methods: (options.methods ?? []).map((m) => m.toUpperCase()), handler: options.handler };
    })
    .filter((definition) => definition.methods.some((method) => BODY_METHODS.includes(method)));
}

/** The row's valid body padded with spaces (valid JSON, and a blank-padded NDJSON line) to exactly `bytes`. */
function paddedBody(row: Row, bytes: number): string {
  const length = Buffer.byteLength(row.body, 'utf8');
  if (length > bytes) throw new Error(`${row.name}: the row's body (${length} bytes) is larger than ${bytes}`);
  return row.body + ' '.repeat(bytes - length);
}

let harness: ApiHarness;
let ingestionKey = '';
const auditHub = new RecordingPublisher();
const nodeHub = new RecordingPublisher();

beforeAll(async () => {
  harness = await new ApiHarness().start();
  await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
  setAuditEventPublisherForTests(auditHub);
  setNodeEventPublisherForTests(nodeHub);
  const registered = await harness.call(putCluster, 'PUT', `/api/subscriptions/${SUB}/clusters/limits-sender`, { params: { subscriptionId: SUB, clusterName: 'limits-sender' }, as: owner });
  ingestionKey = (registered.jsonBody as { ingestionKey: string }).ingestionKey;
});
afterAll(async () => {
  setAuditEventPublisherForTests(undefined);
  setNodeEventPublisherForTests(undefined);
  await harness.stop();
});

/** Calls the row's route as an authorized caller (the subscription's Owner, or the registered cluster's key). */
function send(row: Row, body: string, headers: Record<string, string> = {}) {
  const params = row.ingestion ? {} : { subscriptionId: SUB, ...row.params };
  const definition = bodyRoutes().find((d) => d.name === row.name);
  const path = `/api/${(definition?.route ?? '').replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent(params[key as keyof typeof params] ?? ''))}`;
  return harness.call(row.handler, row.method, path, {
    params,
    body,
    as: row.ingestion ? null : owner,
    headers: { 'content-type': row.contentType ?? 'application/json', ...(row.ingestion ? { authorization: `Bearer ${ingestionKey}` } : {}), ...headers },
  });
}

const codeOf = (response: { jsonBody?: unknown }): string | undefined => (response.jsonBody as { error?: { code?: string } } | undefined)?.error?.code;

describe('request body limits (413 RequestBodyTooLarge)', () => {
  it('when every function definition is loaded, then each route taking a body has a row with its own handler, and each row is such a route', () => {
    const routes = bodyRoutes();
    expect(routes.map((route) => route.name).filter((name) => !TABLE.some((row) => row.name === name)).sort()).toEqual([]);
    expect(TABLE.map((row) => row.name).filter((name) => !routes.some((route) => route.name === name))).toEqual([]);
    for (const row of TABLE) {
      const route = routes.find((r) => r.name === row.name);
      expect({ name: row.name, sameHandler: route?.handler === row.handler, method: route?.methods.includes(row.method) }).toEqual({ name: row.name, sameHandler: true, method: true });
    }
  });

  it.each(TABLE)('when $name gets a body one byte over its limit without a Content-Length, then it is 413 RequestBodyTooLarge', async (row) => {
    const response = await send(row, paddedBody(row, row.limitInBytes + 1));
    expect({ status: response.status, code: codeOf(response) }).toEqual({ status: 413, code: 'RequestBodyTooLarge' });
    expect((response.jsonBody as { error: { message: string } }).error.message).toContain(`at most ${row.limitInBytes} bytes`);
  });

  it.each(TABLE)('when $name gets a Content-Length one byte over its limit, then it is 413 RequestBodyTooLarge before the body is read', async (row) => {
    const response = await send(row, row.body, { 'content-length': String(row.limitInBytes + 1) });
    expect({ status: response.status, code: codeOf(response) }).toEqual({ status: 413, code: 'RequestBodyTooLarge' });
  });

  it.each(TABLE)('when $name gets a valid body of exactly its limit, then the body is read and accepted (neither 413 nor 400)', async (row) => {
    const response = await send(row, paddedBody(row, row.limitInBytes));
    expect({ name: row.name, tooLarge: response.status === 413, invalidBody: response.status === 400, code: codeOf(response) }).toEqual(
      expect.objectContaining({ name: row.name, tooLarge: false, invalidBody: false }),
    );
  });
});
