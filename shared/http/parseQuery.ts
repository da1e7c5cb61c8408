import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { printable } from '../printable';
import { errorResponse } from './errorResponse';

/** For `parseQuery` on routes that take no query parameters: any is refused with 400. */
export const noQueryParameters = z.object({});

export type QueryParsing<T> = { kind: 'parsed'; value: T } | { kind: 'rejected'; response: HttpResponseInit };

/**
 * Validates a request's query string against a zod object schema whose keys are the route's query
 * parameters (each value a string, as it arrives). Refuses with 400 `InvalidParameter`, the message
 * starting with the parameter's name, when a parameter is unknown, given more than once, or invalid.
 * Give each field's schema a message that reads after the name, e.g. `'must be between 1 and 200'`.
 */
export function parseQuery<Shape extends z.ZodRawShape>(request: HttpRequest, schema: z.ZodObject<Shape>): QueryParsing<z.output<z.ZodObject<Shape>>> {
  const known = new Set(Object.keys(schema.shape));
  const raw: Record<string, string> = {};
  for (const name of new Set(request.query.keys())) {
    if (!known.has(name)) return rejected(`${printable(name)} is not a known query parameter; known: ${[...known].join(', ') || 'none'}.`);
    const values = request.query.getAll(name);
    if (values.length > 1) return rejected(`${name} must be given once.`);
    raw[name] = values[0] ?? '';
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { kind: 'parsed', value: parsed.data };
  const issue = parsed.error.issues[0];
  const name = typeof issue?.path[0] === 'string' ? issue.path[0] : 'query';
  return rejected(`${name} ${issue?.message ?? 'is invalid'}.`);
}

function rejected(message: string): { kind: 'rejected'; response: HttpResponseInit } {
  return { kind: 'rejected', response: errorResponse(400, 'InvalidParameter', message) };
}

