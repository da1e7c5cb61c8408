import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { type RateLimitConfig } from '../config';
import { errorResponse } from './errorResponse';
import { RateLimiter } from './rateLimiter';

/**
 * The edge of the request-rate limits: one RateLimiter per limited operation, held by the instance, with the
 * limits of the settings (`INGEST_RATE_LIMIT_PER_MINUTE`, `EXPORT_RATE_LIMIT_PER_MINUTE`,
 * `SIMULATION_RATE_LIMIT_PER_MINUTE`). Limits are per instance, like Azure API Management's local rate limit
 * (`rate-limit-by-key` counts per gateway instance): with N instances a caller may get up to N times the limit
 * through. A route checks its limit after authenticating the caller (an unauthenticated request never takes a
 * token from someone's bucket) and before any store work.
 */

export const RateLimitedOperation = { ingestion: 'ingestion', export: 'export', simulation: 'simulation' } as const;
export type RateLimitedOperation = (typeof RateLimitedOperation)[keyof typeof RateLimitedOperation];

export interface RateLimitRequest {
  operation: RateLimitedOperation;
  /** The route's function name: each route has buckets of its own. */
  route: string;
  /** Whose bucket: an identity, never a secret (`tid/oid` of a principal, `subscription/cluster/keyId` of an ingestion key). */
  caller: string;
  /** The caller in the log line of a refusal, e.g. `principal <oid>`. */
  callerForLog: string;
}

export type RateLimitCheck = { kind: 'allowed' } | { kind: 'rejected'; response: HttpResponseInit };

const limitOf: Record<RateLimitedOperation, (config: RateLimitConfig) => number> = {
  ingestion: (config) => config.ingestionPerMinute,
  export: (config) => config.exportPerMinute,
  simulation: (config) => config.simulationPerMinute,
};

/** This instance's limiters, made again when the settings are read again (a new config object). */
let limiters: { config: RateLimitConfig; byOperation: Map<RateLimitedOperation, RateLimiter> } | undefined;
/** A clock tests put in place of `Date.now` (so they move time instead of sleeping). */
let clockForTests: (() => number) | undefined;

/** Takes a token for the request, or produces the 429 `TooManyRequests` with `Retry-After` (whole seconds, at least 1). */
export function enforceRateLimit(config: RateLimitConfig, context: InvocationContext, request: RateLimitRequest): RateLimitCheck {
  const decision = limiterOf(config, request.operation).take(`${request.route}\n${request.caller}`, (clockForTests ?? Date.now)());
  if (decision.kind === 'allowed') return decision;
  const limit = limitOf[request.operation](config);
  // Once per throttled streak, not per refused request: a caller hammering the route must not flood the log.
  if (decision.firstRefusal) {
    context.warn(`rate limit: ${request.route}: ${request.callerForLog} is over ${limit} requests a minute; refusing for now (invocation ${context.invocationId})`);
  }
  return {
    kind: 'rejected',
    response: errorResponse(
      429,
      'TooManyRequests',
      `Too many requests: at most ${limit} a minute are accepted from one caller on this route; retry after ${decision.retryAfterInSeconds} second${decision.retryAfterInSeconds === 1 ? '' : 's'}.`,
      { 'retry-after': String(decision.retryAfterInSeconds) },
    ),
  };
}

function limiterOf(config: RateLimitConfig, operation: RateLimitedOperation): RateLimiter {
  if (limiters?.config !== config) limiters = { config, byOperation: new Map() };
  let limiter = limiters.byOperation.get(operation);
  if (limiter === undefined) limiters.byOperation.set(operation, (limiter = new RateLimiter({ limitPerMinute: limitOf[operation](config) })));
  return limiter;
}

/** Replaces the rate limits' clock in tests (`undefined` restores `Date.now`). */
export function setRateLimitClockForTests(clock: (() => number) | undefined): void {
  clockForTests = clock;
}
