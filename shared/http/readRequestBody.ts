import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { errorResponse } from './errorResponse';

export type RequestBodyReading = { kind: 'read'; bytes: Uint8Array } | { kind: 'too-large' };

/**
 * Reads a request's body of at most `maxBytes`. A `Content-Length` over the limit is refused before anything is
 * read; otherwise the body is read chunk by chunk and counted, and reading stops at the first byte over the limit,
 * so a body sent without a length (chunked) or with a false one is never held whole either. (With HTTP streams
 * off, the Functions host has buffered the request already; the count still spares the copies a text would make.)
 */
export async function readRequestBody(request: HttpRequest, maxBytes: number): Promise<RequestBodyReading> {
  // An unparsable length (or none) proves nothing: the bytes are counted either way.
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return { kind: 'too-large' };
  const body = request.body as ReadableStream<Uint8Array> | null;
  if (body === null) return { kind: 'read', bytes: new Uint8Array(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { kind: 'too-large' };
    }
    chunks.push(value);
  }
  return { kind: 'read', bytes: Buffer.concat(chunks, length) };
}

/** The 413 of a body over its limit; `hint` says what the sender should lower (`lower --audit-webhook-batch-max-size`). */
export function bodyTooLargeResponse(maxBytes: number, hint?: string): HttpResponseInit {
  return errorResponse(413, 'RequestBodyTooLarge', `body must be at most ${maxBytes} bytes${hint === undefined ? '' : `; ${hint}`}.`);
}
