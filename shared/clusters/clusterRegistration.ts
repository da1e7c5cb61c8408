import { z } from 'zod';
import { type ClusterIdentity } from '../kubernetes/auditEvent';
import { isReservedSimulationCluster } from '../simulation/simulatedCluster';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';

/**
 * What an Owner writes to register a cluster for the audit webhook: its name (the route), and
 * optionally the Azure resource id its events are tagged with and how long a rotated-out key keeps
 * working. Pure: validation and the identity of a registered cluster.
 */

/** The resource group of the default identity of a cluster registered without a resource id. */
export const REGISTERED_CLUSTERS_RESOURCE_GROUP = 'argus-registered-clusters';

/** The longest grace a rotated-out key may get: one week. */
export const MAX_PREVIOUS_KEY_VALID_FOR_MINUTES = 7 * 24 * 60;

/** Cluster names: 1-63 letters, digits, '-' and '_', starting with a letter or digit; stored lower case. */
export const clusterNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, "must be 1 to 63 characters: letters, digits, '-' or '_', starting with a letter or digit")
  .transform((name) => name.toLowerCase());

/** The PUT body, optional as a whole: without `resourceId` the current (or default) identity stays; the grace is 0 by default. */
export const clusterRegistrationBodySchema = z.strictObject({
  resourceId: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').optional(),
  previousKeyValidForMinutes: z
    .number({ error: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(0, `must be between 0 and ${MAX_PREVIOUS_KEY_VALID_FOR_MINUTES}`)
    .max(MAX_PREVIOUS_KEY_VALID_FOR_MINUTES, `must be between 0 and ${MAX_PREVIOUS_KEY_VALID_FOR_MINUTES}`)
    .optional(),
});

export type ClusterRegistrationBody = z.output<typeof clusterRegistrationBodySchema>;

export type IdentityResolution = { ok: true; value: ClusterIdentity } | { ok: false; message: string };

/**
 * A registered cluster named as an Azure Arc connected cluster (Azure's type for clusters outside AKS),
 * so that its alerts carry a well-formed resource id even though no such Azure resource need exist.
 */
export function defaultClusterIdentity(subscriptionId: string, clusterName: string): ClusterIdentity {
  const identity = parseClusterResourceId(
    `/subscriptions/${subscriptionId}/resourceGroups/${REGISTERED_CLUSTERS_RESOURCE_GROUP}/providers/Microsoft.Kubernetes/connectedClusters/${clusterName}`,
  );
  if (identity === undefined) throw new Error('defaultClusterIdentity: the subscription id or cluster name is not valid.');
  return identity;
}

/**
 * The identity a registration tags its events with: the given AKS or Arc resource id, which must be in
 * the route's subscription and name the route's cluster (so one subscription cannot label events as
 * another's), or without one the Arc default. `message` starts with `resourceId`.
 */
export function resolveClusterIdentity(subscriptionId: string, clusterName: string, resourceId: string | undefined): IdentityResolution {
  if (resourceId === undefined) return { ok: true, value: defaultClusterIdentity(subscriptionId, clusterName) };
  const identity = parseClusterResourceId(resourceId);
  if (identity === undefined) {
    return {
      ok: false,
      message:
        'resourceId must be the resource id of an AKS cluster (Microsoft.ContainerService/managedClusters) or an Azure Arc connected cluster (Microsoft.Kubernetes/connectedClusters).',
    };
  }
  if (identity.subscriptionId !== subscriptionId) return { ok: false, message: `resourceId must be in subscription ${subscriptionId}, the one in the path.` };
  if (identity.clusterName !== clusterName) return { ok: false, message: `resourceId must name the cluster ${clusterName}, the one in the path.` };
  // Ingestion would refuse its events anyway (they lack the service's signature); say so up front.
  if (isReservedSimulationCluster(identity)) return { ok: false, message: 'resourceId is the reserved identity of the simulated cluster; only Argus itself sends its events.' };
  return { ok: true, value: identity };
}
