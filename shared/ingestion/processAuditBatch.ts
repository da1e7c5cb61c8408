import { auditSignal } from './batchSignal';
import { type EventBatch } from './eventHubBatch';
import { type BatchOutcome, type IngestionDependencies, processEventBatch } from './processEventBatch';

/**
 * A batch of the audit hub through the pipeline: processEventBatch with the audit decoder. Kept as an entry
 * point for callers that process audit batches directly (the simulation's tests, the ingestion bench).
 */
export function processAuditBatch(batch: EventBatch, dependencies: IngestionDependencies): Promise<BatchOutcome> {
  return processEventBatch(batch, auditSignal, dependencies);
}

// The bench imports the summary type from here; it lives in processEventBatch.
export type { BatchSummary } from './processEventBatch';
