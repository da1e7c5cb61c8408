import type { Database } from '@azure/cosmos';
import { type SuppressionRule } from '../alerts/suppressionRule';
import { deleteNamedDocument, getNamedDocument, listNamedDocuments, upsertNamedDocument } from './namedDocuments';

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

export function getSuppressionRule(database: Database, subscriptionId: string, name: string): Promise<SuppressionRuleDocument | undefined> {
  return getNamedDocument<SuppressionRuleDocument>(database, CONTAINER, subscriptionId, name);
}

/** Every rule of a subscription, by name. */
export function listSuppressionRules(database: Database, subscriptionId: string): Promise<SuppressionRuleDocument[]> {
  return listNamedDocuments<SuppressionRuleDocument>(database, CONTAINER, subscriptionId);
}

export function upsertSuppressionRule(database: Database, rule: SuppressionRuleDocument): Promise<SuppressionRuleDocument> {
  return upsertNamedDocument(database, CONTAINER, rule);
}

/** Deletes a rule; false when there was none. */
export function deleteSuppressionRule(database: Database, subscriptionId: string, name: string): Promise<boolean> {
  return deleteNamedDocument(database, CONTAINER, subscriptionId, name);
}
