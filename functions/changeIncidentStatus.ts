import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { type Incident } from '../shared/alerts/incident';
import { type EventPublisher } from '../shared/messaging/eventPublisher';
import { alertStatusActions, changeAlertStatus as decideStatusChange, isAlertStatusAction, MAX_STATUS_COMMENT_LENGTH } from '../shared/alerts/changeAlertStatus';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { entityTag, ifMatchAllows } from '../shared/http/entityTags';
import { errorResponse } from '../shared/http/errorResponse';
import { incidentIdProblem } from '../shared/http/incidentRoute';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { publishIncidentChanges } from '../shared/messaging/incidentChangedEvents';
import { getIncident, writeIncident } from '../shared/store/incidentStore';

/** The first try and one retry when someone else (the correlation timer, another admin) wrote the incident in between. */
const MAX_ATTEMPTS = 2;

const statusChangeBody = z.strictObject({
  comment: z.string({ error: 'must be a string' }).max(MAX_STATUS_COMMENT_LENGTH, `must be at most ${MAX_STATUS_COMMENT_LENGTH} characters`).optional(),
});

const NOT_FOUND = 'The incident was not found.';

/**
 * `POST /api/subscriptions/{subscriptionId}/incidents/{incidentId}/{dismiss|resolve|activate|inProgress}` with
 * an optional `{ "comment": "..." }`: the alert lifecycle applied to an incident (status history of who, when
 * and why; the same status again changes nothing). The status is the admins' and survives re-correlation; the
 * incident's alerts keep their own. Honours `If-Match` (412 with the current `ETag` when stale); without it, a
 * concurrent write is retried once, then 409. SecurityAdmin or higher. An unknown action is 404.
 */
export async function changeIncidentStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'single' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services, principal } = authorization;
  const action = request.params.action ?? '';
  if (!isAlertStatusAction(action)) {
    return errorResponse(404, 'NotFound', `There is no such incident action; use one of ${Object.keys(alertStatusActions).join(', ')}.`);
  }
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const incidentId = request.params.incidentId ?? '';
  const problem = incidentIdProblem(incidentId);
  if (problem !== undefined) return problem;
  const body = await parseJsonBody(request, statusChangeBody, { allowEmpty: true, example: '{"comment":"..."}' });
  if (body.kind === 'rejected') return body.response;
  const ifMatch = request.headers.get('if-match') ?? undefined;

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = await getIncident(services.database, subscriptionId, incidentId);
    if (stored === undefined) return errorResponse(404, 'NotFound', NOT_FOUND);
    if (ifMatch !== undefined && !ifMatchAllows(ifMatch, stored.etag)) return stale(stored.etag);

    const outcome = decideStatusChange<Incident>(stored.incident, {
      action,
      principalId: principal.objectId,
      principalName: principal.displayName,
      ...(body.value?.comment === undefined ? {} : { comment: body.value.comment }),
      now: new Date(),
    });
    if (outcome.kind === 'unchanged') return ok(stored.incident, stored.etag);

    const write = await writeIncident(services.database, outcome.alert, stored.etag, { restampAfterInMs: services.config.export.settleInMs / 2 });
    if (write.kind === 'written') {
      context.log(
        `incident ${incidentId} in subscription ${subscriptionId}: ${stored.incident.status} -> ${outcome.change.status} by principal ${principal.objectId} (invocation ${context.invocationId})`,
      );
      await publishChange(write.stored.incident, services.alertEventPublisher, context);
      return ok(write.stored.incident, write.stored.etag);
    }
    if (write.kind === 'not-found') return errorResponse(404, 'NotFound', NOT_FOUND);
    // Written by someone else since it was read. With If-Match the caller's version is now stale.
    if (ifMatch !== undefined) {
      const current = await getIncident(services.database, subscriptionId, incidentId);
      return current === undefined ? errorResponse(404, 'NotFound', NOT_FOUND) : stale(current.etag);
    }
  }
  context.warn(`incident ${incidentId} in subscription ${subscriptionId}: status change gave up after ${MAX_ATTEMPTS} concurrent writes (invocation ${context.invocationId})`);
  return errorResponse(409, 'Conflict', 'The incident kept changing while the status was being set; try again.');
}

/**
 * Tells the push export (`incidentChanged`). The change is stored and the pull export serves it whatever happens here,
 * so a hub that cannot be reached is logged rather than failing the analyst's request.
 */
async function publishChange(incident: Incident, publisher: EventPublisher, context: InvocationContext): Promise<void> {
  try {
    await publishIncidentChanges(publisher, [incident]);
  } catch (error) {
    context.error(`incident ${incident.id}: publishing the status change to the push export failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function ok(incident: Incident, etag: string): HttpResponseInit {
  return { status: 200, headers: { 'cache-control': 'no-store', etag: entityTag(etag) }, jsonBody: incident };
}

function stale(currentEtag: string): HttpResponseInit {
  return errorResponse(412, 'PreconditionFailed', 'If-Match does not match the current ETag of the incident: read it again and retry.', {
    etag: entityTag(currentEtag),
  });
}

export const changeIncidentStatusFunction = defineHttpFunction('changeIncidentStatus', {
  route: 'subscriptions/{subscriptionId}/incidents/{incidentId}/{action}',
  methods: ['POST'],
  handler: changeIncidentStatus,
});
