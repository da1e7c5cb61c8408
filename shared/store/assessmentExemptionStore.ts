import type { Database } from '@azure/cosmos';
import { type AssessmentExemption } from '../posture/assessmentExemption';
import { deleteNamedDocument, getNamedDocument, listNamedDocuments, upsertNamedDocument } from './namedDocuments';

/** The assessmentExemptions container: document id = exemption name, partition = subscription. */

const CONTAINER = 'assessmentExemptions';

/** An exemption as stored (the API returns it without `id`: the name says it). */
export interface AssessmentExemptionDocument extends AssessmentExemption {
  id: string;
}

export function toAssessmentExemptionView(document: AssessmentExemptionDocument): AssessmentExemption {
  const { id: _id, ...view } = document;
  return view;
}

export function getAssessmentExemption(database: Database, subscriptionId: string, name: string): Promise<AssessmentExemptionDocument | undefined> {
  return getNamedDocument<AssessmentExemptionDocument>(database, CONTAINER, subscriptionId, name);
}

/** Every exemption of a subscription (expired ones too), by name. */
export function listAssessmentExemptions(database: Database, subscriptionId: string): Promise<AssessmentExemptionDocument[]> {
  return listNamedDocuments<AssessmentExemptionDocument>(database, CONTAINER, subscriptionId);
}

export function upsertAssessmentExemption(database: Database, exemption: AssessmentExemption): Promise<AssessmentExemptionDocument> {
  return upsertNamedDocument<AssessmentExemptionDocument>(database, CONTAINER, { ...exemption, id: exemption.name });
}

/** Deletes an exemption; false when there was none. */
export function deleteAssessmentExemption(database: Database, subscriptionId: string, name: string): Promise<boolean> {
  return deleteNamedDocument(database, CONTAINER, subscriptionId, name);
}
