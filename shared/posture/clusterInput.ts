import { type ArmJson } from './clusterCheck';

/**
 * Reads managed clusters out of what `argus assess` and the local ARM endpoint are given, in any of these forms
 * (and a JSON array of them, or NDJSON, one per line):
 * - an ARM GET body (`{ id, name, type, location, properties: {...} }`, wire names);
 * - an ARM list body (`{ "value": [...] }`) or a Resource Graph response (`{ "data": [...] }`, as
 *   `az graph query -o json` prints it);
 * - a Resource Graph row: an ARM body with extra columns (`subscriptionId`, `resourceGroup`, `tenantId`, ...),
 *   kept as they are;
 * - the output of `az aks show -o json`: the same data without `properties` (flattened) and with the Python
 *   SDK's casing (`enableRbac`, `authorizedIpRanges`, `nodeOsUpgradeChannel`, `aadProfile.tenantId`); it is turned
 *   back into an ARM body with wire names, which is what the checks read;
 * - an azure-rest-api-specs example file (`{ parameters, responses: { "200": { body } } }`): its response body.
 * Pure and total: anything else is a skipped item with a reason, never a throw.
 */

export const ClusterInputSkipReason = {
  /** Neither JSON nor NDJSON. */
  InvalidJson: 'invalidJson',
  /** A JSON value that is not an object (a string, a number, null). */
  NotAnObject: 'notAnObject',
  /** An ARM resource of another type (`type` is not `Microsoft.ContainerService/managedClusters`). */
  NotManagedCluster: 'notManagedCluster',
  /** An object that is none of the accepted forms. */
  UnrecognizedShape: 'unrecognizedShape',
  /** A managed cluster without a string `id`: an assessment needs the resource id. */
  MissingResourceId: 'missingResourceId',
} as const;
export type ClusterInputSkipReason = (typeof ClusterInputSkipReason)[keyof typeof ClusterInputSkipReason];

export interface ClusterInputItem {
  /** The cluster as an ARM body (wire names). */
  cluster: ArmJson;
  /** Where it came from: `<source>`, `<source>:<line>` for NDJSON, plus `[i]` per array or list element. */
  origin: string;
}

export interface SkippedClusterInput {
  origin: string;
  reason: ClusterInputSkipReason;
  /** For people: what was found. */
  detail: string;
}

export interface ClusterInput {
  clusters: ClusterInputItem[];
  skipped: SkippedClusterInput[];
}

const MANAGED_CLUSTER_TYPE = 'microsoft.containerservice/managedclusters';
/** Arrays and lists nested deeper than this are no form above (a list of arrays is two deep): skipped, so nesting cannot exhaust the stack. */
const MAX_NESTING_DEPTH = 32;

/** Top-level members of an ARM resource; the rest of an `az aks show` output goes under `properties`. */
const resourceMembers = new Set([
  'id',
  'name',
  'type',
  'location',
  'tags',
  'sku',
  'identity',
  'extendedLocation',
  'kind',
  'eTag',
  'etag',
  'systemData',
  'zones',
  'managedBy',
  'plan',
  'resourceGroup',
  'subscriptionId',
  'tenantId',
]);

/** Wire names whose `az` (Python SDK) spelling differs only in casing, by lower-case name. */
const wireNames = new Map(
  [
    'enableRBAC',
    'enableAzureRBAC',
    'authorizedIPRanges',
    'enableNodePublicIP',
    'nodePublicIPPrefixID',
    'nodePublicIPTags',
    'diskEncryptionSetID',
    'nodeOSUpgradeChannel',
    'issuerURL',
    'privateDNSZone',
    'azurePortalFQDN',
    'privateFQDN',
    'enablePrivateClusterPublicFQDN',
    'enableVTPM',
    'enableFIPS',
    'enableUltraSSD',
    'osSKU',
    'osDiskSizeGB',
    'dnsServiceIP',
    'adminGroupObjectIDs',
    'serverAppID',
    'clientAppID',
    'vnetSubnetID',
    'podSubnetID',
    'proximityPlacementGroupID',
    'hostGroupID',
    'capacityReservationGroupID',
    'managedOutboundIPs',
    'outboundIPs',
    'outboundIPPrefixes',
    'effectiveOutboundIPs',
    'publicIPs',
    'publicIPPrefixes',
    'enableCSIProxy',
    'httpProxyConfig',
  ].map((name) => [name.toLowerCase(), name]),
);

/** Reads every cluster in a file's text; `source` names the file in origins. */
export function readClusterInput(text: string, source: string): ClusterInput {
  const input: ClusterInput = { clusters: [], skipped: [] };
  if (text.trim() === '') return input;
  const whole = parseJson(text);
  if (whole.ok) {
    collect(whole.value, source, input);
    return input;
  }
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const origin = `${source}:${index + 1}`;
    const parsed = parseJson(line);
    if (parsed.ok) collect(parsed.value, origin, input);
    else input.skipped.push({ origin, reason: ClusterInputSkipReason.InvalidJson, detail: parsed.error });
  });
  return input;
}

