import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { HttpEndpoint } from './httpHost';
import type { LocalRoleGrantInbox } from './localRoleGrants';

export const ROLE_GRANT_RELOAD_ROUTE = 'local/roleAssignments/reload';

/**
 * `POST /api/local/roleAssignments/reload[?grantId=<id>]`: applies the role grants `npm run token` left in
 * the data folder, now. Served only by the local runtime (like the identity endpoints), never deployed.
 * It needs no token: it cannot create a grant, only apply what someone with access to the data folder
 * wrote. Answers 200 with the grants this call applied and, when `grantId` is given, what became of that
 * grant in this process (absent: this runtime has not seen it, e.g. it uses another data folder).
 */
export function createRoleGrantEndpoint(inbox: LocalRoleGrantInbox): HttpEndpoint {
  return {
    name: 'local.roleAssignments.reload',
    route: ROLE_GRANT_RELOAD_ROUTE,
    methods: ['POST'],
    handler: async (request: HttpRequest): Promise<HttpResponseInit> => {
      const applied = await inbox.applyPending();
      const grantId = request.query.get('grantId');
      const grant = grantId === null ? undefined : inbox.outcomeOf(grantId);
      return {
        status: 200,
        headers: { 'cache-control': 'no-store' },
        jsonBody: { applied, ...(grant === undefined ? {} : { grant }) },
      };
    },
  };
}
