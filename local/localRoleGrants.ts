import { randomUUID } from 'node:crypto';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '@azure/cosmos';
import { z } from 'zod';
import { subscriptionRoles, type SubscriptionRole } from '../shared/auth/roles';
import { getRoleAssignment, principalIdSchema, upsertRoleAssignment } from '../shared/store/roleAssignmentStore';
import { readFileIfExists, writeFileAtomically } from './dataFiles';
import type { LocalLogger } from './localLogger';

/**
 * Role assignments recorded by `npm run token -- --subscription S --role R`, for the local runtime to put
 * in its store. The token command does not open the store (the runtime owns it, in memory): it drops one
 * file per grant into `<data folder>/identity/pendingRoleAssignments/` (written atomically, uniquely
 * named, so concurrent commands never lose each other's grants), and the runtime applies the pending
 * files when it starts and whenever it is told to (the local-only reload endpoint the command calls).
 * A file is deleted only after a store snapshot that contains its grant has been saved, so a grant
 * survives a crash of the runtime; and since applied files are gone, a later change made through the API
 * (a demotion, a removal) is never undone by a restart.
 */
export interface LocalRoleGrant {
  subscriptionId: string;
  principalId: string;
  principalName: string;
  role: SubscriptionRole;
  grantedAtUtc: string;
}

/** What became of a grant: put in the store, or left alone because the API changed the assignment after it was recorded. */
export type GrantOutcome = 'applied' | 'superseded';

export interface HandledGrant extends LocalRoleGrant {
  id: string;
  outcome: GrantOutcome;
}

/** A GUID, lowercased (subscription ids and object ids alike). */
const lowercaseGuid = principalIdSchema;

const grantFileSchema = z.strictObject({
  version: z.literal(1),
  subscriptionId: lowercaseGuid,
  principalId: lowercaseGuid,
  principalName: z.string().min(1).max(256),
  role: z.enum(subscriptionRoles as [SubscriptionRole, ...SubscriptionRole[]]),
  grantedAtUtc: z.iso.datetime(),
});

const FILE_SUFFIX = '.json';

export function pendingGrantsDirectory(dataDir: string): string {
  return join(dataDir, 'identity', 'pendingRoleAssignments');
}

/** Records a grant for the runtime to apply; returns the grant's id (its file name without suffix). */
export async function recordLocalGrant(dataDir: string, grant: LocalRoleGrant): Promise<string> {
  // Time first, so that the runtime applies grants in the order they were made.
  const id = `${String(Date.parse(grant.grantedAtUtc)).padStart(13, '0')}-${randomUUID()}`;
  const file = { version: 1, ...grant, subscriptionId: grant.subscriptionId.toLowerCase(), principalId: grant.principalId.toLowerCase() };
  await writeFileAtomically(join(pendingGrantsDirectory(dataDir), `${id}${FILE_SUFFIX}`), `${JSON.stringify(file, null, 2)}\n`);
  return id;
}

export interface LocalRoleGrantInboxOptions {
  dataDir: string;
  database: Database;
  logger: LocalLogger;
}

/** The runtime's side: applies pending grant files to the store, one pass at a time. */
export class LocalRoleGrantInbox {
  private readonly directory: string;
  /** Every grant this process handled, by id (the reload endpoint tells the token command about its own). */
  private readonly handled = new Map<string, HandledGrant>();
  /** Handled grants whose files still exist: removed once a snapshot holds them. */
  private readonly unpersisted = new Set<string>();
  private readonly invalid = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalRoleGrantInboxOptions) {
    this.directory = pendingGrantsDirectory(options.dataDir);
  }

  /** Applies every pending grant not applied yet, oldest first; returns those handled by this pass. */
  applyPending(): Promise<HandledGrant[]> {
    const pass = this.queue.then(() => this.applyPass());
    this.queue = pass.catch(() => undefined);
    return pass;
  }

  /** A grant handled by this process, if any. */
  outcomeOf(id: string): HandledGrant | undefined {
    return this.handled.get(id);
  }

  /** Ids of applied grants whose files remain; take them before saving a snapshot, then pass them to `forget`. */
  unpersistedIds(): string[] {
    return [...this.unpersisted];
  }

  /** Deletes the files of grants that a saved snapshot now holds. */
  async forget(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await unlink(join(this.directory, `${id}${FILE_SUFFIX}`)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
      this.unpersisted.delete(id);
    }
  }

  private async applyPass(): Promise<HandledGrant[]> {
    const names = await readdir(this.directory).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    });
    const ids = names
      .filter((name) => name.endsWith(FILE_SUFFIX))
      .map((name) => name.slice(0, -FILE_SUFFIX.length))
      .filter((id) => !this.handled.has(id) && !this.invalid.has(id))
      .sort();
    const handled: HandledGrant[] = [];
    for (const id of ids) {
      const grant = await this.readGrant(id);
      if (grant === undefined) continue;
      const outcome = await this.apply(grant);
      const entry: HandledGrant = { id, ...grant, outcome };
      this.handled.set(id, entry);
      this.unpersisted.add(id);
      handled.push(entry);
      this.options.logger.log(
        'information',
        'roleAssignments',
        outcome === 'applied'
          ? `local grant ${id}: ${grant.role} for ${grant.principalName} (${grant.principalId}) in subscription ${grant.subscriptionId}`
          : `local grant ${id} not applied: the assignment of ${grant.principalId} in subscription ${grant.subscriptionId} changed after it was recorded`,
      );
    }
    return handled;
  }

  private async readGrant(id: string): Promise<LocalRoleGrant | undefined> {
    const path = join(this.directory, `${id}${FILE_SUFFIX}`);
    const text = await readFileIfExists(path);
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = grantFileSchema.safeParse(json);
    if (parsed.success) {
      const { version: _version, ...grant } = parsed.data;
      return grant;
    }
    this.invalid.add(id);
    this.options.logger.log('warning', 'roleAssignments', `${path} is not a role grant written by npm run token; it is ignored (delete it).`);
    return undefined;
  }

  private async apply(grant: LocalRoleGrant): Promise<GrantOutcome> {
    const { database } = this.options;
    const existing = await getRoleAssignment(database, grant.subscriptionId, grant.principalId);
    // A change made through the API after the grant was recorded is the later decision: it stands.
    if (existing !== undefined && existing.updatedAtUtc > grant.grantedAtUtc) return 'superseded';
    // Stamped with the time the grant was made (not applied), so that grants and API changes order by decision time.
    const decidedAt = grant.grantedAtUtc;
    await upsertRoleAssignment(database, {
      id: grant.principalId,
      subscriptionId: grant.subscriptionId,
      principalId: grant.principalId,
      role: grant.role,
      principalName: grant.principalName,
      createdAtUtc: existing?.createdAtUtc ?? decidedAt,
      createdBy: existing?.createdBy ?? { principalId: grant.principalId, principalName: 'npm run token (local)' },
      updatedAtUtc: decidedAt,
    });
    return 'applied';
  }
}
