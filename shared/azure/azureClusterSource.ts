import { ContainerServiceClient } from '@azure/arm-containerservice';
import { MonitorClient } from '@azure/arm-monitor';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { TokenCredential } from '@azure/identity';
import type { ArmJson, ClusterFacts } from '../posture/clusterCheck';
import { armFailureOf, type ArmFailure, retryDelayOf } from './armFailure';
import { type ClusterListing, type ClusterSource, type SubscriptionProblem, SubscriptionProblemKind } from './clusterSource';

/** Managed clusters, with the columns the checks and the store need; `properties` in wire names. */
export const MANAGED_CLUSTERS_QUERY =
  "resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, name, type, location, resourceGroup, subscriptionId, properties, identity, sku";

/** Resource Graph takes at most 1000 subscriptions per query. */
const SUBSCRIPTIONS_PER_QUERY = 1000;
const DAY_IN_MS = 86_400_000;

export interface AzureClusterSourceOptions {
  credential: TokenCredential;
  /** The ARM endpoint (`https://management.azure.com`, or the local runtime's `http://127.0.0.1:7071/api/local/arm`). */
  endpoint: string;
  /** Waits between Resource Graph attempts; tests pass one that records the delay. */
  sleep?: (delayInMs: number) => Promise<void>;
  /** Resource Graph attempts after a 429 (default 3); each waits what Azure asked for, at most `maxRetryDelayInMs`. */
  maxThrottleRetries?: number;
  /** The longest wait Argus accepts before retrying (default 60 s); a longer ask ends as `throttled`. */
  maxRetryDelayInMs?: number;
  /** Resource Graph attempts after a connection error or 5xx (default 2; 1 s, 2 s, ...). */
  maxTransientRetries?: number;
  /** How long one request may take before it counts as unreachable (default 60 s): a hung ARM must not hang a timer. */
  requestTimeoutInMs?: number;
  /** Retries of the ARM SDK clients (diagnostic settings, versions) on 429, 5xx and connection errors (default 3). */
  maxRetries?: number;
  /** Their first back-off (default 800 ms, the SDK's). */
  retryDelayInMs?: number;
  /** How long the Kubernetes versions of a location are reused (default a day). */
  versionsTtlInMs?: number;
}

interface CachedVersions {
  fetchedAtInMs: number;
  values: Promise<ArmJson[] | undefined>;
}

/**
 * The cluster source over Azure's SDK clients: Resource Graph (`@azure/arm-resourcegraph`) for the clusters of every
 * subscription in one paged query, ARM for what Resource Graph lacks: the cluster's diagnostic settings
 * (`@azure/arm-monitor`) and its location's Kubernetes versions (`@azure/arm-containerservice`, kept a day per
 * location: the cache is this edge's state, the clock comes from the caller's `now`).
 *
 * Failures: Resource Graph's 429 carries `retry-after` and/or `x-ms-user-quota-resets-after` (hh:mm:ss); the
 * resourcegraph 4.x client's own retry policies are turned off (its retry on connection errors waits 3 to 90 s per
 * attempt, which a timer cannot afford) and Argus waits what Azure asked; a connection error or 5xx is retried twice
 * (1 s, 2 s) before the subscriptions are reported unreachable. The other two clients keep the SDK's
 * retry policy (429 with `retry-after`, 5xx, connection errors), bounded by `maxRetries`.
 */
export class AzureClusterSource implements ClusterSource {
  private readonly resourceGraph: ResourceGraphClient;
  private readonly containerService = new Map<string, ContainerServiceClient>();
  private readonly monitor: MonitorClient;
  private readonly versions = new Map<string, CachedVersions>();
  private readonly sleep: (delayInMs: number) => Promise<void>;
  private readonly maxThrottleRetries: number;
  private readonly maxRetryDelayInMs: number;
  private readonly maxTransientRetries: number;
  private readonly requestTimeoutInMs: number;
  private readonly versionsTtlInMs: number;

