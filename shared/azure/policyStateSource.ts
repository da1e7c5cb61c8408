import { PolicyInsightsClient } from '@azure/arm-policyinsights';
import type { TokenCredential } from '@azure/identity';
import type { ArmJson } from '../posture/clusterCheck';
import { armFailureOf } from './armFailure';
import type { SubscriptionProblemKind } from './clusterSource';

/**
 * Where the Azure Policy add-on's own results come from: the component-level compliance of a managed cluster
 * (`Microsoft.PolicyInsights/componentPolicyStates/latest/queryResults` for the cluster's resource id), one record per
 * (Kubernetes object, policy assignment, definition), in wire names as azure-rest-api-specs'
 * `ComponentPolicyStates_QueryResourceScopeExpandPolicyEvaluationDetails.json` (2024-10-01) shows them:
 * `componentType` `pod`, `componentId` `<namespace>/<name>`, `componentName`, `complianceState`, `policyDefinitionId`,
 * `policySetDefinitionId`, `resourceId`, `timestamp`.
 *
 * Never throws for what Azure answers: a cluster Argus may not read, a throttled or unreachable ARM is a problem.
 */
export interface PolicyStateSource {
  listComponentPolicyStates(clusterResourceId: string): Promise<PolicyStateListing>;
}

export type PolicyStateListing =
  | { ok: true; clusterResourceId: string; states: ArmJson[] }
  | { ok: false; clusterResourceId: string; problem: PolicyStateProblem };

export interface PolicyStateProblem {
  kind: SubscriptionProblemKind;
  /** The HTTP status or error code Azure gave (`HTTP 403 AuthorizationFailed`, `ECONNREFUSED`), never a payload. */
  detail: string;
}

export interface AzurePolicyStateSourceOptions {
  credential: TokenCredential;
  /** The ARM endpoint (`https://management.azure.com`, or the local runtime's `http://127.0.0.1:7071/api/local/arm`). */
  endpoint: string;
  /** The SDK's retries on 429 (waiting `retry-after`), 5xx and connection errors (default 3). */
  maxRetries?: number;
  /** The SDK's first back-off when Azure names no wait (default 800 ms, the SDK's). */
  retryDelayInMs?: number;
  /** The longest `retry-after` Argus waits (default 60 s); a longer ask ends at once as `throttled`. */
  maxRetryDelayInMs?: number;
  /** How long one attempt may take before it counts as unreachable (default 60 s): a hung ARM must not hang a timer. */
  requestTimeoutInMs?: number;
  /** The most records asked for per cluster (`$top`, default 10,000). */
  maxRecords?: number;
}

/** The only `componentPolicyStatesResource` the API has. */
const LATEST = 'latest';

/**
 * The policy state source over `@azure/arm-policyinsights` (`componentPolicyStates.listQueryResultsForResource`,
 * api-version 2024-10-01). The response has no next link: `$top` bounds it. The body is read as sent (wire names,
 * `timestamp` a string), as the cluster source reads ARM bodies.
 *
 * Failures: the SDK's retry policy honours `retry-after` on 429 and backs off on 5xx and connection errors, at most
 * `maxRetries` times; a `retry-after` longer than `maxRetryDelayInMs` is not waited for (the 429 is the answer). Then
 * 401/403 -> `noReadAccess`, 429 -> `throttled`, anything else -> `unreachable` (`armFailureOf`).
 */
export class AzurePolicyStateSource implements PolicyStateSource {
  private readonly client: PolicyInsightsClient;
  private readonly requestTimeoutInMs: number;
  private readonly maxRecords: number;

  constructor(options: AzurePolicyStateSourceOptions) {
    this.requestTimeoutInMs = options.requestTimeoutInMs ?? 60_000;
    this.maxRecords = options.maxRecords ?? 10_000;
    const insecure = options.endpoint.toLowerCase().startsWith('http://');
    this.client = new PolicyInsightsClient(options.credential, {
      endpoint: options.endpoint,
      allowInsecureConnection: insecure,
      retryOptions: { maxRetries: options.maxRetries ?? 3, retryDelayInMs: options.retryDelayInMs ?? 800 },
    });
    const maxRetryDelayInMs = options.maxRetryDelayInMs ?? 60_000;
    // Inside the retry policy: a 429 that asks for a longer wait than Argus accepts loses its retry-after, so the SDK
    // does not sleep on it and the 429 comes back as the answer.
    this.client.pipeline.addPolicy(
      {
        name: 'argusMaxRetryDelayPolicy',
        sendRequest: async (request, next) => {
          const response = await next(request);
          if (response.status === 429 && (retryAfterInMsOf(response.headers.get('retry-after')) ?? 0) > maxRetryDelayInMs) {
            response.headers.delete('retry-after');
            response.headers.delete('retry-after-ms');
            response.headers.delete('x-ms-retry-after-ms');
          }
          return response;
        },
      },
      { afterPhase: 'Retry' },
    );
    if (insecure) {
      // Over plain HTTP (the local endpoint only) the SDK refuses to send a bearer token: a policy of ours sets it.
      const credential = options.credential;
      this.client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
      this.client.pipeline.addPolicy({
        name: 'argusLocalBearerTokenPolicy',
        sendRequest: async (request, next) => {
          const token = await credential.getToken(`${options.endpoint}/.default`);
          if (token !== null) request.headers.set('authorization', `Bearer ${token.token}`);
          return next(request);
        },
      });
    }
  }

  async listComponentPolicyStates(clusterResourceId: string): Promise<PolicyStateListing> {
    try {
      let body: unknown;
      await this.client.componentPolicyStates.listQueryResultsForResource(clusterResourceId.replace(/^\/+/, ''), LATEST, {
        top: this.maxRecords,
        requestOptions: { timeout: this.requestTimeoutInMs },
        onResponse: (raw) => (body = parseJson(raw.bodyAsText)),
      });
      return { ok: true, clusterResourceId, states: valueOf(body) };
    } catch (error) {
      const failure = armFailureOf(error);
      return { ok: false, clusterResourceId, problem: { kind: failure.kind, detail: failure.detail } };
    }
  }
}

function retryAfterInMsOf(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at - Date.now();
}

function parseJson(text: string | null | undefined): unknown {
  if (text === undefined || text === null || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function valueOf(body: unknown): ArmJson[] {
  const list = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['value'] : undefined;
  return Array.isArray(list) ? list.filter((item): item is ArmJson => typeof item === 'object' && item !== null && !Array.isArray(item)) : [];
}
