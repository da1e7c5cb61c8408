import { entityTag, ifMatchAllows } from '../../../shared/http/entityTags';

describe('entityTags', () => {
  it('when an etag comes quoted (Azure Cosmos DB) or bare (the in-process server), then the header value is quoted once', () => {
    expect(entityTag('"0000d2a1-0000-0d00-0000-65a1b2c30000"')).toBe('"0000d2a1-0000-0d00-0000-65a1b2c30000"');
    expect(entityTag('5f0c2a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6')).toBe('"5f0c2a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6"');
  });

  it.each<[string, string, boolean]>([
    ['"abc"', 'abc', true],
    ['"abc"', '"abc"', true],
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['"old", "abc"', 'abc', true],
    ['"old"', 'abc', false],
    ['W/"abc"', 'abc', false],
    ['', 'abc', false],
  ])('when If-Match is %j and the current etag is %j, then the write is allowed: %s', (ifMatch, current, allowed) => {
    expect(ifMatchAllows(ifMatch, current)).toBe(allowed);
  });
});
