import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ArmJson } from '../shared/posture/clusterCheck';
import { readClusterInput } from '../shared/posture/clusterInput';
import type { HttpEndpoint } from './httpHost';

/** Served under the host's route prefix: `http://127.0.0.1:7071/api/local/arm` is what `ARM_ENDPOINT` points at. */
export const LOCAL_ARM_ROUTE_BASE = 'local/arm';

const DIAGNOSTIC_SETTINGS_SUFFIX = '.diagnosticsettings.json';
const KUBERNETES_VERSIONS_FILE = 'kubernetesversions.json';

/** Fault switches for tests (and for trying failure handling by hand). */
export interface LocalArmFaults {
  /** Every request about this subscription answers 403 AuthorizationFailed until `clear()`. */
  denySubscription(subscriptionId: string): void;
  /** The next `count` requests (default 1) answer 429 RateLimiting with these headers. */
  throttleNext(options?: { count?: number; retryAfterInSeconds?: number; quotaResetsAfter?: string }): void;
  clear(): void;
}

export interface LocalArmEndpoint {
  endpoint: HttpEndpoint;
  faults: LocalArmFaults;
  /** Every request served, as `METHOD /path` (lower case path, no query): what tests count. */
  readonly requests: readonly string[];
}

export interface LocalArmEndpointOptions {
  /** Where the cluster JSON files are (`.argus/clusters`); re-read on every request. */
  clustersDir: string;
  /**
   * Where the Azure Policy add-on's component policy states are (`.argus/policyStates`); re-read on every request.
   * Each `*.json` file: the API's response body (`{ "value": [...] }`) or an array of records, for one or more clusters.
   */
  policyStatesDir?: string;
  /** Resource Graph rows per page (Resource Graph's default is 100). */
  pageSize?: number;
}

/**
 * An ARM-compatible endpoint for the local runtime, enough for the production code's SDK clients:
 * - `POST /providers/Microsoft.ResourceGraph/resources`: the managed clusters found in `clustersDir/*.json` (any form
 *   `readClusterInput` accepts) as Resource Graph rows of the requested subscriptions, in the Resource Graph response
 *   shape (`totalRecords`, `count`, `resultTruncated`, `data`, `facets`, `$skipToken` when more rows follow). The query
 *   text is not interpreted: every request gets the managed clusters projection Argus asks for.
 * - `GET /{clusterId}/providers/Microsoft.Insights/diagnosticSettings`: `{ value }` from
 *   `clustersDir/<cluster name>.diagnosticSettings.json` (an ARM list body or an array), empty when there is none.
 * - `GET /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{location}/kubernetesVersions`:
 *   `{ values }` from `clustersDir/kubernetesVersions.json` when present, else a built-in list in the shape of the
 *   azure-rest-api-specs example `KubernetesVersions_List.json` (2025-05-01), with the minors AKS offers in late 2026.
 * - `POST /{clusterId}/providers/Microsoft.PolicyInsights/componentPolicyStates/latest/queryResults`: the records of
 *   `policyStatesDir/*.json` whose `resourceId` is the cluster's (case-insensitively), in the response shape of
 *   azure-rest-api-specs `ComponentPolicyStates_QueryResourceScope.json` (2024-10-01: `@odata.context`,
 *   `@odata.count`, `value`). `$top` is honoured; `$filter`, `$apply` and `$expand` are not interpreted.
 * Tokens are not checked. Errors use ARM's `{ error: { code, message } }` body.
 */
