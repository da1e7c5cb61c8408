import type { Database } from '@azure/cosmos';
import { type ExportSettings } from '../export/exportTargets';
import { withoutSystemProperties } from './systemProperties';

/** The exportSettings container: one document per subscription (id = partition key = subscription id). */

const CONTAINER = 'exportSettings';

export async function getExportSettings(database: Database, subscriptionId: string): Promise<ExportSettings | undefined> {
  const { resource } = await database.container(CONTAINER).item(subscriptionId, subscriptionId).read<ExportSettings>();
  return resource === undefined ? undefined : withoutSystemProperties(resource);
}

export async function saveExportSettings(database: Database, settings: ExportSettings): Promise<ExportSettings> {
  const { resource } = await database.container(CONTAINER).items.upsert<ExportSettings>(settings);
  return withoutSystemProperties(resource ?? settings);
}
