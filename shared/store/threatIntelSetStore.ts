import type { Database } from '@azure/cosmos';
import { type ThreatIntelSetProperties } from '../intel/threatIntelSet';
import { type Actor } from './suppressionRuleStore';
import { deleteNamedDocument, getNamedDocument, listNamedDocuments, upsertNamedDocument } from './namedDocuments';

/** A custom threat-intel set as stored: document id = set name, partition = subscription. */
export interface ThreatIntelSetDocument extends ThreatIntelSetProperties {
  id: string;
  subscriptionId: string;
  name: string;
  createdAtUtc: string;
  createdBy: Actor;
  updatedAtUtc: string;
  updatedBy: Actor;
}

/** What the API returns for a set: the document without its id (the name says it), with its entry count. */
export type ThreatIntelSetView = Omit<ThreatIntelSetDocument, 'id'> & { entryCount: number };

export function toThreatIntelSetView(document: ThreatIntelSetDocument): ThreatIntelSetView {
  const { id: _id, ...view } = document;
  return { ...view, entryCount: document.ips.length + document.cidrs.length + document.domains.length };
}

const CONTAINER = 'threatIntelSets';

export function getThreatIntelSet(database: Database, subscriptionId: string, name: string): Promise<ThreatIntelSetDocument | undefined> {
  return getNamedDocument<ThreatIntelSetDocument>(database, CONTAINER, subscriptionId, name);
}

/** Every set of a subscription, by name (at most MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION: one page). */
export function listThreatIntelSets(database: Database, subscriptionId: string): Promise<ThreatIntelSetDocument[]> {
  return listNamedDocuments<ThreatIntelSetDocument>(database, CONTAINER, subscriptionId);
}

export function upsertThreatIntelSet(database: Database, set: ThreatIntelSetDocument): Promise<ThreatIntelSetDocument> {
  return upsertNamedDocument(database, CONTAINER, set);
}

/** Deletes a set; false when there was none. */
export function deleteThreatIntelSet(database: Database, subscriptionId: string, name: string): Promise<boolean> {
  return deleteNamedDocument(database, CONTAINER, subscriptionId, name);
}
