import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { getServices } from '../shared/services';
import { getPipelineHealthSummary } from '../shared/store/serviceStateStore';
import { getAppVersion } from '../shared/version';

/** How long the store may take to answer before the app reports itself unhealthy. */
const STORE_TIMEOUT_IN_MS = 3000;

/**
 * `GET /api/health`: anonymous liveness and readiness for load balancers and uptime checks. `ok` or
 * `degraded`, and the version: degraded when the store does not answer (503: this instance cannot
 * serve) or when the last round of scheduled simulations missed expected alerts (200: it serves, but
 * the pipeline needs a look). Never anything about tenants, endpoints or errors.
 */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const started = performance.now();
  const store = await checkStore(context);
  const latencyInMs = Math.round(performance.now() - started);
  const pipeline = store === 'up' ? await checkPipeline(context) : 'unknown';
  const ok = store === 'up' && pipeline !== 'degraded';
  return {
    status: store === 'up' ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      status: ok ? 'ok' : 'degraded',
      version: getAppVersion(),
      checks: { store: { status: store, latencyInMs }, pipeline: { status: pipeline } },
    },
  };
}

/** What the last round of scheduled simulations found, across every tenant and naming none. */
async function checkPipeline(context: InvocationContext): Promise<'ok' | 'degraded' | 'unknown'> {
  try {
    const summary = await getPipelineHealthSummary(getServices().database);
    if (summary === undefined || summary.simulationsChecked === 0) return 'unknown';
    return summary.simulationsFailed > 0 ? 'degraded' : 'ok';
  } catch (error) {
    context.error(`health: pipeline check failed: ${error instanceof Error ? error.name : 'unknown error'}`);
    return 'unknown';
  }
}

async function checkStore(context: InvocationContext): Promise<'up' | 'down'> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), STORE_TIMEOUT_IN_MS);
  try {
    await getServices().database.read({ abortSignal: abort.signal });
    return 'up';
  } catch (error) {
    // The reason is for operators only; it may name endpoints.
    context.error(`health: store check failed: ${error instanceof Error ? error.name : 'unknown error'}`);
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

export const healthFunction = defineHttpFunction('health', {
  route: 'health',
  methods: ['GET'],
  handler: health,
});
