import type { Database } from '@azure/cosmos';
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

/** The caller's assignment in a subscription, read by id and partition key (a point read, no query). */
export async function getRoleAssignment(database: Database, subscriptionId: string, principalId: string): Promise<RoleAssignment | undefined> {
  const { resource } = await database.container(CONTAINER).item(principalId, subscriptionId).read<RoleAssignment>();
  return resource;
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
  return resources.sort((a, b) => a.principalId.localeCompare(b.principalId));
}

export async function upsertRoleAssignment(database: Database, assignment: RoleAssignment): Promise<RoleAssignment> {
  const { resource } = await database.container(CONTAINER).items.upsert<RoleAssignment>(assignment);
  return resource ?? assignment;
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
