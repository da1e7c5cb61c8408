import type { HttpResponseInit } from '@azure/functions';
import { errorResponse } from './errorResponse';

/** Incident ids are 32 lower-case hex digits (createIncidentId in shared/alerts/correlateIncidents.ts). */
const INCIDENT_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The 400 for an `{incidentId}` route parameter that cannot be an incident id, or undefined when it can. */
export function incidentIdProblem(incidentId: string): HttpResponseInit | undefined {
  return INCIDENT_ID_PATTERN.test(incidentId) ? undefined : errorResponse(400, 'InvalidParameter', 'incidentId must be an incident id (32 lower-case hexadecimal digits).');
}
