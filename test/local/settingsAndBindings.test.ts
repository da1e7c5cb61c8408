import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveBindingExpression } from '../../local/bindingExpressions';
import { loadLocalSettings } from '../../local/loadLocalSettings';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

describe('loadLocalSettings', () => {
  const dir = createTemporaryDirectory();
  afterAll(() => dir.remove());

  it('when local.settings.json has Values, then they become settings and the environment wins over them', () => {
    const path = join(dir.path, 'local.settings.json');
    writeFileSync(path, JSON.stringify({ IsEncrypted: false, Values: { PORT: '9000', COSMOS_DATABASE_NAME: 'dev' } }));
    expect(loadLocalSettings(path, { PORT: '7000' })).toEqual({ PORT: '7000', COSMOS_DATABASE_NAME: 'dev' });
  });

  it('when the file does not exist, then the environment alone is used', () => {
    expect(loadLocalSettings(join(dir.path, 'missing.json'), { PORT: '7000' })).toEqual({ PORT: '7000' });
  });

  it('when a value is not a string, then it is refused by name', () => {
    const path = join(dir.path, 'bad.json');
    writeFileSync(path, JSON.stringify({ Values: { PORT: 9000 } }));
    expect(() => loadLocalSettings(path, {})).toThrow('setting "PORT" must be a string');
  });
});

describe('resolveBindingExpression', () => {
  it('when an option names a setting in percent signs, then the setting value replaces it', () => {
    expect(resolveBindingExpression('%AUDIT_HUB%', { AUDIT_HUB: 'insights-logs-kube-audit' })).toBe('insights-logs-kube-audit');
    expect(resolveBindingExpression('$Default', {})).toBe('$Default');
  });

  it('when the setting is missing, then it fails naming the setting', () => {
    expect(() => resolveBindingExpression('%AUDIT_HUB%', {})).toThrow('"AUDIT_HUB", which is not set');
  });
});
