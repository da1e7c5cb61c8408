import type { Database } from '@azure/cosmos';
import { type AssessmentExemption } from '../posture/assessmentExemption';
import { withoutSystemProperties } from './systemProperties';

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

export async function getAssessmentExemption(database: Database, subscriptionId: string, name: string): Promise<AssessmentExemptionDocument | undefined> {
  const { resource } = await database.container(CONTAINER).item(name, subscriptionId).read<AssessmentExemptionDocument>();
  return resource === undefined ? undefined : withoutSystemProperties(resource);
}

/** Every exemption of a subscription (expired ones too), by name. */
export async function listAssessmentExemptions(database: Database, subscriptionId: string): Promise<AssessmentExemptionDocument[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<AssessmentExemptionDocument>(
      { query: 'SELECT * FROM c WHERE c.subscriptionId = @subscriptionId', parameters: [{ name: '@subscriptionId', value: subscriptionId }] },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.map(withoutSystemProperties).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function upsertAssessmentExemption(database: Database, exemption: AssessmentExemption): Promise<AssessmentExemptionDocument> {
  const document: AssessmentExemptionDocument = { ...exemption, id: exemption.name };
  const { resource } = await database.container(CONTAINER).items.upsert<AssessmentExemptionDocument>(document);
  return withoutSystemProperties(resource ?? document);
}

/** Deletes an exemption; false when there was none. */
export async function deleteAssessmentExemption(database: Database, subscriptionId: string, name: string): Promise<boolean> {
  try {
    await database.container(CONTAINER).item(name, subscriptionId).delete();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
