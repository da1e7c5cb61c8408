import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { exemptAssessments } from '../shared/assessments/exemptAssessments';
import { servePullExport } from '../shared/export/pullExport';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { toAssessmentExportRecord } from '../shared/posture/export/assessmentExportFormat';
import { listAssessmentExemptions } from '../shared/store/assessmentExemptionStore';
import { queryAssessmentChanges } from '../shared/store/assessmentStore';

/**
 * `GET /api/subscriptions/{subscriptionId}/export/assessments?format=json|cef|ocsf&cursor=...&top=...`: the posture
 * feed of the incremental pull, with the contract of `export/alerts`. Assessments whose status changed (first
 * evaluation, Healthy <-> Unhealthy <-> NotApplicable) after the cursor, oldest change first, each at its current
 * `version` with the exemptions in force now applied (as the list shows them): json as stored (`kind: "assessment"`), ocsf as Compliance Findings (class
 * 2003), cef with Signature ID `assessment:<check>`. SecurityReader or higher.
 */
export function exportAssessments(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return servePullExport(request, context, {
    name: 'exportAssessments',
    readChanges: async (database, subscriptionId, page) => {
      const [changes, exemptions] = await Promise.all([queryAssessmentChanges(database, subscriptionId, page), listAssessmentExemptions(database, subscriptionId)]);
      return { items: exemptAssessments(changes.assessments, exemptions, new Date().toISOString()), next: changes.next, hasMore: changes.hasMore };
    },
    toRecord: toAssessmentExportRecord,
  });
}

export const exportAssessmentsFunction = defineHttpFunction('exportAssessments', {
  route: 'subscriptions/{subscriptionId}/export/assessments',
  methods: ['GET'],
  handler: exportAssessments,
});
