import { compilePatternList } from '../../../shared/detection/patternList';
import { defaultDetectionLists, detectionListOverridesSchema, mergeDetectionLists } from '../../../shared/detection/allowLists';

describe('compilePatternList', () => {
  const list = compilePatternList(['system:node:*', 'aksService', '*xmrig*']);

  it('when values are matched, then exact entries and globs match case-insensitively', () => {
    expect(list.matches('system:node:aks-nodepool1-12345678-vmss000000')).toBe(true);
    expect(list.matches('AKSSERVICE')).toBe(true);
    expect(list.matches('docker.io/metal3d/XMRig:latest')).toBe(true);
    expect(list.find('docker.io/metal3d/xmrig:latest')).toBe('*xmrig*');
  });

  it('when values only resemble an entry, then they do not match', () => {
    expect(list.matches('system:nodes')).toBe(false);
    expect(list.matches('aksService2')).toBe(false);
    expect(list.matches(undefined)).toBe(false);
    expect(compilePatternList(['a.b']).matches('axb')).toBe(false);
  });
});

describe('mergeDetectionLists', () => {
  it('when a list is given as an array, then it replaces the default', () => {
    expect(mergeDetectionLists({ miningImages: ['*evil*'] }).miningImages).toEqual(['*evil*']);
  });

  it('when a list is given as add and remove, then the default is changed', () => {
    const merged = mergeDetectionLists({ systemIdentities: { add: ['system:serviceaccount:ops:backup'], remove: ['MASTERCLIENT'] } });
    expect(merged.systemIdentities).toContain('system:serviceaccount:ops:backup');
    expect(merged.systemIdentities).not.toContain('masterclient');
    expect(merged.infrastructureImages).toEqual(defaultDetectionLists.infrastructureImages);
  });

  it('when the overrides name an unknown list or hold a non-string, then validation names the problem', () => {
    const unknown = detectionListOverridesSchema.safeParse({ systemIdentity: [] });
    expect(unknown.success).toBe(false);
    const wrongType = detectionListOverridesSchema.safeParse({ miningImages: [1] });
    expect(wrongType.success).toBe(false);
    expect(wrongType.error?.issues[0]?.path).toContain('miningImages');
  });
});

describe('compilePatternList shapes', () => {
  it.each([
    ['prefix', 'mcr.microsoft.com/aks/*', 'MCR.microsoft.com/aks/x:1', 'docker.io/mcr.microsoft.com/aks/x'],
    ['suffix', '*-controller', 'system:serviceaccount:kube-system:job-controller', 'job-controller-x'],
    ['substring', '*xmrig*', 'a/xmrig:1', 'a/xmri:1'],
    ['inner wildcard', 'system:serviceaccount:*:cert-manager', 'system:serviceaccount:certs:cert-manager', 'system:serviceaccount:certs:cert-manager-webhook'],
    ['exact', 'aksService', 'aksservice', 'aksService2'],
  ])('when a %s pattern is compiled, then it matches its values and not near misses', (_shape, pattern, hit, miss) => {
    const list = compilePatternList([pattern]);
    expect(list.find(hit)).toBe(pattern);
    expect(list.matches(miss)).toBe(false);
  });

  it('when a value matches a pattern that is only a wildcard, then it matches', () => {
    expect(compilePatternList(['*']).matches('anything')).toBe(true);
    expect(compilePatternList(['**']).matches('')).toBe(true);
  });
});
