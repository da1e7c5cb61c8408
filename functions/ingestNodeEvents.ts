import { defineEventHubFunction } from '../shared/functions/defineFunction';
import { nodeSignal } from '../shared/ingestion/batchSignal';
import { createIngestionHandler, INGESTION_TRIGGER_OPTIONS } from '../shared/ingestion/ingestionTrigger';

/**
 * The node ingestion trigger: batches of the node-events hub (`%NODE_EVENTHUB_NAME%`: Tetragon's JSON
 * export and falcosidekick's Falco alerts, each event naming its cluster in `cluster_resource_id`) through
 * detection into alerts (see ingestionTrigger).
 */
export const ingestNodeEvents = createIngestionHandler(nodeSignal);

export const ingestNodeEventsFunction = defineEventHubFunction('ingestNodeEvents', {
  eventHubName: '%NODE_EVENTHUB_NAME%',
  consumerGroup: '%NODE_EVENTHUB_CONSUMER_GROUP%',
  ...INGESTION_TRIGGER_OPTIONS,
  handler: ingestNodeEvents,
});