  constructor(private readonly options: AzureClusterSourceOptions) {
    this.sleep = options.sleep ?? ((delayInMs) => new Promise((resolve) => setTimeout(resolve, delayInMs)));
    this.maxThrottleRetries = options.maxThrottleRetries ?? 3;
    this.maxRetryDelayInMs = options.maxRetryDelayInMs ?? 60_000;
    this.maxTransientRetries = options.maxTransientRetries ?? 2;
    this.requestTimeoutInMs = options.requestTimeoutInMs ?? 60_000;
    this.versionsTtlInMs = options.versionsTtlInMs ?? DAY_IN_MS;
    this.resourceGraph = new ResourceGraphClient(options.credential, { baseUri: options.endpoint, noRetryPolicy: true });
    // Diagnostic settings are not subscription-scoped calls; the client still wants a subscription id.
    this.monitor = this.coreClient((common) => new MonitorClient(options.credential, '00000000-0000-0000-0000-000000000000', common));
  }

  async listClusters(subscriptionIds: readonly string[]): Promise<ClusterListing> {
    const listing: ClusterListing = { clusters: [], problems: [] };
    for (let start = 0; start < subscriptionIds.length; start += SUBSCRIPTIONS_PER_QUERY) {
      const chunk = subscriptionIds.slice(start, start + SUBSCRIPTIONS_PER_QUERY);
      const result = await this.queryAllPages(chunk);
      if (result.ok) {
        listing.clusters.push(...result.rows);
        continue;
      }
      if (result.failure.kind === SubscriptionProblemKind.NoReadAccess && chunk.length > 1) {
        // One subscription Argus may not read fails the whole query: ask each alone to know which.
        for (const subscriptionId of chunk) {
          const alone = await this.queryAllPages([subscriptionId]);
          if (alone.ok) listing.clusters.push(...alone.rows);
          else listing.problems.push(problemOf(subscriptionId, alone.failure));
        }
        continue;
      }
      listing.problems.push(...chunk.map((subscriptionId) => problemOf(subscriptionId, result.failure)));
    }
    return listing;
  }

  async factsOf(cluster: ArmJson, now: string): Promise<ClusterFacts> {
    const [diagnosticSettings, kubernetesVersions] = await Promise.all([this.diagnosticSettingsOf(cluster), this.kubernetesVersionsOf(cluster, now)]);
    return {
      now,
      ...(diagnosticSettings === undefined ? {} : { diagnosticSettings }),
      ...(kubernetesVersions === undefined ? {} : { kubernetesVersions }),
    };
  }

  private async queryAllPages(subscriptions: string[]): Promise<{ ok: true; rows: ArmJson[] } | { ok: false; failure: ArmFailure }> {
    const rows: ArmJson[] = [];
    let skipToken: string | undefined;
    do {
      const page = await this.queryPage(subscriptions, skipToken);
      if (!page.ok) return page;
      rows.push(...page.rows);
      skipToken = page.skipToken;
    } while (skipToken !== undefined && skipToken !== '');
    return { ok: true, rows };
  }

