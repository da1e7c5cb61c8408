import type { Database } from '@azure/cosmos';
import { z } from 'zod';
import { type SubscriptionRole } from '../auth/roles';

/** Who holds which role in a subscription. Document id = the principal's object id; partition = subscription. */
export interface RoleAssignment {
  id: string;
  subscriptionId: string;
  principalId: string;
  role: SubscriptionRole;
  /** Display name of the principal when it was granted (for people reading the list; not used to authorize). */
  principalName?: string;
  createdAtUtc: string;
  createdBy: { principalId: string; principalName: string };
  updatedAtUtc: string;
}

const CONTAINER = 'roleAssignments';

/** A principal's id as the document id: an Entra object id (a GUID), lowercased as Entra writes `oid`. */
export const principalIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be an object id (a GUID)')
  .transform((id) => id.toLowerCase());

/** The caller's assignment in a subscription, read by id and partition key (a point read, no query). */
export async function getRoleAssignment(database: Database, subscriptionId: string, principalId: string): Promise<RoleAssignment | undefined> {
  const { resource } = await database.container(CONTAINER).item(principalId, subscriptionId).read<RoleAssignment>();
  return resource === undefined ? undefined : toRoleAssignment(resource);
}

export async function listRoleAssignments(database: Database, subscriptionId: string): Promise<RoleAssignment[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<RoleAssignment>(
      {
        query: 'SELECT * FROM c WHERE c.subscriptionId = @subscriptionId',
        parameters: [{ name: '@subscriptionId', value: subscriptionId }],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.map(toRoleAssignment).sort((a, b) => a.principalId.localeCompare(b.principalId));
}

/**
 * How many principals hold `role` in the subscription (the last-Owner rule). A parameterized
 * single-partition query; `SELECT VALUE COUNT(1)` is avoided because the in-process server's support for
 * aggregates is partial, and a subscription has few assignments.
 */
export async function countRoleHolders(database: Database, subscriptionId: string, role: SubscriptionRole): Promise<number> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<{ id: string }>(
      {
        query: 'SELECT c.id FROM c WHERE c.subscriptionId = @subscriptionId AND c.role = @role',
        parameters: [
          { name: '@subscriptionId', value: subscriptionId },
          { name: '@role', value: role },
        ],
      },
      { partitionKey: subscriptionId },
    )
    .fetchAll();
  return resources.length;
}

export async function upsertRoleAssignment(database: Database, assignment: RoleAssignment): Promise<RoleAssignment> {
  const { resource } = await database.container(CONTAINER).items.upsert<RoleAssignment>(assignment);
  return toRoleAssignment(resource ?? assignment);
}

/** Deletes an assignment; false when there was none. */
export async function deleteRoleAssignment(database: Database, subscriptionId: string, principalId: string): Promise<boolean> {
  try {
    await database.container(CONTAINER).item(principalId, subscriptionId).delete();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

/** The assignment's own fields only: Cosmos system properties (`_rid`, `_etag`, ...) never leave the store. */
function toRoleAssignment(document: RoleAssignment): RoleAssignment {
  return {
    id: document.id,
    subscriptionId: document.subscriptionId,
    principalId: document.principalId,
    role: document.role,
    ...(document.principalName === undefined ? {} : { principalName: document.principalName }),
    createdAtUtc: document.createdAtUtc,
    createdBy: { principalId: document.createdBy.principalId, principalName: document.createdBy.principalName },
    updatedAtUtc: document.updatedAtUtc,
  };
}
