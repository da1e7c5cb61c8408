import { createHash } from 'node:crypto';
import { type AlertEntity, EntityType } from '../detection/entities';
import { Intent, type Severity } from '../detection/rule';
import { type Alert, AlertStatus } from './alert';
import { severityRank } from './aggregateFindings';
import { createCorrelationKey } from './alertId';
import { type CorrelatedIncident } from './incident';

/** Alerts whose activity lies at most this far apart can be connected (Defender's and the 24 hours). */
export const DEFAULT_INCIDENT_WINDOW_IN_MS = 24 * 60 * 60 * 1000;

export interface CorrelateIncidentsOptions {
  /** Two alerts sharing an entity are connected when the gap between their activity is at most this. */
  windowInMs?: number;
}

/** Defender's intents in kill-chain order (the order of the `Intent` constant); Probing and Exploitation last. */
export const KILL_CHAIN_ORDER: readonly Intent[] = Object.values(Intent);
const intentRank = new Map<Intent, number>(KILL_CHAIN_ORDER.map((intent, index) => [intent, index]));

/** Accounts that name no one: every anonymous request carries it, so it connects nothing. */
const ANONYMOUS_ACCOUNTS: ReadonlySet<string> = new Set(['system:anonymous']);

/**
 * The key under which an entity connects alerts, and the entity as the incident shows it; undefined for
 * entities that do not identify an actor or a target (cluster, namespace, image, container, process, ...).
 * - account: the user name, trimmed and lower-cased (Entra ID names are case-insensitive; Kubernetes names of
 *   service accounts are lower case anyway); `system:anonymous` connects nothing.
 * - service account (e.g. the subject of a binding): the account name Kubernetes gives it,
 *   `system:serviceaccount:<namespace>:<name>`, so a binding to it and its own requests connect.
 * - pod: namespace and name (both required).
 * - host (a node): its name, lower-cased; an audit alert about a `nodes` object names the same host.
 * - ip: the address, lower-cased, an IPv4-mapped IPv6 address as its IPv4 address; loopback, unspecified and
 *   link-local addresses connect nothing (they name no machine outside the one that saw them).
 */
export function correlationEntityOf(entity: AlertEntity): { key: string; entity: AlertEntity } | undefined {
  switch (entity.type) {
    case EntityType.account: {
      const name = entity.name?.trim().toLowerCase();
      if (!name || ANONYMOUS_ACCOUNTS.has(name)) return undefined;
      return { key: `account|${name}`, entity: { type: EntityType.account, name } };
    }
    case EntityType.serviceAccount: {
      const name = entity.name?.trim().toLowerCase();
      const namespace = entity.namespace?.trim().toLowerCase();
      if (!name || !namespace) return undefined;
      const account = `system:serviceaccount:${namespace}:${name}`;
      return { key: `account|${account}`, entity: { type: EntityType.account, name: account } };
    }
    case EntityType.pod: {
      const name = entity.name?.trim().toLowerCase();
      const namespace = entity.namespace?.trim().toLowerCase();
      if (!name || !namespace) return undefined;
      return { key: `pod|${namespace}/${name}`, entity: { type: EntityType.pod, namespace, name } };
    }
    case EntityType.host:
      return hostEntity(entity.name);
    case EntityType.resource:
      return entity.kind === 'nodes' ? hostEntity(entity.name) : undefined;
    case EntityType.ip: {
      const address = normalizeAddress(entity.address);
      return address === undefined ? undefined : { key: `ip|${address}`, entity: { type: EntityType.ip, address } };
    }
    default:
      return undefined;
  }
}

function hostEntity(name: string | undefined): { key: string; entity: AlertEntity } | undefined {
  const host = name?.trim().toLowerCase();
  return host ? { key: `host|${host}`, entity: { type: EntityType.host, name: host } } : undefined;
}