/** Reads every cluster in an already parsed JSON value. */
export function clustersFromJson(value: unknown, origin: string): ClusterInput {
  const input: ClusterInput = { clusters: [], skipped: [] };
  collect(value, origin, input);
  return input;
}

function collect(value: unknown, origin: string, input: ClusterInput, depth = 0): void {
  if (depth >= MAX_NESTING_DEPTH) {
    input.skipped.push({ origin, reason: ClusterInputSkipReason.UnrecognizedShape, detail: `arrays or lists nested more than ${MAX_NESTING_DEPTH} deep` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((element, index) => collect(element, `${origin}[${index}]`, input, depth + 1));
    return;
  }
  if (!isObject(value)) {
    input.skipped.push({ origin, reason: ClusterInputSkipReason.NotAnObject, detail: `a JSON ${value === null ? 'null' : typeof value}` });
    return;
  }
  const listed = listMembers(value);
  if (listed !== undefined) {
    listed.forEach((element, index) => collect(element, `${origin}[${index}]`, input, depth + 1));
    return;
  }
  const exampleBody = isObject(value['parameters']) ? responseBody(value) : undefined;
  if (exampleBody !== undefined) {
    collect(exampleBody, origin, input, depth + 1);
    return;
  }
  const type = typeof value['type'] === 'string' ? value['type'] : undefined;
  if (type !== undefined && type.toLowerCase() !== MANAGED_CLUSTER_TYPE) {
    input.skipped.push({ origin, reason: ClusterInputSkipReason.NotManagedCluster, detail: `type ${type}` });
    return;
  }
  const cluster = isObject(value['properties']) ? value : looksLikeAzOutput(value) ? fromAzOutput(value) : undefined;
  if (cluster === undefined) {
    input.skipped.push({ origin, reason: ClusterInputSkipReason.UnrecognizedShape, detail: `an object with ${describeKeys(value)}` });
    return;
  }
  if (typeof cluster['id'] !== 'string' || cluster['id'].trim() === '') {
    input.skipped.push({ origin, reason: ClusterInputSkipReason.MissingResourceId, detail: 'a managed cluster without an id' });
    return;
  }
  input.clusters.push({ cluster, origin });
}

/** The elements of an ARM list body (`value`) or a Resource Graph response (`data`), when it is one. */
function listMembers(value: ArmJson): unknown[] | undefined {
  if (isObject(value['properties']) || typeof value['id'] === 'string') return undefined;
  const list: unknown = Array.isArray(value['value']) ? value['value'] : value['data'];
  return Array.isArray(list) ? (list as unknown[]) : undefined;
}

function responseBody(value: ArmJson): unknown {
  const responses = value['responses'];
  if (!isObject(responses)) return undefined;
  const ok = responses['200'] ?? responses['201'];
  return isObject(ok) ? ok['body'] : undefined;
}

/** `az aks show` output: no `properties`, the cluster's properties at the top (`agentPoolProfiles`, ...). */
function looksLikeAzOutput(value: ArmJson): boolean {
  return 'agentPoolProfiles' in value || 'kubernetesVersion' in value || ('provisioningState' in value && 'nodeResourceGroup' in value);
}

function fromAzOutput(value: ArmJson): ArmJson {
  const cluster: ArmJson = {};
  const properties: ArmJson = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined) continue;
    if (resourceMembers.has(key)) cluster[key] = member;
    else properties[wireName(key)] = toWireNames(member, key);
  }
  cluster['properties'] = properties;
  return cluster;
}

function wireName(key: string, parent?: string): string {
  if (parent === 'aadProfile' && key === 'tenantId') return 'tenantID';
  return wireNames.get(key.toLowerCase()) ?? key;
}

/**
 * Renames the az spellings of wire names, recursively; the keys of tags and of add-on configs stay as they are, and so
 * does what lies deeper than any ARM property (MAX_NESTING_DEPTH), so that nesting cannot exhaust the stack.
 */
function toWireNames(value: unknown, key: string, depth = 0): unknown {
  if (depth >= MAX_NESTING_DEPTH) return value;
  if (Array.isArray(value)) return value.map((element) => toWireNames(element, key, depth + 1));
  if (!isObject(value) || key === 'tags' || key === 'config' || key === 'nodeLabels' || key === 'nodeTaints') return value;
  const renamed: ArmJson = {};
  for (const [child, member] of Object.entries(value)) renamed[wireName(child, key)] = toWireNames(member, child, depth + 1);
  return renamed;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function describeKeys(value: ArmJson): string {
  const keys = Object.keys(value);
  if (keys.length === 0) return 'no keys';
  return `keys ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}`;
}

function isObject(value: unknown): value is ArmJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
