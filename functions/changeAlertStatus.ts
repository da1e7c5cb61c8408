import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { type Alert } from '../shared/alerts/alert';
import {
  alertStatusActions,
  changeAlertStatus as decideStatusChange,
  isAlertStatusAction,
  MAX_STATUS_COMMENT_LENGTH,
} from '../shared/alerts/changeAlertStatus';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { alertIdProblem } from '../shared/http/alertRoute';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { entityTag, ifMatchAllows } from '../shared/http/entityTags';
import { errorResponse } from '../shared/http/errorResponse';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { noQueryParameters, parseQuery } from '../shared/http/parseQuery';
import { getAlert, replaceAlert, restampAlert } from '../shared/store/alertStore';
import { publishAlertChanges } from '../shared/messaging/alertChangedEvents';
import { type EventPublisher } from '../shared/messaging/eventPublisher';

/** How often a change is tried again when someone else wrote the alert in between (no If-Match given). */
const MAX_ATTEMPTS = 3;

const statusChangeBody = z.strictObject({
  comment: z.string({ error: 'must be a string' }).max(MAX_STATUS_COMMENT_LENGTH, `must be at most ${MAX_STATUS_COMMENT_LENGTH} characters`).optional(),
});

/**
 * `POST /api/subscriptions/{subscriptionId}/alerts/{alertId}/{dismiss|resolve|activate|inProgress}`
 * with an optional `{ "comment": "..." }`: sets the alert's status and records who, when and why in its
 * status history. Honours `If-Match` (412 with the current `ETag` when stale); asking for the status the
 * alert already has changes nothing (200, no second history entry). SecurityAdmin or higher. An unknown
 * action is 404, as a path that does not exist.
 */
export async function changeAlertStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'single' });
  if (authorization.kind === 'rejected') return authorization.response;
  const { subscriptionId, services, principal } = authorization;
  const action = request.params.action ?? '';
  if (!isAlertStatusAction(action)) {
    return errorResponse(404, 'NotFound', `There is no such alert action; use one of ${Object.keys(alertStatusActions).join(', ')}.`);
  }
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query.response;
  const alertId = request.params.alertId ?? '';
  const problem = alertIdProblem(alertId);
  if (problem !== undefined) return problem;
  const body = await parseJsonBody(request, statusChangeBody, { allowEmpty: true, example: '{"comment":"..."}' });
  if (body.kind === 'rejected') return body.response;
  const ifMatch = request.headers.get('if-match') ?? undefined;

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = await getAlert(services.database, subscriptionId, alertId);
    if (stored === undefined) return errorResponse(404, 'NotFound', 'The alert was not found.');
    if (ifMatch !== undefined && !ifMatchAllows(ifMatch, stored.etag)) return stale(stored.etag);

    const outcome = decideStatusChange(stored.alert, {
      action,
      principalId: principal.objectId,
      principalName: principal.displayName,
      ...(body.value?.comment === undefined ? {} : { comment: body.value.comment }),
      now: new Date(),
    });
    if (outcome.kind === 'unchanged') return ok(stored.alert, stored.etag);

    const stampedAt = Date.now();
    const replacement = await replaceAlert(services.database, outcome.alert, stored.etag);
    if (replacement.kind === 'replaced') {
      context.log(
        `alert ${alertId} in subscription ${subscriptionId}: ${stored.alert.status} -> ${outcome.change.status} by principal ${principal.objectId} (invocation ${context.invocationId})`,
      );
      const written = Date.now() - stampedAt > services.config.export.settleInMs / 2 ? await restampAlert(services.database, replacement.stored) : replacement.stored;
      await publishChange(written.alert, services.alertEventPublisher, context);
      return ok(written.alert, written.etag);
    }
    if (replacement.kind === 'not-found') return errorResponse(404, 'NotFound', 'The alert was not found.');
    // Someone else wrote the alert since it was read. With If-Match the caller's version is now stale.
    if (ifMatch !== undefined) {
      const current = await getAlert(services.database, subscriptionId, alertId);
      return current === undefined ? errorResponse(404, 'NotFound', 'The alert was not found.') : stale(current.etag);
    }
  }
  context.warn(`alert ${alertId} in subscription ${subscriptionId}: status change gave up after ${MAX_ATTEMPTS} concurrent writes (invocation ${context.invocationId})`);
  return errorResponse(409, 'Conflict', 'The alert kept changing while the status was being set; try again.');
}

/**
 * Tells the push export. The change is already stored and the pull export serves it whatever happens
 * here, so a hub that cannot be reached is logged rather than failing the analyst's request.
 */
async function publishChange(alert: Alert, publisher: EventPublisher, context: InvocationContext): Promise<void> {
  try {
    await publishAlertChanges(publisher, [alert]);
  } catch (error) {
    context.error(`alert ${alert.id}: publishing the status change to the push export failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function ok(alert: unknown, etag: string): HttpResponseInit {
  return { status: 200, headers: { 'cache-control': 'no-store', etag: entityTag(etag) }, jsonBody: alert };
}

function stale(currentEtag: string): HttpResponseInit {
  return errorResponse(412, 'PreconditionFailed', 'If-Match does not match the current ETag of the alert: read it again and retry.', {
    etag: entityTag(currentEtag),
  });
}

export const changeAlertStatusFunction = defineHttpFunction('changeAlertStatus', {
  route: 'subscriptions/{subscriptionId}/alerts/{alertId}/{action}',
  methods: ['POST'],
  handler: changeAlertStatus,
});
