import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { assessmentClusterFilter, clusterQueryValue } from '../shared/assessments/assessmentClusterFilter';
import { exemptAssessments } from '../shared/assessments/exemptAssessments';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseQuery } from '../shared/http/parseQuery';
import { encodeOpaqueToken, opaqueToken, pageSize } from '../shared/http/queryValues';
import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode } from '../shared/posture/assessment';
import { listAssessmentExemptions } from '../shared/store/assessmentExemptionStore';
import { type AssessmentFilters, type AssessmentPosition, queryAssessments } from '../shared/store/assessmentStore';

export const DEFAULT_ASSESSMENTS_PAGE_SIZE = 100;
export const MAX_ASSESSMENTS_PAGE_SIZE = 500;
const CONTINUATION_VERSION = 1;

/** One value or comma-separated values of an enum, matched case-insensitively, in the enum's spelling. */
function enumList<T extends string>(values: readonly T[]) {
  const byLowerCase = new Map(values.map((value) => [value.toLowerCase(), value]));
  return z.string().transform((text, ctx) => {
    const chosen = new Set<T>();
    for (const part of text.split(',')) {
      const value = byLowerCase.get(part.trim().toLowerCase());
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be one or more of ${values.join(', ')}, separated by commas` });
        return z.NEVER;
      }
      chosen.add(value);
    }
    return [...chosen];
  });
}

const CATEGORIES: readonly AssessmentCategory[] = Object.values(AssessmentCategory);

const continuation = opaqueToken(
  z.strictObject({ v: z.literal(CONTINUATION_VERSION), i: z.string().regex(/^[0-9a-f]{32}$/) }).transform((payload): AssessmentPosition => ({ id: payload.i })),
  'is not a valid continuation token; use the nextLink of the previous page',
);

const listAssessmentsQuery = z.object({
  cluster: clusterQueryValue.optional(),
  status: enumList(Object.values(AssessmentStatusCode)).optional(),
  severity: enumList(Object.values(AssessmentSeverity)).optional(),
  category: z
    .string()
    .transform((value, ctx) => {
      const category = CATEGORIES.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
      if (category === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${CATEGORIES.join(', ')}` });
        return z.NEVER;
      }
      return category;
    })
    .optional(),
  top: pageSize(MAX_ASSESSMENTS_PAGE_SIZE).optional(),
  continuation: continuation.optional(),
});

/**
 * `GET /api/subscriptions/{subscriptionId}/assessments` (SecurityReader or higher): the subscription's cluster
 * configuration assessments (one per check and cluster), with its exemptions applied, filtered by `cluster` (name or
 * resource id), `status`, `severity`, `category`, paged by `top` and the `nextLink` of each page.
 */
export async function listAssessments(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityReader, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services } = authorization;
  const query = parseQuery(request, listAssessmentsQuery);
  if (query.kind === 'rejected') return query.response;
  const { cluster, status, severity, category, top = DEFAULT_ASSESSMENTS_PAGE_SIZE, continuation: after } = query.value;

  const filters: AssessmentFilters = {
    ...assessmentClusterFilter(cluster),
    ...(status === undefined ? {} : { statuses: status }),
    ...(severity === undefined ? {} : { severities: severity }),
    ...(category === undefined ? {} : { category }),
  };
  const [page, exemptions] = await Promise.all([
    queryAssessments(services.database, subscriptionId, filters, { top, ...(after === undefined ? {} : { after }) }),
    listAssessmentExemptions(services.database, subscriptionId),
  ]);
  const value = exemptAssessments(page.assessments, exemptions, new Date().toISOString());
  context.log(`listAssessments: ${value.length} assessments for subscription ${subscriptionId}${page.next ? ' (more)' : ''}`);
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    jsonBody: { value, ...(page.next === undefined ? {} : { nextLink: nextLink(request.url, page.next) }) },
  };
}

function nextLink(requestUrl: string, next: AssessmentPosition): string {
  const url = new URL(requestUrl);
  url.searchParams.set('continuation', encodeOpaqueToken({ v: CONTINUATION_VERSION, i: next.id }));
  return url.toString();
}

export const listAssessmentsFunction = defineHttpFunction('listAssessments', {
  route: 'subscriptions/{subscriptionId}/assessments',
  methods: ['GET'],
  handler: listAssessments,
});
