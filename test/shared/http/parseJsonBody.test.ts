import { z } from 'zod';
import { type BodyParsing, type BodyValidation, parseJsonBody } from '../../../shared/http/parseJsonBody';
import { httpRequest } from '../../support/httpRequests';

const schema = z.strictObject({
  enabled: z.boolean({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be true or false') }),
  owner: z.strictObject({ name: z.string({ error: 'must be a string' }) }).optional(),
});

const request = (body?: string, headers: Record<string, string> = {}) =>
  httpRequest('PUT', '/api/things/1', { headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body }) });

const errorOf = (result: BodyParsing<unknown>): { status: number | undefined; code: string; message: string } => {
  if (result.kind === 'parsed') throw new Error('the body was accepted');
  const { error } = result.response.jsonBody as { error: { code: string; message: string } };
  return { status: result.response.status, ...error };
};

describe('parseJsonBody', () => {
  it('when the body is valid, then it gives the parsed value', async () => {
    expect(await parseJsonBody(request('{"enabled":true,"owner":{"name":"dana"}}'), schema)).toEqual({
      kind: 'parsed',
      value: { enabled: true, owner: { name: 'dana' } },
    });
  });

  it('when a field is invalid, then it is a 400 InvalidRequestBody whose message starts with the field path', async () => {
    expect(errorOf(await parseJsonBody(request('{"enabled":"yes"}'), schema))).toEqual({
      status: 400,
      code: 'InvalidRequestBody',
      message: 'enabled must be true or false.',
    });
    expect(errorOf(await parseJsonBody(request('{"enabled":true,"owner":{"name":1}}'), schema)).message).toBe('owner.name must be a string.');
    expect(errorOf(await parseJsonBody(request('{}'), schema)).message).toBe('enabled is required.');
  });

  it('when a field is unknown, then the 400 names it and the known ones', async () => {
    expect(errorOf(await parseJsonBody(request('{"enabled":true,"tier":"Premium"}'), schema)).message).toBe(
      'tier is not a known field; known: enabled, owner.',
    );
  });

  it('when an unknown field name is long or has control characters, then the message shows it bounded and cleaned', async () => {
    const message = errorOf(await parseJsonBody(request(JSON.stringify({ enabled: true, [`${'x'.repeat(100)}\n`]: 1 })), schema)).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith(`${'x'.repeat(64)}...`)).toBe(true);
  });

  it.each([
    ['not JSON', '{enabled:'],
    ['a JSON array', '[{"enabled":true}]'],
    ['a JSON string', '"enabled"'],
    ['JSON null', 'null'],
    ['empty', ''],
    ['only whitespace', '  \n'],
  ])('when the body is %s, then it is a 400 InvalidRequestBody saying it must be a JSON object', async (_case, body) => {
    expect(errorOf(await parseJsonBody(request(body), schema))).toEqual({ status: 400, code: 'InvalidRequestBody', message: 'body must be a JSON object.' });
  });

  it('when there is no body at all and one is required, then it is a 400 saying it must be a JSON object', async () => {
    expect(errorOf(await parseJsonBody(request(), schema)).message).toBe('body must be a JSON object.');
  });

  it('when an example is given, then the not-an-object message shows it', async () => {
    expect(errorOf(await parseJsonBody(request('true'), schema, { example: '{"enabled":true}' })).message).toBe(
      'body must be a JSON object such as {"enabled":true}.',
    );
  });

  it('when an empty body is allowed and none is sent, then the value is undefined', async () => {
    for (const body of [undefined, '', ' \r\n']) {
      expect(await parseJsonBody(request(body), schema, { allowEmpty: true })).toEqual({ kind: 'parsed', value: undefined });
    }
  });

  it('when an empty body is allowed but a body is not an object, then the message says it may be empty', async () => {
    expect(errorOf(await parseJsonBody(request('[]'), schema, { allowEmpty: true, example: '{"enabled":true}' })).message).toBe(
      'body must be a JSON object such as {"enabled":true}, or empty.',
    );
    expect(errorOf(await parseJsonBody(request('{"enabled":1}'), schema, { allowEmpty: true })).message).toBe('enabled must be true or false.');
  });

  it('when the body is larger than 64 KiB, then it is 413 RequestBodyTooLarge; at exactly 64 KiB it is read', async () => {
    const padded = (bytes: number) => {
      const start = '{"enabled":true,"owner":{"name":"';
      const end = '"}}';
      return `${start}${'x'.repeat(bytes - start.length - end.length)}${end}`;
    };
    expect(errorOf(await parseJsonBody(request(padded(64 * 1024 + 1)), schema))).toEqual({
      status: 413,
      code: 'RequestBodyTooLarge',
      message: 'body must be at most 65536 bytes.',
    });
    expect((await parseJsonBody(request(padded(64 * 1024)), schema)).kind).toBe('parsed');
  });

  it('when the size is counted, then it is in UTF-8 bytes, not characters', async () => {
    const body = JSON.stringify({ enabled: true, owner: { name: 'é'.repeat(40) } });
    expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThan(100);
    expect(body.length).toBeLessThanOrEqual(100);
    expect(errorOf(await parseJsonBody(request(body), schema, { maxBytes: 100 })).status).toBe(413);
  });

  it('when the declared Content-Length is over the limit, then it is 413 before the body is read', async () => {
    expect(errorOf(await parseJsonBody(request('{"enabled":true}', { 'content-length': '200' }), schema, { maxBytes: 100 })).status).toBe(413);
  });

  it('when the schema is a function, then its value is given and its message is the 400 as it is', async () => {
    const validate = (json: object): BodyValidation<number> =>
      'count' in json && typeof json.count === 'number' ? { ok: true, value: json.count } : { ok: false, message: 'count must be a number.' };
    expect(await parseJsonBody(request('{"count":3}'), validate)).toEqual({ kind: 'parsed', value: 3 });
    expect(errorOf(await parseJsonBody(request('{"count":"3"}'), validate))).toEqual({ status: 400, code: 'InvalidRequestBody', message: 'count must be a number.' });
    expect(errorOf(await parseJsonBody(request('[3]'), validate)).message).toBe('body must be a JSON object.');
  });
});