export function createArmEndpoint(options: LocalArmEndpointOptions): LocalArmEndpoint {
  const pageSize = options.pageSize ?? 100;
  const denied = new Set<string>();
  let throttle: { remaining: number; headers: Record<string, string> } | undefined;
  const requests: string[] = [];

  const faults: LocalArmFaults = {
    denySubscription: (subscriptionId) => void denied.add(subscriptionId.toLowerCase()),
    throttleNext: ({ count = 1, retryAfterInSeconds, quotaResetsAfter } = {}) => {
      const headers: Record<string, string> = { 'x-ms-user-quota-remaining': '0' };
      if (retryAfterInSeconds !== undefined) headers['retry-after'] = String(retryAfterInSeconds);
      if (quotaResetsAfter !== undefined) headers['x-ms-user-quota-resets-after'] = quotaResetsAfter;
      throttle = { remaining: count, headers };
    },
    clear: () => {
      denied.clear();
      throttle = undefined;
    },
  };

  const handler = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const path = `/${(request.params['path'] ?? '').replace(/^\/+|(?<!\/)\/+$/g, '')}`;
    const lower = path.toLowerCase();
    requests.push(`${request.method.toUpperCase()} ${lower}`);
    if (throttle !== undefined && throttle.remaining > 0) {
      throttle.remaining -= 1;
      return armError(429, 'RateLimiting', 'Please provide below info when asking for support: the request was throttled.', throttle.headers);
    }
    if (request.method === 'POST' && lower === '/providers/microsoft.resourcegraph/resources') {
      return resourceGraph(await request.json().catch(() => undefined));
    }
    const policyStates = /^(\/subscriptions\/([^/]+)\/.+)\/providers\/microsoft\.policyinsights\/componentpolicystates\/([^/]+)\/queryresults$/.exec(lower);
    if (request.method === 'POST' && policyStates !== null) {
      if (denied.has(policyStates[2]!)) return noAccess(policyStates[2]!);
      if (policyStates[3] !== 'latest') return armError(400, 'InvalidComponentPolicyStatesResource', `The componentPolicyStatesResource '${policyStates[3]!}' is not 'latest'.`);
      return componentPolicyStates(path.slice(0, policyStates[1]!.length), request.query.get('$top'));
    }
    if (request.method === 'GET') {
      const subscription = /^\/subscriptions\/([^/]+)/.exec(lower)?.[1];
      if (subscription !== undefined && denied.has(subscription)) return noAccess(subscription);
      const diagnostic = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+))\/providers\/microsoft\.insights\/diagnosticsettings$/.exec(lower);
      if (diagnostic !== null) return diagnosticSettings(diagnostic[1]!, diagnostic[2]!);
      if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.containerservice\/locations\/[^/]+\/kubernetesversions$/.test(lower)) return kubernetesVersions();
    }
    return armError(404, 'NotFound', `The local ARM endpoint does not serve ${request.method} ${path}.`);
  };

  async function resourceGraph(body: unknown): Promise<HttpResponseInit> {
    const query = (typeof body === 'object' && body !== null ? body : {}) as { subscriptions?: unknown; options?: { $skipToken?: unknown; resultFormat?: unknown } };
    if (!Array.isArray(query.subscriptions) || !query.subscriptions.every((s): s is string => typeof s === 'string')) {
      return armError(400, 'BadRequest', 'The local ARM endpoint answers subscription-scoped queries only: give `subscriptions`.');
    }
    if (query.options?.resultFormat !== undefined && query.options.resultFormat !== 'objectArray') {
      return armError(400, 'BadRequest', 'The local ARM endpoint answers resultFormat objectArray only.');
    }
    const scope = new Set(query.subscriptions.map((s) => s.toLowerCase()));
    const refused = [...scope].find((s) => denied.has(s));
    if (refused !== undefined) return noAccess(refused);
    const rows = (await readClusters(options.clustersDir)).map(resourceGraphRow).filter((row) => scope.has(String(row['subscriptionId']).toLowerCase()));
    const offset = offsetOf(query.options?.$skipToken);
    if (offset === undefined) return armError(400, 'BadRequest', 'The $skipToken is not one this endpoint gave.');
    const data = rows.slice(offset, offset + pageSize);
    const next = offset + data.length;
    return json(200, {
      totalRecords: rows.length,
      count: data.length,
      resultTruncated: 'false',
      ...(next < rows.length ? { $skipToken: Buffer.from(JSON.stringify({ offset: next })).toString('base64url') } : {}),
      facets: [],
      data,
    });
  }

  async function diagnosticSettings(clusterId: string, clusterName: string): Promise<HttpResponseInit> {
    const clusters = await readClusters(options.clustersDir);
    if (!clusters.some((cluster) => String(cluster['id']).toLowerCase() === clusterId)) {
      return armError(404, 'ResourceNotFound', `The Resource '${clusterId}' was not found.`);
    }
    const file = (await listFiles(options.clustersDir)).find((name) => name.toLowerCase() === `${clusterName}${DIAGNOSTIC_SETTINGS_SUFFIX}`);
    const value = file === undefined ? [] : listIn(JSON.parse(await readFile(join(options.clustersDir, file), 'utf8')) as unknown, 'value');
    return json(200, { value });
  }

  async function kubernetesVersions(): Promise<HttpResponseInit> {
    const file = (await listFiles(options.clustersDir)).find((name) => name.toLowerCase() === KUBERNETES_VERSIONS_FILE);
    const values = file === undefined ? BUILT_IN_KUBERNETES_VERSIONS : listIn(JSON.parse(await readFile(join(options.clustersDir, file), 'utf8')) as unknown, 'values');
    return json(200, { values });
  }

  async function componentPolicyStates(resourceId: string, top: string | null): Promise<HttpResponseInit> {
    const wanted = resourceId.toLowerCase();
    const records = (await readPolicyStates(options.policyStatesDir)).filter(
      (record) => typeof record['resourceId'] === 'string' && record['resourceId'].replace(/^\/*/, '/').toLowerCase() === wanted,
    );
    const limit = top === null || top === '' ? undefined : Number(top);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) return armError(400, 'InvalidQueryParameterValue', 'The $top is not a non-negative integer.');
    const value = limit === undefined ? records : records.slice(0, limit);
    const context = `https://management.azure.com${resourceId}/providers/Microsoft.PolicyInsights/componentPolicyStates/$metadata#latest`;
    return json(200, { '@odata.context': context, '@odata.count': value.length, value });
  }

  return {
    endpoint: { name: 'local.arm', route: `${LOCAL_ARM_ROUTE_BASE}/{*path}`, methods: ['GET', 'POST'], handler },
    faults,
    requests,
  };
}

/** The managed clusters of the folder's JSON files (not the diagnostic settings or versions files), read now. */
async function readClusters(dir: string): Promise<ArmJson[]> {
  const clusters: ArmJson[] = [];
  for (const name of await listFiles(dir)) {
    const lower = name.toLowerCase();
    if (!lower.endsWith('.json') || lower.endsWith(DIAGNOSTIC_SETTINGS_SUFFIX) || lower === KUBERNETES_VERSIONS_FILE) continue;
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (text !== undefined) clusters.push(...readClusterInput(text, name).clusters.map((item) => item.cluster));
  }
  return clusters;
}

/** The component policy state records of the folder's JSON files, read now; a file that is not JSON adds none. */
async function readPolicyStates(dir: string | undefined): Promise<ArmJson[]> {
  if (dir === undefined) return [];
  const records: ArmJson[] = [];
  for (const name of await listFiles(dir)) {
    if (!name.toLowerCase().endsWith('.json')) continue;
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    let body: unknown;
    try {
      body = text === undefined ? undefined : (JSON.parse(text) as unknown);
    } catch {
      continue;
    }
    records.push(...listIn(body, 'value').filter((item): item is ArmJson => typeof item === 'object' && item !== null && !Array.isArray(item)));
  }
  return records;
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

/** A cluster as Resource Graph returns it for Argus's projection: type in lower case, the extra columns filled. */
function resourceGraphRow(cluster: ArmJson): ArmJson {
  const id = String(cluster['id']);
  const parts = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\//i.exec(id);
  return {
    id,
    name: cluster['name'] ?? id.split('/').pop(),
    type: (typeof cluster['type'] === 'string' ? cluster['type'] : 'Microsoft.ContainerService/managedClusters').toLowerCase(),
    location: cluster['location'] ?? null,
    resourceGroup: (typeof cluster['resourceGroup'] === 'string' ? cluster['resourceGroup'] : (parts?.[2] ?? '')).toLowerCase(),
    subscriptionId: cluster['subscriptionId'] ?? parts?.[1] ?? '',
    properties: cluster['properties'] ?? null,
    identity: cluster['identity'] ?? null,
    sku: cluster['sku'] ?? null,
  };
}

function offsetOf(skipToken: unknown): number | undefined {
  if (skipToken === undefined || skipToken === null || skipToken === '') return 0;
  if (typeof skipToken !== 'string') return undefined;
  try {
    const offset = (JSON.parse(Buffer.from(skipToken, 'base64url').toString('utf8')) as { offset?: unknown }).offset;
    return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}

function listIn(body: unknown, member: string): unknown[] {
  if (Array.isArray(body)) return body;
  const list = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[member] : undefined;
  return Array.isArray(list) ? list : [];
}

function noAccess(subscriptionId: string): HttpResponseInit {
  return armError(
    403,
    'AuthorizationFailed',
    `The client does not have authorization to perform action over scope '/subscriptions/${subscriptionId}' (local ARM endpoint fault switch).`,
  );
}

function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'x-ms-failure-cause': 'gateway', ...headers }, jsonBody: { error: { code, message } } };
}

function json(status: number, body: unknown): HttpResponseInit {
  return { status, headers: { 'cache-control': 'no-store' }, jsonBody: body };
}

/**
 * `managedClusters/kubernetesVersions` of a location, in the shape of azure-rest-api-specs
 * `KubernetesVersions_List.json` (api-version 2025-05-01): minors with their support plans and patch upgrades.
 */
const BUILT_IN_KUBERNETES_VERSIONS: readonly ArmJson[] = [
  {
    version: '1.32',
    capabilities: { supportPlan: ['AKSLongTermSupport'] },
    patchVersions: { '1.32.9': { upgrades: ['1.33.5', '1.34.2'] } },
  },
  {
    version: '1.33',
    capabilities: { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] },
    patchVersions: { '1.33.5': { upgrades: ['1.34.2', '1.35.7'] } },
  },
  {
    version: '1.34',
    isDefault: true,
    capabilities: { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] },
    patchVersions: { '1.34.2': { upgrades: ['1.35.7'] } },
  },
  {
    version: '1.35',
    capabilities: { supportPlan: ['KubernetesOfficial', 'AKSLongTermSupport'] },
    patchVersions: { '1.35.7': { upgrades: [] } },
  },
];
