import { app, type EventHubFunctionOptions, type HttpFunctionOptions, type HttpHandler, type TimerFunctionOptions } from '@azure/functions';
import { getConfig } from '../config';
import { withSecurityHeaders } from '../http/securityHeaders';

/**
 * The function definition pattern. Each `functions/<name>.ts` exports the handler and the definition
 * made here; the definition registers itself with the Functions host when loaded by it, and the local
 * runtime (local/) reads the same definitions, so both run exactly the same triggers and handlers.
 */

const definitionMarker: unique symbol = Symbol.for('argus.functionDefinition');

interface DefinitionBase<Kind extends string, Options> {
  readonly [definitionMarker]: true;
  readonly kind: Kind;
  /** The registered function name; equal to the file name (a test checks it). */
  readonly name: string;
  readonly options: Options;
}

/** HTTP functions are anonymous at the host: callers are authenticated in-app with Entra ID bearer tokens. */
export type HttpDefinitionOptions = Omit<HttpFunctionOptions, 'authLevel' | 'route' | 'methods'> &
  Required<Pick<HttpFunctionOptions, 'route' | 'methods'>>;

export type HttpFunctionDefinition = DefinitionBase<'http', HttpFunctionOptions & { route: string }> & {
  /**
   * What the Functions host and the local runtime run: `options.handler` (the function file's own, which its
   * tests call) with the response headers every API answer carries (shared/http/securityHeaders.ts).
   */
  readonly servedHandler: HttpHandler;
};
export type EventHubFunctionDefinition = DefinitionBase<'eventHub', EventHubFunctionOptions>;
export type TimerFunctionDefinition = DefinitionBase<'timer', TimerFunctionOptions>;
export type FunctionDefinition = HttpFunctionDefinition | EventHubFunctionDefinition | TimerFunctionDefinition;

export function defineHttpFunction(name: string, options: HttpDefinitionOptions): HttpFunctionDefinition {
  return register({
    [definitionMarker]: true,
    kind: 'http',
    name,
    options: { ...options, authLevel: 'anonymous' },
    servedHandler: withSecurityHeaders(options.handler),
  });
}

export function defineEventHubFunction(name: string, options: EventHubFunctionOptions): EventHubFunctionDefinition {
  return register({ [definitionMarker]: true, kind: 'eventHub', name, options });
}

export function defineTimerFunction(name: string, options: TimerFunctionOptions): TimerFunctionDefinition {
  return register({ [definitionMarker]: true, kind: 'timer', name, options });
}

export function isFunctionDefinition(value: unknown): value is FunctionDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[definitionMarker] === true;
}

function register<D extends FunctionDefinition>(definition: D): D {
  if (!isRunningInFunctionsHost()) return definition;
  // Validate the settings while the host indexes the app, so a misconfigured deployment fails at start
  // with the setting named, not at the first request.
  getConfig();
  switch (definition.kind) {
    case 'http':
      app.http(definition.name, { ...definition.options, handler: definition.servedHandler });
      break;
    case 'eventHub':
      app.eventHub(definition.name, definition.options);
      break;
    case 'timer':
      app.timer(definition.name, definition.options);
      break;
  }
  return definition;
}

/**
 * Runs `handler` when the Functions host stops the app (a scale-in, a deployment): what an instance keeps unwritten
 * between batches is written then. Outside the host (tests, the local runtime, which flushes at its own stop) nothing.
 */
export function onHostTerminate(handler: () => Promise<void>): void {
  if (isRunningInFunctionsHost()) app.hook.appTerminate(handler);
}

/**
 * The Functions worker provides the virtual module `@azure/functions-core`; it exists nowhere else.
 * (`@azure/functions` uses the same test; outside the host its `app.*` calls only print warnings.)
 */
function isRunningInFunctionsHost(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
}
