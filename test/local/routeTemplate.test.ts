import { compileRouteTemplate } from '../../local/routeTemplate';

describe('compileRouteTemplate', () => {
  it('when literal segments differ only in case, then the route still matches, as in ASP.NET routing', () => {
    expect(compileRouteTemplate('api/health').match('/API/Health')).toEqual({});
  });

  it('when a path has parameters, then they are returned URL-decoded', () => {
    const route = compileRouteTemplate('api/subscriptions/{sub}/alerts/{alertId}');
    expect(route.match('/api/subscriptions/abc/alerts/a%2Fb%20c')).toEqual({ sub: 'abc', alertId: 'a/b c' });
  });

  it('when the path is shorter or longer than the template, then it does not match', () => {
    const route = compileRouteTemplate('api/subscriptions/{sub}/alerts');
    expect(route.match('/api/subscriptions/abc')).toBeUndefined();
    expect(route.match('/api/subscriptions/abc/alerts/extra')).toBeUndefined();
  });

  it('when the last parameter is optional, then the path matches with or without it', () => {
    const route = compileRouteTemplate('api/items/{id?}');
    expect(route.match('/api/items')).toEqual({});
    expect(route.match('/api/items/7')).toEqual({ id: '7' });
  });

  it('when a parameter has a constraint, then only values satisfying it match', () => {
    const route = compileRouteTemplate('api/items/{id:int}/{key:guid}');
    expect(route.match('/api/items/12/0b6f1d7e-3c2a-4f5e-9a8b-1c2d3e4f5a6b')).toBeDefined();
    expect(route.match('/api/items/twelve/0b6f1d7e-3c2a-4f5e-9a8b-1c2d3e4f5a6b')).toBeUndefined();
    expect(route.match('/api/items/12/not-a-guid')).toBeUndefined();
  });

  it('when the template ends in a catch-all, then it takes the rest of the path', () => {
    expect(compileRouteTemplate('api/files/{*path}').match('/api/files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
  });

  it.each([
    ['api/{a}.{b}', /one parameter per segment/],
    ['api/{*rest}/more', /catch-all/],
    ['api/{id?}/more', /optional parameter/],
    ['api/{id:regex(x)}', /not supported/],
  ])('when the template is %s, then compiling it fails with a clear reason', (template, reason) => {
    expect(() => compileRouteTemplate(template)).toThrow(reason);
  });
});