  private async queryPage(
    subscriptions: string[],
    skipToken: string | undefined,
  ): Promise<{ ok: true; rows: ArmJson[]; skipToken?: string } | { ok: false; failure: ArmFailure }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.resourceGraph.resources(
          {
            query: MANAGED_CLUSTERS_QUERY,
            subscriptions,
            options: { resultFormat: 'objectArray', ...(skipToken === undefined ? {} : { skipToken }) },
          },
          { timeout: this.requestTimeoutInMs },
        );
        const data: unknown = response.data;
        const rows = Array.isArray(data) ? data.filter((row): row is ArmJson => typeof row === 'object' && row !== null && !Array.isArray(row)) : [];
        return { ok: true, rows, ...(response.skipToken === undefined ? {} : { skipToken: response.skipToken }) };
      } catch (error) {
        const failure = armFailureOf(error);
        const retries = failure.kind === SubscriptionProblemKind.Throttled ? this.maxThrottleRetries : failure.transient ? this.maxTransientRetries : 0;
        if (attempt >= retries) return { ok: false, failure };
        const delayInMs = retryDelayOf(failure, attempt);
        if (delayInMs > this.maxRetryDelayInMs) return { ok: false, failure };
        await this.sleep(delayInMs);
      }
    }
  }

  private async diagnosticSettingsOf(cluster: ArmJson): Promise<ArmJson[] | undefined> {
    const id = typeof cluster['id'] === 'string' ? cluster['id'] : undefined;
    if (id === undefined) return undefined;
    try {
      let body: unknown;
      await this.monitor.diagnosticSettings.list(id.replace(/^\/+/, ''), {
        requestOptions: { timeout: this.requestTimeoutInMs },
        onResponse: (raw) => (body = parseJson(raw.bodyAsText)),
      });
      return listOf(body, 'value');
    } catch {
      // 403 (no read access), 404, throttled or unreachable: the fact is absent and the checks say so.
      return undefined;
    }
  }

  private kubernetesVersionsOf(cluster: ArmJson, now: string): Promise<ArmJson[] | undefined> {
    const location = typeof cluster['location'] === 'string' ? cluster['location'].replace(/\s+/g, '').toLowerCase() : undefined;
    const subscriptionId = subscriptionOf(cluster);
    const nowInMs = Date.parse(now);
    if (location === undefined || location === '' || subscriptionId === undefined || Number.isNaN(nowInMs)) return Promise.resolve(undefined);
    const cached = this.versions.get(location);
    if (cached !== undefined && nowInMs >= cached.fetchedAtInMs && nowInMs - cached.fetchedAtInMs < this.versionsTtlInMs) return cached.values;
    const values = this.readKubernetesVersions(subscriptionId, location).then((read) => {
      // A failed read is not kept: the next cluster of the location tries again.
      if (read === undefined && this.versions.get(location)?.values === values) this.versions.delete(location);
      return read;
    });
    this.versions.set(location, { fetchedAtInMs: nowInMs, values });
    return values;
  }

  private async readKubernetesVersions(subscriptionId: string, location: string): Promise<ArmJson[] | undefined> {
    try {
      let body: unknown;
      await this.containerServiceOf(subscriptionId).managedClusters.listKubernetesVersions(location, {
        requestOptions: { timeout: this.requestTimeoutInMs },
        onResponse: (raw) => (body = parseJson(raw.bodyAsText)),
      });
      return listOf(body, 'values');
    } catch {
      return undefined;
    }
  }

  private containerServiceOf(subscriptionId: string): ContainerServiceClient {
    const key = subscriptionId.toLowerCase();
    let client = this.containerService.get(key);
    if (client === undefined) {
      client = this.coreClient((common) => new ContainerServiceClient(this.options.credential, subscriptionId, common));
      this.containerService.set(key, client);
    }
    return client;
  }

  /**
   * A client of the core-client generation with Argus's retry bounds. Over plain HTTP (the local endpoint only) the
   * SDK refuses to send a bearer token, so the token is set by a policy of ours instead.
   */
  private coreClient<T extends ContainerServiceClient | MonitorClient>(
    create: (common: { endpoint: string; allowInsecureConnection: boolean; retryOptions: { maxRetries: number; retryDelayInMs: number } }) => T,
  ): T {
    const insecure = this.options.endpoint.toLowerCase().startsWith('http://');
    const client = create({
      endpoint: this.options.endpoint,
      allowInsecureConnection: insecure,
      retryOptions: { maxRetries: this.options.maxRetries ?? 3, retryDelayInMs: this.options.retryDelayInMs ?? 800 },
    });
    if (insecure) {
      const credential = this.options.credential;
      client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
      client.pipeline.addPolicy({
        name: 'argusLocalBearerTokenPolicy',
        sendRequest: async (request, next) => {
          const token = await credential.getToken(`${this.options.endpoint}/.default`);
          if (token !== null) request.headers.set('authorization', `Bearer ${token.token}`);
          return next(request);
        },
      });
    }
    return client;
  }
}

function problemOf(subscriptionId: string, failure: ArmFailure): SubscriptionProblem {
  return { subscriptionId, kind: failure.kind, detail: failure.detail };
}

function subscriptionOf(cluster: ArmJson): string | undefined {
  if (typeof cluster['subscriptionId'] === 'string' && cluster['subscriptionId'] !== '') return cluster['subscriptionId'];
  const id = typeof cluster['id'] === 'string' ? cluster['id'] : '';
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
}

function parseJson(text: string | null | undefined): unknown {
  if (text === undefined || text === null || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The wire-name list of an ARM body (`value`, `values`), or undefined when the body is not one. */
function listOf(body: unknown, member: string): ArmJson[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const list = (body as Record<string, unknown>)[member];
  if (!Array.isArray(list)) return undefined;
  return list.filter((item): item is ArmJson => typeof item === 'object' && item !== null && !Array.isArray(item));
}
