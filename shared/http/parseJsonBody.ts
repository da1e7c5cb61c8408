import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { errorResponse } from './errorResponse';
import { printable } from '../printable';
import { bodyTooLargeResponse, readRequestBody } from './readRequestBody';

export type BodyParsing<T> = { kind: 'parsed'; value: T } | { kind: 'rejected'; response: HttpResponseInit };

/** What a validating function returns; `message` starts with the field's path, e.g. `conditions[0].field is required.`. */
export type BodyValidation<T> = { ok: true; value: T } | { ok: false; message: string };

/** A strict zod object schema, or a function for bodies whose validation needs more (the clock, a field path format). */
export type BodySchema<T> = z.ZodType<T> | ((json: object) => BodyValidation<T>);

export interface ParseJsonBodyOptions {
  /** Larger bodies are refused with 413 `RequestBodyTooLarge`; 64 KiB when absent. */
  maxBytes?: number;
  /** An empty body (nothing, or only whitespace) is accepted as `undefined`; otherwise it is refused as not JSON. */
  allowEmpty?: boolean;
  /** A short valid body shown in the 400 when the body is not a JSON object, e.g. `{"enabled":true}`. */
  example?: string;
}

export const DEFAULT_MAX_BODY_IN_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8');

/**
 * Reads a request's JSON body and validates it. Refuses with 413 `RequestBodyTooLarge` when it is over
 * the size limit (by its Content-Length before reading, else as soon as the bytes read pass it), and with 400 `InvalidRequestBody` when it is not a JSON object (`body must be a JSON
 * object ...`) or breaks the schema (the message starting with the field's path; an unknown field is
 * named with the fields there are). Give each field's schema a message that reads after its name, e.g.
 * `'must be true or false'`; give the schema as a function when the message needs more (see
 * `BodyValidation`).
 */
export async function parseJsonBody<T>(
  request: HttpRequest,
  schema: BodySchema<T>,
  options: ParseJsonBodyOptions & { allowEmpty: true },
): Promise<BodyParsing<T | undefined>>;
export async function parseJsonBody<T>(request: HttpRequest, schema: BodySchema<T>, options?: ParseJsonBodyOptions): Promise<BodyParsing<T>>;
export async function parseJsonBody<T>(request: HttpRequest, schema: BodySchema<T>, options: ParseJsonBodyOptions = {}): Promise<BodyParsing<T | undefined>> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_IN_BYTES;
  const body = await readRequestBody(request, maxBytes);
  if (body.kind === 'too-large') return { kind: 'rejected', response: bodyTooLargeResponse(maxBytes) };
  const text = utf8.decode(body.bytes);
  if (options.allowEmpty === true && text.trim() === '') return { kind: 'parsed', value: undefined };

  const notAnObject = `body must be a JSON object${options.example === undefined ? '' : ` such as ${options.example}`}${options.allowEmpty === true ? ', or empty' : ''}.`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return rejected(notAnObject);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return rejected(notAnObject);

  if (typeof schema === 'function') {
    const validation = schema(json);
    return validation.ok ? { kind: 'parsed', value: validation.value } : rejected(validation.message);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { kind: 'parsed', value: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    return rejected(`${issue.keys.map((key) => printable(key)).join(', ')} is not a known field; known: ${known.join(', ') || 'none'}.`);
  }
  return rejected(`${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}.`);
}

function rejected(message: string): { kind: 'rejected'; response: HttpResponseInit } {
  return { kind: 'rejected', response: errorResponse(400, 'InvalidRequestBody', message) };
}

const noFields = z.strictObject({});

/**
 * The body of a route that takes none: nothing, whitespace or `{}` passes; a field is a 400 naming it, and a body
 * over DEFAULT_MAX_BODY_IN_BYTES a 413, read no further (so no route reads an unbounded body).
 */
export async function parseEmptyBody(request: HttpRequest): Promise<BodyParsing<undefined>> {
  const body = await parseJsonBody(request, noFields, { allowEmpty: true, example: '{}' });
  return body.kind === 'parsed' ? { kind: 'parsed', value: undefined } : body;
}
