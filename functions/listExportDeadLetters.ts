import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { authorizeSubscriptionRequest } from '../shared/http/authorizeSubscriptionRequest';
import { parseQuery } from '../shared/http/parseQuery';
import { pageSize } from '../shared/http/queryValues';
import { listExportDeadLetters as readExportDeadLetters } from '../shared/store/exportDeadLetterStore';

const DEFAULT_TOP = 50;
const MAX_TOP = 200;

const query = z.object({
  top: pageSize(MAX_TOP).optional(),
});

/**
 * `GET /api/subscriptions/{subscriptionId}/exportSettings/deadLetters?top=...` (SecurityAdmin or higher):
 * the push deliveries that kept failing, newest first, kept 30 days: which target, which alert and
 * version, how many attempts and why (no payloads: the pull export serves every alert).
 */
export async function listExportDeadLetters(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeSubscriptionRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin, target: 'collection' });
  if (authorization.kind === 'rejected') return authorization.response;
  const parsed = parseQuery(request, query);
  if (parsed.kind === 'rejected') return parsed.response;
  const { services, subscriptionId } = authorization;
  const letters = await readExportDeadLetters(services.database, subscriptionId, parsed.value.top ?? DEFAULT_TOP);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { value: letters } };
}

export const listExportDeadLettersFunction = defineHttpFunction('listExportDeadLetters', {
  route: 'subscriptions/{subscriptionId}/exportSettings/deadLetters',
  methods: ['GET'],
  handler: listExportDeadLetters,
});