function normalizeAddress(raw: string | undefined): string | undefined {
  let address = raw?.trim().toLowerCase();
  if (!address) return undefined;
  if (address.startsWith('::ffff:') && address.includes('.')) address = address.slice('::ffff:'.length);
  if (address.includes('.')) {
    if (/^(127|0)\./.test(address) || address.startsWith('169.254.')) return undefined;
  } else if (address === '::1' || address === '::' || /^fe[89ab][0-9a-f]:/.test(address)) {
    return undefined;
  }
  return address;
}

/** The severity one step above the given one, capped at High (Informational counts as below Low). */
export function escalatedSeverity(severity: Severity): Severity {
  const order: Severity[] = ['Informational', 'Low', 'Medium', 'High'];
  return order[Math.min(severityRank[severity] + 1, order.length - 1)] as Severity;
}

/**
 * The deterministic incident id: the subscription, the cluster (case-insensitive), live or simulated, and
 * the anchor alert (the earliest by start time, then id). Later alerts joining keep the id. When two
 * incidents merge (an alert connects them), the merged one keeps the id of the one whose anchor started
 * first; the other id stops being produced (the refresh marks that document `merged` into the survivor).
 */
export function createIncidentId(subscriptionId: string, clusterResourceId: string, isSimulated: boolean, anchorAlertId: string): string {
  return createHash('sha256')
    .update(['incident', subscriptionId, clusterResourceId.toLowerCase(), isSimulated ? 'simulated' : 'live', anchorAlertId].join('\n'))
    .digest('hex')
    .slice(0, 32);
}

interface Activity {
  alert: Alert;
  startInMs: number;
  endInMs: number;
  entities: Map<string, AlertEntity>;
}

/**
 * Forms a subscription's incidents from its alerts. Per cluster (and apart for simulated alerts, which only
 * correlate with simulated ones), two alerts are connected when they name the same correlation entity (see
 * correlationEntityOf) and their activity ([startTimeUtc, endTimeUtc]) lies at most the window apart;
 * connection is transitive (union-find). A connected group is an incident when its alerts have two or more
 * different intents. Dismissed alerts neither start nor join incidents. Pure: same alerts, same incidents.
 */
export function correlateIncidents(alerts: readonly Alert[], options: CorrelateIncidentsOptions = {}): CorrelatedIncident[] {
  const windowInMs = options.windowInMs ?? DEFAULT_INCIDENT_WINDOW_IN_MS;
  const groups = new Map<string, Activity[]>();
  const seen = new Set<string>();
  for (const alert of alerts) {
    if (alert.status === AlertStatus.Dismissed || seen.has(alert.id)) continue;
    const startInMs = Date.parse(alert.startTimeUtc);
    const endInMs = Date.parse(alert.endTimeUtc);
    if (Number.isNaN(startInMs) || Number.isNaN(endInMs)) continue;
    seen.add(alert.id);
    const entities = new Map<string, AlertEntity>();
    for (const entity of alert.entities) {
      const correlation = correlationEntityOf(entity);
      if (correlation !== undefined && !entities.has(correlation.key)) entities.set(correlation.key, correlation.entity);
    }
    const groupKey = [alert.subscriptionId, alert.clusterResourceId.toLowerCase(), String(alert.isSimulated)].join('\n');
    const group = groups.get(groupKey) ?? [];
    group.push({ alert, startInMs, endInMs: Math.max(startInMs, endInMs), entities });
    groups.set(groupKey, group);
  }

  const incidents: CorrelatedIncident[] = [];
  for (const group of groups.values()) {
    for (const component of connectedGroups(group, windowInMs)) {
      const incident = incidentOf(component);
      if (incident !== undefined) incidents.push(incident);
    }
  }
  return incidents.sort((a, b) => compare(a.startTimeUtc, b.startTimeUtc) || compare(a.id, b.id));
}

/**
 * The connected groups of one cluster's alerts. Per entity, the alerts naming it are swept in start order:
 * an alert starting at most the window after the latest end so far of the current run joins the run (the
 * runs are exactly the connected groups of "gap at most the window" among them).
 */
