import { decideAccess, hasAtLeast } from '../../../shared/auth/subscriptionAccess';

describe('hasAtLeast', () => {
  it.each([
    ['Owner', 'SecurityReader', true],
    ['Owner', 'Owner', true],
    ['SecurityAdmin', 'SecurityReader', true],
    ['SecurityAdmin', 'Owner', false],
    ['SecurityReader', 'SecurityAdmin', false],
    [undefined, 'SecurityReader', false],
  ] as const)('when the role is %s and %s is required, then it is %s', (role, minimum, expected) => {
    expect(hasAtLeast(role, minimum)).toBe(expected);
  });
});

describe('decideAccess', () => {
  it('when the caller has no role, then access is refused as no-role, even for an operator on a route that does not allow operators', () => {
    expect(decideAccess({ role: undefined, isOperator: true, minimumRole: 'SecurityReader', allowOperator: false })).toEqual({ kind: 'no-role' });
  });

  it('when the role is too low, then the required role is named', () => {
    expect(decideAccess({ role: 'SecurityReader', isOperator: false, minimumRole: 'SecurityAdmin', allowOperator: false })).toEqual({
      kind: 'role-too-low',
      required: 'SecurityAdmin',
    });
  });

  it('when an operator uses a route that allows operators, then it is allowed without a role', () => {
    expect(decideAccess({ role: undefined, isOperator: true, minimumRole: 'Owner', allowOperator: true })).toEqual({ kind: 'allowed' });
  });

  it('when the role is strong enough, then it is allowed', () => {
    expect(decideAccess({ role: 'Owner', isOperator: false, minimumRole: 'SecurityAdmin', allowOperator: false })).toEqual({ kind: 'allowed' });
  });
});
