import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ADMIN_APP_ROLE, subscriptionRoles, type SubscriptionRole } from '../shared/auth/roles';
import { loadConfig } from '../shared/config';
import { loadLocalSettings } from './loadLocalSettings';
import { recordLocalGrant } from './localRoleGrants';
import { loadOrCreateSigningKey } from './localSigningKey';
import { mintLocalToken } from './mintLocalToken';
import { findHostJson, readHostSettings } from './readHostJson';
import { ROLE_GRANT_RELOAD_ROUTE } from './roleGrantEndpoint';

const USAGE = `Usage: npm run -s token -- [--subscription <id> --role <${subscriptionRoles.join('|')}>] [--admin] [--user <name>] [--expires-in <seconds>]

Prints a bearer token (RS256 JWT) that the local runtime accepts. The token is signed with the local
key in the data folder; the runtime validates it through the same code path as Entra ID tokens.
With --subscription and --role, the role assignment is also recorded for the local store: a running
runtime (npm start) applies it at once, otherwise it is applied when the runtime next starts.
  --subscription  the subscription the role is for (GUID)
  --role          the role in that subscription (recorded as a role assignment of the user)
  --admin         adds the ${ADMIN_APP_ROLE} app role (operator who manages role assignments)
  --user          the local user's name (default: local-developer); its object id is derived from it
  --expires-in    lifetime in seconds (default 3600, at most 86400)`;

const argsSchema = z
  .object({
    subscription: z.guid({ error: '--subscription must be a subscription id (GUID)' }).optional(),
    role: z.enum(subscriptionRoles as [SubscriptionRole, ...SubscriptionRole[]], { error: `--role must be one of ${subscriptionRoles.join(', ')}` }).optional(),
    admin: z.boolean().default(false),
    user: z.string().regex(/^[\w.@-]{1,64}$/, '--user must be 1-64 letters, digits, or . _ @ -').default('local-developer'),
    'expires-in': z.coerce
      .number({ error: '--expires-in must be a number of seconds' })
      .int('--expires-in must be a whole number of seconds')
      .min(60, '--expires-in must be at least 60 seconds')
      .max(86_400, '--expires-in must be at most 86400 seconds (one day)')
      .default(3600),
  })
  .refine((a) => (a.subscription === undefined) === (a.role === undefined), { error: '--subscription and --role go together' });

export async function main(argv: string[]): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        subscription: { type: 'string' },
        role: { type: 'string' },
        admin: { type: 'boolean' },
        user: { type: 'string' },
        'expires-in': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values['help']) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    process.stderr.write(`${parsed.error.issues.map((i) => i.message).join('\n')}\n\n${USAGE}\n`);
    return 2;
  }
  const args = parsed.data;
  const settings = loadLocalSettings(resolve('local.settings.json'), process.env);
  const config = loadConfig({ ...settings, ARGUS_ENVIRONMENT: 'local' });
  const key = await loadOrCreateSigningKey(resolve(config.local.dataDir));
  const minted = await mintLocalToken(key, config.auth, {
    userName: args.user,
    appRoles: args.admin ? [ADMIN_APP_ROLE] : [],
    expiresInSeconds: args['expires-in'],
  });
  const dataDir = resolve(config.local.dataDir);
  let grantReport: string | undefined;
  if (args.subscription !== undefined && args.role !== undefined) {
    const subscriptionId = args.subscription.toLowerCase();
    const { role } = args;
    const grantId = await recordLocalGrant(dataDir, {
      subscriptionId,
      principalId: minted.objectId,
      principalName: args.user,
      role,
      grantedAtUtc: new Date().toISOString(),
    });
    const runtimeUrl = `http://${callableHost(config.local.host)}:${config.local.port}`;
    grantReport =
      `recorded role assignment: ${role} for ${args.user} (object id ${minted.objectId}) in subscription ${subscriptionId}\n` +
      `${await notifyRuntime(runtimeUrl, grantId, dataDir)}\n`;
  }
  process.stdout.write(`${minted.token}\n`);
  const scope = args.subscription ? `, ${args.role} in subscription ${args.subscription}` : '';
  process.stderr.write(
    `token for ${args.user} (object id ${minted.objectId}${scope}${args.admin ? `, ${ADMIN_APP_ROLE}` : ''}), ` +
      `expires ${minted.expiresAt.toISOString()}\n${grantReport ?? ''}`,
  );
  return 0;
}

/** How long to wait for a running runtime to apply the grant before saying it will be applied at start. */
const RELOAD_TIMEOUT_IN_MS = 5000;

/**
 * Asks a running local runtime to apply the recorded grant now (best effort) and says what happened.
 * The grant file stays in the data folder either way, so nothing is lost when the runtime is not running.
 */
async function notifyRuntime(runtimeUrl: string, grantId: string, dataDir: string): Promise<string> {
  const later = `it is applied when the local runtime next starts (npm start) with the data folder ${dataDir}.`;
  let routePrefix = 'api';
  try {
    routePrefix = readHostSettings(findHostJson()).routePrefix;
  } catch {
    // host.json not found: the Functions default prefix.
  }
  const url = `${runtimeUrl}/${[routePrefix, ROLE_GRANT_RELOAD_ROUTE].filter((s) => s.length > 0).join('/')}?grantId=${encodeURIComponent(grantId)}`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(RELOAD_TIMEOUT_IN_MS) });
  } catch {
    return `no local runtime answered at ${runtimeUrl}: ${later}`;
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return `the server at ${runtimeUrl} did not apply it (HTTP ${response.status}; an older runtime? restart npm start): ${later}`;
  }
  const { grant } = (await response.json().catch(() => ({}))) as { grant?: { outcome?: string } };
  if (grant?.outcome === 'applied') return `the local runtime at ${runtimeUrl} applied it: the token works now.`;
  if (grant?.outcome === 'superseded') {
    return `the local runtime at ${runtimeUrl} kept a newer change of this assignment made through the API.`;
  }
  return `the local runtime at ${runtimeUrl} did not find it (it uses another data folder, ARGUS_LOCAL_DATA_DIR?): ${later}`;
}

/** The address to reach a runtime listening on `host` (one bound to every interface is reached on loopback). */
function callableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
