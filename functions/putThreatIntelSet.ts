import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SubscriptionRole } from '../shared/auth/roles';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import {
  MAX_THREAT_INTEL_SET_BODY_IN_BYTES,
  MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION,
  parseThreatIntelSetBody,
  parseThreatIntelSetName,
} from '../shared/intel/threatIntelSet';
import { authorizeResourceRequest } from '../shared/http/authorizeResourceRequest';
import { errorResponse } from '../shared/http/errorResponse';
import { parseJsonBody } from '../shared/http/parseJsonBody';
import { type Actor } from '../shared/store/suppressionRuleStore';
import { listThreatIntelSets, toThreatIntelSetView, upsertThreatIntelSet } from '../shared/store/threatIntelSetStore';

/**
 * `PUT /api/subscriptions/{subscriptionId}/threatIntelSets/{name}`: creates (201) or replaces (200) a custom
 * threat-intel set (SecurityAdmin+): `{ "description"?, "ips": [...], "cidrs": [...], "domains": [...] }`. A bad entry
 * is refused with 400 naming its field and the entry; a 21st set with 409 `LimitExceeded`. The pipeline sees the
 * change within its settings cache period.
 */
export async function putThreatIntelSet(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const authorization = await authorizeResourceRequest(request, context, { minimumRole: SubscriptionRole.SecurityAdmin }, (params) => parseThreatIntelSetName(params.name));
  if (authorization.kind === 'rejected') return authorization.response;
  const { principal, subscriptionId, services, resourceId: name } = authorization;

  const properties = await parseJsonBody(request, parseThreatIntelSetBody, {
    maxBytes: MAX_THREAT_INTEL_SET_BODY_IN_BYTES,
    example: '{"ips":["198.51.100.7"],"cidrs":[],"domains":[]}',
  });
  if (properties.kind === 'rejected') return properties.response;

  const sets = await listThreatIntelSets(services.database, subscriptionId);
  const existing = sets.find((set) => set.name === name);
  if (existing === undefined && sets.length >= MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION) {
    return errorResponse(409, 'LimitExceeded', `A subscription holds at most ${MAX_THREAT_INTEL_SETS_PER_SUBSCRIPTION} threat-intel sets: delete one or add the entries to an existing set.`);
  }
  const now = new Date().toISOString();
  const actor: Actor = { principalId: principal.objectId, principalName: principal.displayName };
  const stored = await upsertThreatIntelSet(services.database, {
    id: name,
    subscriptionId,
    name,
    ...properties.value,
    createdAtUtc: existing?.createdAtUtc ?? now,
    createdBy: existing?.createdBy ?? actor,
    updatedAtUtc: now,
    updatedBy: actor,
  });
  context.info(`threat-intel set ${name} ${existing ? 'updated' : 'created'} in subscription ${subscriptionId} by principal ${principal.objectId}`);
  return { status: existing ? 200 : 201, headers: { 'cache-control': 'no-store' }, jsonBody: toThreatIntelSetView(stored) };
}

export const putThreatIntelSetFunction = defineHttpFunction('putThreatIntelSet', {
  route: 'subscriptions/{subscriptionId}/threatIntelSets/{name}',
  methods: ['PUT'],
  handler: putThreatIntelSet,
});
