import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { assessmentClusterFilter, clusterQueryValue } from '../shared/assessments/assessmentClusterFilter';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseQuery } from '../shared/http/parseQuery';
import { encodeOpaqueToken, opaqueToken, pageSize } from '../shared/http/queryValues';
import { workloadControls } from '../shared/posture/checks/workload';
import { InventoryKind } from '../shared/posture/workloadInventory';
import { failsControl, judgeWorkload, workloadViewOf } from '../shared/posture/workloadView';
import { listWorkloads as listInventoryWorkloads, type WorkloadFilters, type WorkloadPosition } from '../shared/store/workloadInventoryStore';

export const DEFAULT_WORKLOADS_PAGE_SIZE = 100;
export const MAX_WORKLOADS_PAGE_SIZE = 500;
const CONTINUATION_VERSION = 1;

const KINDS: readonly InventoryKind[] = Object.values(InventoryKind);
const CONTROL_NAMES: readonly string[] = workloadControls.map((control) => control.name);

const continuation = opaqueToken(
  z.strictObject({ v: z.literal(CONTINUATION_VERSION), i: z.string().regex(/^[0-9a-f]{32}$/) }).transform((payload): WorkloadPosition => ({ id: payload.i })),
  'is not a valid continuation token; use the nextLink of the previous page',
);

const listWorkloadsQuery = z.object({
  cluster: clusterQueryValue.optional(),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name (lower-case letters, digits and dashes, at most 63)')
    .optional(),
  kind: z
    .string()
    .transform((value, ctx) => {
      const kind = KINDS.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
      if (kind === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${KINDS.join(', ')}` });
        return z.NEVER;
      }
      return kind;
    })
    .optional(),
  control: z
    .string()
    .transform((value, ctx) => {
      const name = CONTROL_NAMES.find((candidate) => candidate === value.toLowerCase());
      if (name === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a workload control name such as pss-privileged' });
        return z.NEVER;
      }
      return name;
    })
    .optional(),
  top: pageSize(MAX_WORKLOADS_PAGE_SIZE).optional(),
  continuation: continuation.optional(),
});

/**
 * `GET /api/subscriptions/{subscriptionId}/workloads` (SecurityReader or higher): the live workload inventory (current
 * workloads, not deleted ones), each with its Pod Security level and the workload controls it fails, evaluated when
 * read with the default workload settings. Filters `cluster` (name or resource id), `namespace`, `kind`, `control` (only
 * workloads failing it); paged by `top` and the `nextLink` of each page. With `control`, the filter applies after the
 * page is read, so a page can hold fewer than `top` workloads (even none) and still have a `nextLink`: follow it to the
 * end. The spec itself is never returned, only the findings (redacted).
 */
export async function listWorkloads(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, listWorkloadsQuery);
  if (query.kind === 'rejected') return query.response;
  const { cluster, namespace, kind, control, top = DEFAULT_WORKLOADS_PAGE_SIZE, continuation: after } = query.value;

  const filters: WorkloadFilters = {
    ...assessmentClusterFilter(cluster),
    ...(namespace === undefined ? {} : { namespace }),
    ...(kind === undefined ? {} : { kind }),
  };
  const page = await listInventoryWorkloads(services.database, subscriptionId, filters, { top, ...(after === undefined ? {} : { after }) });
  const judged = page.workloads.map((document) => judgeWorkload(document, services.config.assessment.workloadSettings));
  const value = (control === undefined ? judged : judged.filter((workload) => failsControl(workload, control))).map((workload) => workloadViewOf(workload));
  context.log(`listWorkloads: ${value.length} of ${page.workloads.length} workloads read for subscription ${subscriptionId}${page.next ? ' (more)' : ''}`);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { value, ...(page.next === undefined ? {} : { nextLink: nextLink(request.url, page.next) }) },
  };
}

function nextLink(requestUrl: string, next: WorkloadPosition): string {
  const url = new URL(requestUrl);
  url.searchParams.set('continuation', encodeOpaqueToken({ v: CONTINUATION_VERSION, i: next.id }));
  return url.toString();
}

export const listWorkloadsFunction = defineHttpFunction('listWorkloads', {
  route: 'subscriptions/{subscriptionId}/workloads',
  methods: ['GET'],
  handler: listWorkloads,
});
