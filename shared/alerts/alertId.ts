import { createHash } from 'node:crypto';

/** Parts that make an alert the same alert: a re-delivered batch computes the same id. */
export interface AlertIdentity {
  subscriptionId: string;
  clusterResourceId: string;
  ruleId: string;
  dedupKey: string;
  windowStartUtc: string;
}

/** A deterministic, opaque alert id (32 hex characters); reveals nothing of the dedup key. */
export function createAlertId(identity: AlertIdentity): string {
  return createHash('sha256')
    .update([identity.subscriptionId, identity.clusterResourceId.toLowerCase(), identity.ruleId, identity.dedupKey, identity.windowStartUtc].join('\n'))
    .digest('hex')
    .slice(0, 32);
}

/** A stable key for correlating alerts on the same cluster and principal entity. */
export function createCorrelationKey(clusterResourceId: string, entity: string): string {
  return createHash('sha256').update(`${clusterResourceId.toLowerCase()}\n${entity}`).digest('base64url').slice(0, 22);
}
