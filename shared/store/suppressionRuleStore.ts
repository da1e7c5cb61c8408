import type { Database } from '@azure/cosmos';
import { type SuppressionRule } from '../alerts/suppressionRule';
import { withoutSystemProperties } from './systemProperties';

/** Who wrote a document (principal id and display name at the time). */
export interface Actor {
  principalId: string;
  principalName: string;
}

/** A suppression rule as stored: document id = rule name, partition = subscription. */
export interface SuppressionRuleDocument extends SuppressionRule {
  id: string;
  subscriptionId: string;
  createdAtUtc: string;
  createdBy: Actor;
  updatedAtUtc: string;
  updatedBy: Actor;
}

/** What the API returns for a rule: the document without its id (the name says it). */
export type SuppressionRuleView = Omit<SuppressionRuleDocument, 'id'>;

export function toSuppressionRuleView(document: SuppressionRuleDocument): SuppressionRuleView {
  const { id: _id, ...view } = document;
  return view;
}

const CONTAINER = 'suppressionRules';

export async function getSuppressionRule(database: Database, subscriptionId: string, name: string): Promise<SuppressionRuleDocument | undefined> {
  const { resource } = await database.container(CONTAINER).item(name, subscriptionId).read<SuppressionRuleDocument>();
  return resource === undefined ? undefined : withoutSystemProperties(resource);
}

/** Every rule of a subscription, by name. */
export async function listSuppressionRules(database: Database, subscriptionId: string): Promise<SuppressionRuleDocument[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<SuppressionRuleDocument>(
      {
        query: 'SELECT * FROM c WHERE c.subscriptionId = @subscriptionId',
        parameters: [{ name: '@subscriptionId', value: subscriptionId }],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.map(withoutSystemProperties).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function upsertSuppressionRule(database: Database, rule: SuppressionRuleDocument): Promise<SuppressionRuleDocument> {
  const { resource } = await database.container(CONTAINER).items.upsert<SuppressionRuleDocument>(rule);
  return withoutSystemProperties(resource ?? rule);
}

/** Deletes a rule; false when there was none. */
export async function deleteSuppressionRule(database: Database, subscriptionId: string, name: string): Promise<boolean> {
  try {
    await database.container(CONTAINER).item(name, subscriptionId).delete();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
