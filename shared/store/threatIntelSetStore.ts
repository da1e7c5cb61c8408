import type { Database } from '@azure/cosmos';
import { type ThreatIntelSetProperties } from '../intel/threatIntelSet';
import { type Actor } from './suppressionRuleStore';
import { withoutSystemProperties } from './systemProperties';

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

export async function getThreatIntelSet(database: Database, subscriptionId: string, name: string): Promise<ThreatIntelSetDocument | undefined> {
  const { resource } = await database.container(CONTAINER).item(name, subscriptionId).read<ThreatIntelSetDocument>();
  return resource === undefined ? undefined : withoutSystemProperties(resource);
}

/** Every set of a subscription, by name (at most MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION: one page). */
export async function listThreatIntelSets(database: Database, subscriptionId: string): Promise<ThreatIntelSetDocument[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<ThreatIntelSetDocument>(
      { query: 'SELECT * FROM c WHERE c.subscriptionId = @subscriptionId', parameters: [{ name: '@subscriptionId', value: subscriptionId }] },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.map(withoutSystemProperties).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function upsertThreatIntelSet(database: Database, set: ThreatIntelSetDocument): Promise<ThreatIntelSetDocument> {
  const { resource } = await database.container(CONTAINER).items.upsert<ThreatIntelSetDocument>(set);
  return withoutSystemProperties(resource ?? set);
}

/** Deletes a set; false when there was none. */
export async function deleteThreatIntelSet(database: Database, subscriptionId: string, name: string): Promise<boolean> {
  try {
    await database.container(CONTAINER).item(name, subscriptionId).delete();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
