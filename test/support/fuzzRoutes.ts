import type { HttpResponseInit } from '@azure/functions';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { type Handler } from './apiHarness';

/** An HTTP route as its function definition registers it. */
export interface FuzzRoute {
  name: string;
  method: string;
  route: string;
  handler: Handler;
  /** Route parameters (`{name}`), in order. */
  params: string[];
}

/** Every HTTP route of the app, read from the function definitions (as the Functions host registers them). */
export function httpRoutes(): FuzzRoute[] {
  return loadFunctionDefinitions()
    .filter((definition) => definition.kind === 'http')
    .flatMap((definition) => {
      const options = definition.options as { route: string; methods?: string[]; handler: Handler };
      const params = [...options.route.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
      return (options.methods ?? []).map((method) => ({ name: definition.name, method: method.toUpperCase(), route: options.route, handler: options.handler, params }));
    });
}

/** The request path of a route with its parameters filled in. */
export function pathOf(route: string, params: Record<string, string>): string {
  // A lone surrogate cannot be percent-encoded: the path carries U+FFFD for it (the handler gets the raw parameter).
  return `/api/${route.replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent((params[key] ?? '').replace(/[\ud800-\udfff]/g, '\ufffd')))}`;
}

/** A field path as the API's 400 messages start with one: `top`, `conditions[0].field`, `targets[1].url`, `body`. */
const FIELD_PATH = /^[A-Za-z_$][\w$-]*(?:\[\d+\]|\.[\w$-]+)*$/;

/**
 * What the API's refusals look like (shared/http/errorResponse.ts): a JSON body `{ error: { code, message } }`; a 400's
 * message starts with the field or parameter that is wrong (`top must be ...`, `conditions[0].field is required.`,
 * `body must be a JSON object ...`), or names an unknown one (`x is not a known query parameter; known: ...`).
 * Returns what is wrong with the response, or undefined.
 */
export function problemWithRefusal(response: HttpResponseInit): string | undefined {
  const error = (response.jsonBody as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code !== 'string' || error.code === '') return `status ${response.status} without error.code`;
  if (typeof error.message !== 'string' || error.message === '') return `status ${response.status} (${error.code}) without error.message`;
  if (response.status !== 400) return undefined;
  if (/ is not a known (field|query parameter)/.test(error.message)) return undefined;
  const first = error.message.split(' ')[0] ?? '';
  return FIELD_PATH.test(first) ? undefined : `400 ${error.code} whose message names no field: ${error.message.slice(0, 200)}`;
}
