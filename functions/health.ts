import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { defineHttpFunction } from '../shared/functions/defineFunction';
import { getServices } from '../shared/services';
import { getAppVersion } from '../shared/version';

/** How long the store may take to answer before the app reports itself unhealthy. */
const STORE_TIMEOUT_IN_MS = 3000;

/**
 * `GET /api/health`: anonymous liveness and readiness for load balancers and uptime checks. Says whether
 * the store answers, and the version; never anything about tenants, endpoints or errors.
 */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const started = performance.now();
  const store = await checkStore(context);
  const latencyInMs = Math.round(performance.now() - started);
  const healthy = store === 'up';
  return {
    status: healthy ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      status: healthy ? 'healthy' : 'unhealthy',
      version: getAppVersion(),
      checks: { store: { status: store, latencyInMs } },
    },
  };
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
