import { z } from 'zod';
import { type Assessment } from '../posture/evaluateClusterChecks';
import { type EventPublisher } from './eventPublisher';

/**
 * The alert-events hub's assessment messages: one per exported assessment change (first evaluation, status change),
 * published by the refresh after the assessment was written, beside the alert changes, so one push path (and one
 * set of targets) carries both. `assessmentId` + `version` name the state; the event carries the assessment with the
 * exemptions in force when it was published.
 */
export const ASSESSMENT_CHANGED_EVENT_TYPE = 'assessmentChanged';

export interface AssessmentChangedEvent {
  type: typeof ASSESSMENT_CHANGED_EVENT_TYPE;
  subscriptionId: string;
  assessmentId: string;
  version: number;
  exportedChangeUtc: string;
  assessment: Assessment;
}

export function assessmentChangedEventOf(assessment: Assessment): AssessmentChangedEvent {
  return {
    type: ASSESSMENT_CHANGED_EVENT_TYPE,
    subscriptionId: assessment.subscriptionId,
    assessmentId: assessment.id,
    version: assessment.version,
    exportedChangeUtc: assessment.exportedChangeUtc,
    assessment,
  };
}

/** Publishes assessment changes, one subscription's in order under its partition key (as alert changes). */
export async function publishAssessmentChanges(publisher: EventPublisher, assessments: readonly Assessment[]): Promise<void> {
  const bySubscription = new Map<string, string[]>();
  for (const assessment of assessments) {
    const bodies = bySubscription.get(assessment.subscriptionId) ?? [];
    bodies.push(JSON.stringify(assessmentChangedEventOf(assessment)));
    bySubscription.set(assessment.subscriptionId, bodies);
  }
  await Promise.all([...bySubscription].map(([subscriptionId, bodies]) => publisher.publish(bodies, { partitionKey: subscriptionId })));
}

/** The fields the delivery relies on; the assessment itself is passed through as published. */
export const assessmentChangedEventSchema = z.object({
  type: z.literal(ASSESSMENT_CHANGED_EVENT_TYPE),
  subscriptionId: z.string().min(1),
  assessmentId: z.string().min(1),
  version: z.number().int().min(1),
  exportedChangeUtc: z.string().min(1),
  assessment: z.looseObject({
    id: z.string(),
    subscriptionId: z.string(),
    version: z.number(),
    name: z.string(),
    status: z.looseObject({ code: z.string() }),
    resourceDetails: z.looseObject({ id: z.string() }),
    metadata: z.looseObject({ severity: z.string() }),
  }),
});