function connectedGroups(activities: readonly Activity[], windowInMs: number): Activity[][] {
  const parent = activities.map((_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[index] !== root) {
      const next = parent[index] as number;
      parent[index] = root;
      index = next;
    }
    return root;
  };
  const union = (a: number, b: number): void => {
    const rootA = find(a);
    const rootB = find(b);
    if (rootA !== rootB) parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
  };

  const byEntity = new Map<string, number[]>();
  activities.forEach((activity, index) => {
    for (const key of activity.entities.keys()) {
      const indexes = byEntity.get(key) ?? [];
      indexes.push(index);
      byEntity.set(key, indexes);
    }
  });
  for (const indexes of byEntity.values()) {
    if (indexes.length < 2) continue;
    indexes.sort((a, b) => (activities[a] as Activity).startInMs - (activities[b] as Activity).startInMs);
    let runFirst = -1;
    let runEndInMs = -Infinity;
    for (const index of indexes) {
      const activity = activities[index] as Activity;
      if (runFirst >= 0 && activity.startInMs <= runEndInMs + windowInMs) {
        union(runFirst, index);
        runEndInMs = Math.max(runEndInMs, activity.endInMs);
      } else {
        runFirst = index;
        runEndInMs = activity.endInMs;
      }
    }
  }

  const components = new Map<number, Activity[]>();
  activities.forEach((activity, index) => {
    const root = find(index);
    const component = components.get(root) ?? [];
    component.push(activity);
    components.set(root, component);
  });
  return [...components.values()].filter((component) => component.length >= 2);
}

function incidentOf(component: readonly Activity[]): CorrelatedIncident | undefined {
  const intents = [...new Set(component.map((activity) => activity.alert.intent))].sort(byKillChain);
  if (intents.length < 2) return undefined;

  const anchor = [...component].sort((a, b) => a.startInMs - b.startInMs || compare(a.alert.id, b.alert.id))[0] as Activity;
  const ordered = [...component].sort(
    (a, b) => byKillChain(a.alert.intent, b.alert.intent) || a.startInMs - b.startInMs || compare(a.alert.id, b.alert.id),
  );
  const counts = new Map<string, { entity: AlertEntity; alerts: number }>();
  for (const activity of component) {
    for (const [key, entity] of activity.entities) {
      const entry = counts.get(key) ?? { entity, alerts: 0 };
      entry.alerts++;
      counts.set(key, entry);
    }
  }
  const sharedEntities = [...counts.entries()]
    .filter(([, entry]) => entry.alerts >= 2)
    .sort(([a], [b]) => compare(a, b))
    .map(([, entry]) => entry.entity);
  const highest = component.reduce<Severity>(
    (max, activity) => (severityRank[activity.alert.severity] > severityRank[max] ? activity.alert.severity : max),
    'Informational',
  );
  const { subscriptionId, clusterResourceId, compromisedEntity, isSimulated } = anchor.alert;
  const id = createIncidentId(subscriptionId, clusterResourceId, isSimulated, anchor.alert.id);
  return {
    id,
    subscriptionId,
    clusterResourceId,
    compromisedEntity,
    isSimulated,
    anchorAlertId: anchor.alert.id,
    alertIds: ordered.map((activity) => activity.alert.id),
    alertSummaries: ordered.map(({ alert }) => ({ id: alert.id, alertType: alert.alertType, alertDisplayName: alert.alertDisplayName, intent: alert.intent, severity: alert.severity })),
    intents,
    techniques: [...new Set(component.flatMap((activity) => activity.alert.techniques))].sort(compare),
    severity: escalatedSeverity(highest),
    sharedEntities,
    startTimeUtc: new Date(Math.min(...component.map((activity) => activity.startInMs))).toISOString(),
    endTimeUtc: new Date(Math.max(...component.map((activity) => activity.endInMs))).toISOString(),
    correlationKey: createCorrelationKey(clusterResourceId, `incident|${isSimulated ? 'simulated' : 'live'}|${anchor.alert.id}`),
  };
}

function byKillChain(a: Intent, b: Intent): number {
  return (intentRank.get(a) ?? KILL_CHAIN_ORDER.length) - (intentRank.get(b) ?? KILL_CHAIN_ORDER.length);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
