import { type Alert, AlertStatus, type AlertStatusChange } from './alert';

/** The status actions of `POST .../alerts/{alertId}/{action}`, and the status each one sets. */
export const alertStatusActions = {
  dismiss: AlertStatus.Dismissed,
  resolve: AlertStatus.Resolved,
  activate: AlertStatus.Active,
  inProgress: AlertStatus.InProgress,
} as const satisfies Record<string, AlertStatus>;
export type AlertStatusAction = keyof typeof alertStatusActions;

export function isAlertStatusAction(value: string): value is AlertStatusAction {
  return Object.hasOwn(alertStatusActions, value);
}

/** The longest comment a status change may carry. */
export const MAX_STATUS_COMMENT_LENGTH = 1000;

export interface AlertStatusChangeRequest {
  action: AlertStatusAction;
  principalId: string;
  principalName: string;
  /** Why; omitted or blank means no comment. */
  comment?: string;
  /** The caller's clock. */
  now: Date;
}

/** What a status change touches: an alert, or an incident (which has the same lifecycle). */
export type StatusTracked = Pick<Alert, 'status' | 'statusHistory' | 'version' | 'lastModifiedUtc'>;

export type AlertStatusChangeOutcome<T extends StatusTracked = Alert> =
  /** The alert has the new status and one more history entry; it must be written. */
  | { kind: 'changed'; alert: T; change: AlertStatusChange }
  /** The alert already has the requested status: nothing to write, no second history entry. */
  | { kind: 'unchanged'; alert: T };

/**
 * The alert lifecycle: any status may move to any other (as in Defender), each move recorded in the
 * status history with who, when and why. Asking for the status the alert already has changes nothing,
 * so that a retried or repeated request is harmless. Pure: returns a new alert, the input is untouched.
 * Incidents go through the same lifecycle (same actions, same history).
 */
export function changeAlertStatus<T extends StatusTracked = Alert>(alert: T, request: AlertStatusChangeRequest): AlertStatusChangeOutcome<T> {
  const status = alertStatusActions[request.action];
  if (alert.status === status) return { kind: 'unchanged', alert };
  const comment = request.comment?.trim();
  const change: AlertStatusChange = {
    status,
    principalId: request.principalId,
    principalName: request.principalName,
    timeUtc: request.now.toISOString(),
    ...(comment ? { comment } : {}),
  };
  const alertChanged: T = { ...alert, status, statusHistory: [...alert.statusHistory, change], version: alert.version + 1, lastModifiedUtc: change.timeUtc };
  return { kind: 'changed', alert: alertChanged, change };
}
