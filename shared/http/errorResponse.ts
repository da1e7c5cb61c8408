import type { HttpResponseInit } from '@azure/functions';

/** The one error body shape of the API, ARM-style: `{"error":{"code","message"}}`. Never a stack or a payload. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } }, headers: { 'cache-control': 'no-store', ...headers } };
}
