import type { ArmJson, ClusterFacts } from '../posture/clusterCheck';

/**
 * Where the cluster configuration comes from: the managed clusters of some subscriptions (their ARM JSON, wire names)
 * and, per cluster, the facts ARM gives beside it. Implemented over Azure Resource Graph and ARM
 * (`azureClusterSource.ts`); the same code reaches the local runtime's ARM endpoint.
 *
 * Neither method throws for what Azure answers: a subscription Argus may not read, a throttled or unreachable ARM is a
 * problem in the listing (the caller logs it and shows it), and a fact that could not be read is absent from the
 * facts (the checks then say NotApplicable, e.g. `noReadAccess`).
 */
export interface ClusterSource {
  /** The managed clusters of these subscriptions, one Resource Graph query (paged) for all of them. */
  listClusters(subscriptionIds: readonly string[]): Promise<ClusterListing>;
  /**
   * What ARM says beside the cluster: its diagnostic settings and the Kubernetes versions of its location. The
   * caller adds what Argus itself knows (`argusAuditHub`, `lastAuditEventUtc`). `now` (RFC 3339) is the clock.
   */
  factsOf(cluster: ArmJson, now: string): Promise<ClusterFacts>;
}

export const SubscriptionProblemKind = {
  /** 403: Argus has no Reader (or equivalent) on the subscription. */
  NoReadAccess: 'noReadAccess',
  /** 429 after the retries Azure asked for (`retry-after`, `x-ms-user-quota-resets-after`). */
  Throttled: 'throttled',
  /** ARM did not answer (connection refused, timeout, 5xx after retries). */
  Unreachable: 'unreachable',
} as const;
export type SubscriptionProblemKind = (typeof SubscriptionProblemKind)[keyof typeof SubscriptionProblemKind];

export interface SubscriptionProblem {
  subscriptionId: string;
  kind: SubscriptionProblemKind;
  /** For people and logs: the HTTP status or error code Azure gave, never a payload. */
  detail: string;
}

export interface ClusterListing {
  /** The managed clusters as Resource Graph rows (ARM JSON with `subscriptionId`, `resourceGroup`). */
  clusters: ArmJson[];
  /** The subscriptions whose clusters could not be listed, and why. */
  problems: SubscriptionProblem[];
}
