import { type ClusterIdentity } from '../kubernetes/auditEvent';
import { asObject, type JsonObject } from '../kubernetes/jsonValues';

/**
 * Node events carry no Azure identity: the log shipper adds the AKS cluster's resource id to every record. The
 * canonical key is `cluster_resource_id` at the top level (what the docs tell Fluent Bit's `record_modifier` or
 * Vector's `remap` to add); `resourceId` is accepted too. falcosidekick adds its `customfields` to `output_fields`
 * (handlers.go, newFalcoPayload), so a Falco alert carries it as `output_fields.cluster_resource_id`.
 */
export const CLUSTER_RESOURCE_ID_KEY = 'cluster_resource_id';

export type NodeClusterIdentity =
  | { kind: 'found'; cluster: ClusterIdentity }
  | { kind: 'invalid'; resourceId: string }
  | { kind: 'absent' };

/**
 * The cluster a raw node record names, looking at the shipper's wrapper first (Fluent Bit's `{"log": ...}`,
 * Vector's `{"message": ...}`), then the event itself. `parse` is `parseClusterResourceId`, passed in so the caller
 * can memoize it.
 */
export function nodeClusterIdentityOf(
  event: JsonObject,
  wrapper: JsonObject | undefined,
  parse: (resourceId: string) => ClusterIdentity | undefined,
): NodeClusterIdentity {
  const value = resourceIdIn(wrapper) ?? resourceIdIn(event) ?? asObject(event.output_fields)?.[CLUSTER_RESOURCE_ID_KEY];
  if (value === undefined || value === null || value === '') return { kind: 'absent' };
  const resourceId = typeof value === 'string' ? value : JSON.stringify(value);
  const cluster = typeof value === 'string' ? parse(value) : undefined;
  return cluster === undefined ? { kind: 'invalid', resourceId } : { kind: 'found', cluster };
}

function resourceIdIn(object: JsonObject | undefined): unknown {
  if (object === undefined) return undefined;
  const canonical = object[CLUSTER_RESOURCE_ID_KEY];
  return canonical !== undefined && canonical !== null && canonical !== '' ? canonical : object.resourceId;
}
