import fc from 'fast-check';
import { defaultDetectionLists } from '../../../../shared/detection/allowLists';
import { createDetectionContext, defaultDetectionContext } from '../../../../shared/detection/detectionContext';
import { auditEvent } from '../../../../shared/detection/exampleEvents';
import { isServiceAccount, isSystemRequest, serviceAccountOf } from '../../../../shared/detection/predicates/identities';
import { recordOf } from '../../../support/ruleHarness';

describe('identities', () => {
  it('when a user name is or nearly is a service account name, then isServiceAccount answers as serviceAccountOf does', () => {
    const edges = [
      'system:serviceaccount:shop:web',
      'system:serviceaccount:shop:web:extra',
      'system:serviceaccount:shop',
      'system:serviceaccount:shop:',
      'system:serviceaccount::web',
      'system:serviceaccount:shop::web',
      'system:serviceaccount:',
      'system:serviceaccounts:shop:web',
      'dana@contoso.com',
      '',
    ];
    for (const name of edges) expect([name, isServiceAccount(name)]).toEqual([name, serviceAccountOf(name) !== undefined]);
    const part = fc.constantFrom('', ':', 'shop', 'web', 'a:b', '::');
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), (parts) => {
        const name = `system:serviceaccount:${parts.join('')}`;
        return isServiceAccount(name) === (serviceAccountOf(name) !== undefined);
      }),
      { seed: 17, numRuns: 500 },
    );
  });

  it('when the same event is judged with contexts that list different system identities, then each context gets its own answer', () => {
    const { event } = recordOf(auditEvent({ verb: 'get', resource: 'pods', user: 'system:kube-scheduler' }));
    const withoutScheduler = createDetectionContext({
      ...defaultDetectionLists,
      systemIdentities: defaultDetectionLists.systemIdentities.filter((pattern) => !'system:kube-scheduler'.startsWith(pattern.replace(/\*$/, ''))),
    });
    expect(isSystemRequest(event, defaultDetectionContext)).toBe(true);
    expect(isSystemRequest(event, withoutScheduler)).toBe(false);
    expect(isSystemRequest(event, defaultDetectionContext)).toBe(true);
    const { event: person } = recordOf(auditEvent({ verb: 'get', resource: 'pods', user: 'dana@contoso.com' }));
    expect(isSystemRequest(person, defaultDetectionContext)).toBe(false);
  });
});
