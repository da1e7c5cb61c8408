/**
 * Where an incremental export consumer is in a container's order of changes: (change stamp, id), both ascending. The
 * stamp is the item's change time (an alert's `lastModifiedUtc`, an assessment's `exportedChangeUtc`).
 */
export interface ChangePosition {
  lastModifiedUtc: string;
  id: string;
}

/** Before every change: the position of a consumer that has read nothing yet. */
export const BEFORE_FIRST_CHANGE: ChangePosition = { lastModifiedUtc: '', id: '' };

export interface ChangePageRequest {
  after: ChangePosition;
  /** Only changes stamped at or before this time (ISO 8601 UTC) are served (see the export's settle time). */
  settledThroughUtc: string;
  top: number;
}
