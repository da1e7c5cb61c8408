import { generateAuditTraffic } from '../../bench/generateAuditTraffic';
import { generateNodeTraffic } from '../../bench/generateNodeTraffic';
import { aksResourceId } from '../support/auditMessages';

/**
 * The fixed traffic of the crash test: seeded AKS audit messages (5% attacks, klog records, events up to 20 KB) of three
 * clusters in three subscriptions, Tetragon/Falco NDJSON of one cluster's nodes split over two subscriptions (3% attacks),
 * and one message cut short by the shipper (a dead letter), in posts of a few messages each, audit and node interleaved.
 */
export const AUDIT_HUB = 'insights-logs-kube-audit';
export const NODE_HUB = 'node-events';

export interface HubPost {
  hub: string;
  /** Event bodies, each the text a producer sends. */
  bodies: string[];
}

export interface CrashTraffic {
  subscriptionIds: string[];
  posts: HubPost[];
  auditEvents: number;
  nodeEvents: number;
}

export const CRASH_SUBSCRIPTIONS = [
  'c4a50000-0000-4000-8000-000000000001',
  'c4a50000-0000-4000-8000-000000000002',
  'c4a50000-0000-4000-8000-000000000003',
  'c4a50000-0000-4000-8000-000000000004',
] as const;

/** The generator's three clusters, each moved into one of our subscriptions. */
const SUBSCRIPTION_OF_CLUSTER: Record<string, string> = {
  'AKS-SHOP-PROD': CRASH_SUBSCRIPTIONS[0],
  'AKS-SHOP-STAGING': CRASH_SUBSCRIPTIONS[1],
  'AKS-DATA-PROD': CRASH_SUBSCRIPTIONS[2],
};

export function buildCrashTraffic(options: { auditEvents?: number; nodeEvents?: number; messagesPerPost?: number } = {}): CrashTraffic {
  const audit = generateAuditTraffic({ events: options.auditEvents ?? 800, seed: 7, attackShare: 0.05, recordsPerMessage: { min: 5, max: 15 } });
  const auditBodies = audit.messages.map(inOurSubscriptions);
  // A message the shipper cut short: not JSON, dead-lettered where it was read.
  auditBodies.splice(Math.floor(auditBodies.length / 2), 0, '{"records":[{"category":"kube-audit","properties":{"log":"{\\"kind\\":\\"Event\\",\\"apiVer');

  const node = generateNodeTraffic({ events: options.nodeEvents ?? 400, seed: 3, attackShare: 0.03, linesPerMessage: { min: 10, max: 30 } });
  const nodeBodies = node.messages.map((message, index) => {
    const resourceId = aksResourceId(index % 2 === 0 ? CRASH_SUBSCRIPTIONS[0] : CRASH_SUBSCRIPTIONS[3], 'aks-shop-prod');
    return message
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.stringify({ ...(JSON.parse(line) as Record<string, unknown>), cluster_resource_id: resourceId }))
      .join('\n');
  });

  const perPost = options.messagesPerPost ?? 8;
  const auditPosts = chunk(auditBodies, perPost).map((bodies) => ({ hub: AUDIT_HUB, bodies }));
  const nodePosts = chunk(nodeBodies, Math.max(1, Math.floor(perPost / 2))).map((bodies) => ({ hub: NODE_HUB, bodies }));
  const posts: HubPost[] = [];
  for (let index = 0; index < Math.max(auditPosts.length, nodePosts.length); index++) {
    const a = auditPosts[index];
    const n = nodePosts[index];
    if (a !== undefined) posts.push(a);
    if (n !== undefined) posts.push(n);
  }
  return { subscriptionIds: [...CRASH_SUBSCRIPTIONS], posts, auditEvents: audit.events, nodeEvents: node.events };
}

/** Replaces the generator's random subscription in every resource id of the message with ours, by cluster. */
function inOurSubscriptions(message: string): string {
  return message.replace(/\/SUBSCRIPTIONS\/[0-9A-F-]{36}\/(RESOURCEGROUPS\/[^/]+\/PROVIDERS\/MICROSOFT\.CONTAINERSERVICE\/MANAGEDCLUSTERS\/)([A-Z0-9-]+)/g, (_match, middle: string, cluster: string) => {
    const subscriptionId = SUBSCRIPTION_OF_CLUSTER[cluster];
    if (subscriptionId === undefined) throw new Error(`the traffic generator has a cluster the crash test does not map: ${cluster}`);
    return `/SUBSCRIPTIONS/${subscriptionId.toUpperCase()}/${middle}${cluster}`;
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}
