import type { Database, ItemDefinition } from '@azure/cosmos';
import { withoutSystemProperties } from './systemProperties';

/**
 * The settings an admin names within a subscription (suppression rules, assessment exemptions, threat-intel sets): one
 * document per name, the name as the id, partition `/subscriptionId`. Lists are small (each kind is capped per
 * subscription) and come sorted by name.
 */
export interface NamedDocument extends ItemDefinition {
  id: string;
  subscriptionId: string;
  name: string;
}

export async function getNamedDocument<T extends NamedDocument>(database: Database, container: string, subscriptionId: string, name: string): Promise<T | undefined> {
  const { resource } = await database.container(container).item(name, subscriptionId).read<T>();
  return resource === undefined ? undefined : withoutSystemProperties(resource);
}

/** Every document of the subscription, by name (one page: each kind is capped per subscription). */
export async function listNamedDocuments<T extends NamedDocument>(database: Database, container: string, subscriptionId: string): Promise<T[]> {
  const { resources } = await database
    .container(container)
    .items.query<T>({ query: 'SELECT * FROM c WHERE c.subscriptionId = @subscriptionId', parameters: [{ name: '@subscriptionId', value: subscriptionId }] }, { partitionKey: subscriptionId })
    .fetchAll();
  return resources.map(withoutSystemProperties).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function upsertNamedDocument<T extends NamedDocument>(database: Database, container: string, document: T): Promise<T> {
  const { resource } = await database.container(container).items.upsert<T>(document);
  return withoutSystemProperties(resource ?? document);
}

/** Deletes one; false when there was none. */
export async function deleteNamedDocument(database: Database, container: string, subscriptionId: string, name: string): Promise<boolean> {
  try {
    await database.container(container).item(name, subscriptionId).delete();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
