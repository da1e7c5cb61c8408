import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ADMIN_APP_ROLE, subscriptionRoles } from '../shared/auth/roles';
import { loadConfig } from '../shared/config';
import { loadLocalSettings } from './loadLocalSettings';
import { loadOrCreateSigningKey } from './localSigningKey';
import { mintLocalToken } from './mintLocalToken';

const USAGE = `Usage: npm run -s token -- [--subscription <id> --role <${subscriptionRoles.join('|')}>] [--admin] [--user <name>] [--expires-in <seconds>]

Prints a bearer token (RS256 JWT) that the local runtime accepts. The token is signed with the local
key in the data folder; the runtime validates it through the same code path as Entra ID tokens.
  --subscription  the subscription the role is for (GUID)
  --role          the role in that subscription
  --admin         adds the ${ADMIN_APP_ROLE} app role (operator who manages role assignments)
  --user          the local user's name (default: local-developer); its object id is derived from it
  --expires-in    lifetime in seconds (default 3600, at most 86400)`;

const argsSchema = z
  .object({
    subscription: z.guid({ error: '--subscription must be a subscription id (GUID)' }).optional(),
    role: z.enum(subscriptionRoles as [string, ...string[]], { error: `--role must be one of ${subscriptionRoles.join(', ')}` }).optional(),
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
  process.stdout.write(`${minted.token}\n`);
  const scope = args.subscription ? `, ${args.role} in subscription ${args.subscription}` : '';
  process.stderr.write(
    `token for ${args.user} (object id ${minted.objectId}${scope}${args.admin ? `, ${ADMIN_APP_ROLE}` : ''}), ` +
      `expires ${minted.expiresAt.toISOString()}\n`,
  );
  return 0;
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
