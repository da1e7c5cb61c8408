import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { resolveBindingExpression } from '../../local/bindingExpressions';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { loadLocalSettings } from '../../local/loadLocalSettings';
import { bindingExpressionSettings, loadConfig } from '../../shared/config';
import { type EventHubFunctionDefinition } from '../../shared/functions/defineFunction';
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

describe('bindingExpressionSettings (the settings the local runtime fills in)', () => {
  const eventHubTriggers = (): EventHubFunctionDefinition[] =>
    loadFunctionDefinitions().filter((d): d is EventHubFunctionDefinition => d.kind === 'eventHub');

  it('when the Event Hub triggers are resolved with the defaults, then the audit, node-events and alert-events hubs are consumed with their groups', () => {
    const settings = bindingExpressionSettings(loadConfig({ ARGUS_ENVIRONMENT: 'local' }));
    const resolved = Object.fromEntries(
      eventHubTriggers().map((d) => [d.name, [resolveBindingExpression(d.options.eventHubName, settings), resolveBindingExpression(d.options.consumerGroup ?? '$Default', settings)]]),
    );
    expect(resolved).toMatchObject({
      ingestAuditEvents: ['insights-logs-kube-audit', 'argus-ingestion'],
      ingestNodeEvents: ['node-events', 'argus-ingestion'],
      deliverAlertExports: ['alert-events', 'argus-export'],
    });
  });

  it('when local.settings.example.json is read, then it lists the audit and node-events hub settings with their defaults', () => {
    const example = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'local.settings.example.json'), 'utf8')) as { Values: Record<string, string> }).Values;
    const defaults = bindingExpressionSettings(loadConfig({ ARGUS_ENVIRONMENT: 'local' }));
    expect(example).toMatchObject({ NODE_EVENTHUB_NAME: defaults['NODE_EVENTHUB_NAME'], NODE_EVENTHUB_CONSUMER_GROUP: defaults['NODE_EVENTHUB_CONSUMER_GROUP'] });
    expect(example).toMatchObject({ AUDIT_EVENTHUB_NAME: defaults['AUDIT_EVENTHUB_NAME'], AUDIT_EVENTHUB_CONSUMER_GROUP: defaults['AUDIT_EVENTHUB_CONSUMER_GROUP'] });
  });
});
