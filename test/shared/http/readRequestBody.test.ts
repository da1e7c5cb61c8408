import type { HttpRequest } from '@azure/functions';
import { readRequestBody } from '../../../shared/http/readRequestBody';
import { httpRequest } from '../../support/httpRequests';

/** A request whose body arrives in `chunks` of `chunkBytes` each, counting how many chunks were pulled. */
function streamedRequest(chunks: number, chunkBytes: number, headers: Record<string, string> = {}): { request: HttpRequest; pulled: () => number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) {
        controller.close();
        return;
      }
      pulled++;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
    },
    // No read-ahead: a chunk is pulled only when the reader asks for it.
  }, { highWaterMark: 0 });
  const request = { headers: new Headers(headers), body } as unknown as HttpRequest;
  return { request, pulled: () => pulled };
}

describe('readRequestBody', () => {
  it('when Content-Length is over the limit, then it is too large and nothing is read', async () => {
    const { request, pulled } = streamedRequest(4, 10, { 'content-length': '41' });
    expect(await readRequestBody(request, 40)).toEqual({ kind: 'too-large' });
    expect(pulled()).toBe(0);
  });

  it('when a body without a length passes the limit, then reading stops at the chunk that passes it', async () => {
    const { request, pulled } = streamedRequest(100, 10);
    expect(await readRequestBody(request, 25)).toEqual({ kind: 'too-large' });
    expect(pulled()).toBe(3);
  });

  it('when Content-Length claims less than is sent, then the bytes are counted and the body is still too large', async () => {
    const { request } = streamedRequest(10, 10, { 'content-length': '5' });
    expect(await readRequestBody(request, 50)).toEqual({ kind: 'too-large' });
  });

  it('when Content-Length is not a number, then the bytes decide', async () => {
    expect((await readRequestBody(streamedRequest(3, 10, { 'content-length': 'lots' }).request, 30)).kind).toBe('read');
    expect((await readRequestBody(streamedRequest(4, 10, { 'content-length': 'lots' }).request, 30)).kind).toBe('too-large');
  });

  it('when a body is exactly at the limit, then all of it is read', async () => {
    const reading = await readRequestBody(httpRequest('POST', '/api/x', { body: 'é'.repeat(5) }), 10);
    expect(reading.kind === 'read' ? Buffer.from(reading.bytes).toString('utf8') : reading.kind).toBe('é'.repeat(5));
    expect((await readRequestBody(httpRequest('POST', '/api/x', { body: 'é'.repeat(5) }), 9)).kind).toBe('too-large');
  });

  it('when there is no body, then it reads as empty', async () => {
    const reading = await readRequestBody(httpRequest('POST', '/api/x'), 10);
    expect(reading.kind === 'read' ? reading.bytes.byteLength : reading.kind).toBe(0);
  });
});
