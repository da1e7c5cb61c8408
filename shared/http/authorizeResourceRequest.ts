import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { type z } from 'zod';
import { authorizeSubscriptionRequest, type AuthorizeSubscriptionOptions, type SubscriptionAuthorization } from './authorizeSubscriptionRequest';
import { errorResponse } from './errorResponse';
import { noQueryParameters, parseQuery } from './parseQuery';

/** A route parameter, parsed; `message` starts with the parameter's name, e.g. `name must be 2 to 50 characters ...`. */
export type RouteParameterParsing<T> = { ok: true; value: T } | { ok: false; message: string };

export type ResourceAuthorization<T> =
  | (Extract<SubscriptionAuthorization, { kind: 'authorized' }> & { resourceId: T })
  | { kind: 'rejected'; response: HttpResponseInit };

/**
 * The start of a route on one resource of a subscription that takes no query parameters, in this
 * order: the subscription gate (`target: 'single'`: 404 for a caller without a role), any query
 * parameter (400 `InvalidParameter`), then the resource's route parameter as `parseResourceId` reads
 * it (400 `InvalidParameter` with its message).
 */
export async function authorizeResourceRequest<T>(
  request: HttpRequest,
  context: InvocationContext,
  options: Omit<AuthorizeSubscriptionOptions, 'target'>,
  parseResourceId: (params: HttpRequest['params']) => RouteParameterParsing<T>,
): Promise<ResourceAuthorization<T>> {
  const authorization = await authorizeSubscriptionRequest(request, context, { ...options, target: 'single' });
  if (authorization.kind === 'rejected') return authorization;
  const query = parseQuery(request, noQueryParameters);
  if (query.kind === 'rejected') return query;
  const resourceId = parseResourceId(request.params);
  if (!resourceId.ok) return { kind: 'rejected', response: errorResponse(400, 'InvalidParameter', resourceId.message) };
  return { ...authorization, resourceId: resourceId.value };
}

/** A route parameter read with a zod schema whose messages read after the name, e.g. `'must be an object id (a GUID)'`. */
export function parseRouteParameter<T>(name: string, schema: z.ZodType<T>, value: string | undefined): RouteParameterParsing<T> {
  const parsed = schema.safeParse(value ?? '');
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: `${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}.` };
}
