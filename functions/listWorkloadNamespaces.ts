import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { assessmentClusterFilter, clusterQueryValue } from '../shared/assessments/assessmentClusterFilter';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseQuery } from '../shared/http/parseQuery';
import { type InventoryDocument } from '../shared/posture/workloadInventory';
import { workloadNamespacesOf } from '../shared/posture/workloadNamespaces';
import { listWorkloads, type WorkloadPosition } from '../shared/store/workloadInventoryStore';

/** Documents read per query while collecting a cluster's inventory. */
const READ_PAGE_SIZE = 500;

const listWorkloadNamespacesQuery = z.object({
  cluster: z.string({ error: 'is required: a cluster name or an AKS cluster resource id' }).pipe(clusterQueryValue),
});

/**
 * `GET /api/subscriptions/{subscriptionId}/workloadNamespaces?cluster=<name or resource id>` (SecurityReader or
 * higher): per namespace of the cluster's current workloads, the highest Pod Security level all of them meet, the label
 * and the kubectl command that would enforce it, and the workloads that hold it below the next level with the controls
 * they fail; plus the inventory's coverage of the cluster (since when, how many workloads, which are partial). 404 when
 * the subscription has no inventory for the cluster; 409 `AmbiguousCluster` when the name is that of several clusters.
 */
export async function listWorkloadNamespaces(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, listWorkloadNamespacesQuery);
  if (query.kind === 'rejected') return query.response;

  const filters = { ...assessmentClusterFilter(query.value.cluster), includeDeleted: true };
  const documents: InventoryDocument[] = [];
  let after: WorkloadPosition | undefined;
  do {
    const page = await listWorkloads(services.database, subscriptionId, filters, { top: READ_PAGE_SIZE, ...(after === undefined ? {} : { after }) });
    documents.push(...page.workloads);
    after = page.next;
  } while (after !== undefined);

  const clusters = new Set(documents.map((document) => document.cluster));
  const [cluster] = clusters;
  if (cluster === undefined) return errorResponse(404, 'NotFound', 'The subscription has no workload inventory for that cluster.');
  if (clusters.size > 1) return errorResponse(409, 'AmbiguousCluster', 'Several clusters of this subscription have that name; give the cluster resource id.');
  const namespaces = workloadNamespacesOf(cluster, documents, services.config.assessment.workloadSettings);
  if (namespaces === undefined) return errorResponse(404, 'NotFound', 'The subscription has no workload inventory for that cluster.');
  context.log(`listWorkloadNamespaces: ${namespaces.namespaces.length} namespaces, ${namespaces.coverage.workloads} workloads of ${cluster}`);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: namespaces };
}

export const listWorkloadNamespacesFunction = defineHttpFunction('listWorkloadNamespaces', {
  route: 'subscriptions/{subscriptionId}/workloadNamespaces',
  methods: ['GET'],
  handler: listWorkloadNamespaces,
});
