import type { HttpResponseInit } from '@azure/functions';
import { errorResponse } from './errorResponse';

/** Alert ids are 32 hex digits (shared/alerts/alertId.ts); any Cosmos-safe id of that kind is accepted. */
const ALERT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The 400 for an `{alertId}` route parameter that cannot be an alert id, or undefined when it can. */
export function alertIdProblem(alertId: string): HttpResponseInit | undefined {
  return ALERT_ID_PATTERN.test(alertId) ? undefined : errorResponse(400, 'InvalidParameter', 'alertId must be an alert id (letters, digits, _ . : -; at most 128).');
}
