import { z } from 'zod';
import { parseClusterResourceId } from '../kubernetes/clusterIdentity';
import { type AssessmentFilters } from '../store/assessmentStore';

/** The `cluster` query parameter of the assessment routes: a cluster name or an AKS cluster resource id (any casing). */
export const clusterQueryValue = z
  .string()
  .refine(
    (value) => (value.includes('/') ? parseClusterResourceId(value) !== undefined : /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(value)),
    'must be a cluster name or an AKS cluster resource id',
  );

/** A `cluster` query value as a store filter: a resource id (canonical) or a cluster name (lower case, as stored). */
export function assessmentClusterFilter(cluster: string | undefined): Pick<AssessmentFilters, 'clusterName' | 'clusterResourceId'> {
  if (cluster === undefined) return {};
  const identity = cluster.includes('/') ? parseClusterResourceId(cluster) : undefined;
  return identity === undefined ? { clusterName: cluster.toLowerCase() } : { clusterResourceId: identity.resourceId };
}
