import { z } from 'zod';
import { parseRouteParameter } from '../../../shared/http/authorizeResourceRequest';

const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be an object id (a GUID)')
  .transform((id) => id.toLowerCase());

describe('parseRouteParameter', () => {
  it('when the value is valid, then it is the schema output', () => {
    expect(parseRouteParameter('principalId', guid, 'AAAAAAAA-1111-4111-8111-111111111111')).toEqual({ ok: true, value: 'aaaaaaaa-1111-4111-8111-111111111111' });
  });

  it.each([
    ['malformed', 'not-a-guid'],
    ['missing', undefined],
  ])('when the value is %s, then the message starts with the parameter name and reads the schema message after it', (_case, value) => {
    expect(parseRouteParameter('principalId', guid, value)).toEqual({ ok: false, message: 'principalId must be an object id (a GUID).' });
  });
});
