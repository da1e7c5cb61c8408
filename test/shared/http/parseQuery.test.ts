import { z } from 'zod';
import { parseQuery } from '../../../shared/http/parseQuery';
import { httpRequest } from '../../support/httpRequests';

const schema = z.object({
  top: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).optional(),
  name: z.string().min(1, 'must not be empty').optional(),
});

const parse = (query: string) => parseQuery(httpRequest('GET', `/api/things${query}`), schema);
const messageOf = (result: ReturnType<typeof parse>): string =>
  result.kind === 'rejected' ? (result.response.jsonBody as { error: { message: string } }).error.message : 'parsed';

describe('parseQuery', () => {
  it('when the parameters are valid, then it gives the parsed values', () => {
    expect(parse('?top=5&name=web')).toEqual({ kind: 'parsed', value: { top: 5, name: 'web' } });
    expect(parse('')).toEqual({ kind: 'parsed', value: {} });
  });

  it('when a value is invalid, then it is a 400 InvalidParameter whose message starts with the parameter', () => {
    const result = parse('?top=five');
    expect(result.kind === 'rejected' && result.response.status).toBe(400);
    expect(result.kind === 'rejected' && result.response.jsonBody).toEqual({ error: { code: 'InvalidParameter', message: 'top must be a whole number.' } });
  });

  it('when a parameter is unknown, then it is a 400 naming it and the known ones', () => {
    expect(messageOf(parse('?top=5&orderby=name'))).toBe('orderby is not a known query parameter; known: top, name.');
  });

  it('when a parameter is repeated, then it is a 400 naming it', () => {
    expect(messageOf(parse('?name=a&name=b'))).toBe('name must be given once.');
  });

  it('when an unknown parameter name is long or has control characters, then the message shows it bounded and cleaned', () => {
    const message = messageOf(parse(`?${'x'.repeat(100)}%0A=1`));
    expect(message).not.toContain('\n');
    expect(message.startsWith(`${'x'.repeat(64)}...`)).toBe(true);
  });
});
