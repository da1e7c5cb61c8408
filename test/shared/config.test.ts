import { bindingExpressionSettings, ConfigurationError, LOCAL_AUDIENCE, LOCAL_TENANT_ID, loadConfig } from '../../shared/config';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const production = {
  COSMOS__accountEndpoint: 'https://argus-prod.documents.azure.com:443/',
  AUTH_TENANT_ID: TENANT,
  AUTH_AUDIENCE: 'api://argus, 3f0b8b1e-7d0c-4a59-9a39-7b0e3f9e2c11',
  EVENTHUB__fullyQualifiedNamespace: 'argus-hub.servicebus.windows.net',
  SECRETS_KEY_ID: 'https://kv-argus-prod.vault.azure.net/keys/argus-secrets-kek',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadConfig', () => {
  it('when ARGUS_ENVIRONMENT is not set, then production rules apply and every missing Azure setting is named', () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        'COSMOS__accountEndpoint is required',
        'AUTH_TENANT_ID is required',
        'AUTH_AUDIENCE is required',
        'EVENTHUB__fullyQualifiedNamespace is required',
        'SECRETS_KEY_ID is required',
      ]),
    );
  });

  it('when a production setting is malformed, then the error names the setting and what is wrong', () => {
    const problems = problemsOf({ ...production, COSMOS__accountEndpoint: 'http://plain-http.example', AUTH_TENANT_ID: 'contoso' });
    expect(problems).toEqual(['COSMOS__accountEndpoint must be an https:// URL', 'AUTH_TENANT_ID must be a GUID']);
  });

  it('when a setting is an empty string, then it counts as missing (App Service leaves blank settings)', () => {
    expect(problemsOf({ ...production, AUTH_TENANT_ID: '  ' })).toEqual(['AUTH_TENANT_ID is required']);
  });

  it('when every production setting is present, then Entra ID issuer and JWKS are derived from the tenant', () => {
    const config = loadConfig(production);
    expect(config.environment).toBe('production');
    expect(config.cosmos).toEqual({
      endpoint: production.COSMOS__accountEndpoint,
      databaseName: 'argus',
      allowSelfSignedCertificate: false,
    });
    expect(config.auth).toEqual({
      tenantId: TENANT,
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      audiences: ['api://argus', '3f0b8b1e-7d0c-4a59-9a39-7b0e3f9e2c11'],
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      clockSkewInSeconds: 60,
    });
  });

  it('when a user-assigned identity is configured, then its client id reaches the Cosmos settings', () => {
    const clientId = '0d3c1a54-7f0e-4b8e-9d6c-2f1e0b9a8c7d';
    expect(loadConfig({ ...production, COSMOS__clientId: clientId }).cosmos.managedIdentityClientId).toBe(clientId);
  });

  it('when ARGUS_ENVIRONMENT is local, then nothing is required and the embedded defaults apply', () => {
    const config = loadConfig({ ARGUS_ENVIRONMENT: 'local' });
    expect(config.environment).toBe('local');
    expect(config.cosmos.endpoint).toBe('https://127.0.0.1:8081/');
    expect(config.cosmos.allowSelfSignedCertificate).toBe(true);
    expect(config.auth.tenantId).toBe(LOCAL_TENANT_ID);
    expect(config.auth.audiences).toEqual([LOCAL_AUDIENCE]);
    expect(config.auth.jwksUri).toBe('http://127.0.0.1:7071/api/local/identity/keys');
    expect(config.local).toEqual({ host: '127.0.0.1', port: 7071, cosmosPort: 8081, dataDir: '.argus', snapshotIntervalInSeconds: 30 });
  });

  it('when PORT is changed locally, then the local JWKS address follows it', () => {
    expect(loadConfig({ ARGUS_ENVIRONMENT: 'local', PORT: '8080' }).auth.jwksUri).toBe('http://127.0.0.1:8080/api/local/identity/keys');
  });

  it('when ARGUS_ENVIRONMENT has an unknown value, then it is refused by name', () => {
    const problems = problemsOf({ ...production, ARGUS_ENVIRONMENT: 'staging' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ARGUS_ENVIRONMENT /);
  });

  it('when numeric settings are out of range, then each is named', () => {
    const problems = problemsOf({ ...production, PORT: '70000', AUTH_CLOCK_SKEW_IN_SECONDS: 'soon' });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['AUTH_CLOCK_SKEW_IN_SECONDS', 'PORT']);
  });

  it('when the error is shown, then its message lists every problem on its own line', () => {
    const error = (() => {
      try {
        loadConfig({});
      } catch (e) {
        return e as ConfigurationError;
      }
      return undefined;
    })();
    expect(error?.name).toBe('ConfigurationError');
    expect(error?.code).toBe('InvalidConfiguration');
    expect(error?.message).toContain('\n  - AUTH_TENANT_ID is required');
  });
});

describe('loadConfig DETECTION_LISTS', () => {
  const local = { ARGUS_ENVIRONMENT: 'local' };

  it('when DETECTION_LISTS is unset, then the built-in lists are used', () => {
    expect(loadConfig(local).detection.lists.systemIdentities).toContain('aksService');
  });

  it('when DETECTION_LISTS adds and removes entries, then the lists are changed', () => {
    const config = loadConfig({ ...local, DETECTION_LISTS: '{"systemIdentities":{"add":["system:serviceaccount:ops:backup"],"remove":["masterclient"]}}' });
    expect(config.detection.lists.systemIdentities).toContain('system:serviceaccount:ops:backup');
    expect(config.detection.lists.systemIdentities).not.toContain('masterclient');
  });

  it('when DETECTION_LISTS is not JSON or names an unknown list, then the error names the setting', () => {
    expect(() => loadConfig({ ...local, DETECTION_LISTS: '{nope' })).toThrow(/DETECTION_LISTS must be valid JSON/);
    expect(() => loadConfig({ ...local, DETECTION_LISTS: '{"systemIdentity":[]}' })).toThrow(/DETECTION_LISTS/);
  });
});

describe('loadConfig WORKLOAD_SETTINGS', () => {
  const local = { ARGUS_ENVIRONMENT: 'local' };

  it('when WORKLOAD_SETTINGS is unset, then Defender\'s excluded namespaces apply and the image and port lists are empty', () => {
    expect(loadConfig(local).assessment.workloadSettings).toEqual({ excludedNamespaces: ['kube-system', 'gatekeeper-system', 'azure-arc', 'azure-extensions-usage-system'], allowedImagePrefixes: [], allowedServicePorts: [] });
  });

  it('when WORKLOAD_SETTINGS gives lists, then each replaces its default and the others stay', () => {
    const settings = loadConfig({ ...local, WORKLOAD_SETTINGS: '{"allowedImagePrefixes":["contoso.azurecr.io/"],"allowedServicePorts":[443,8443]}' }).assessment.workloadSettings;
    expect(settings).toMatchObject({ allowedImagePrefixes: ['contoso.azurecr.io/'], allowedServicePorts: [443, 8443] });
    expect(settings.excludedNamespaces).toContain('kube-system');
  });

  it('when WORKLOAD_SETTINGS is not JSON, names an unknown list or a port out of range, then the error names the setting', () => {
    expect(() => loadConfig({ ...local, WORKLOAD_SETTINGS: '{nope' })).toThrow(/WORKLOAD_SETTINGS must be valid JSON/);
    expect(() => loadConfig({ ...local, WORKLOAD_SETTINGS: '{"allowedImages":[]}' })).toThrow(/WORKLOAD_SETTINGS/);
    expect(() => loadConfig({ ...local, WORKLOAD_SETTINGS: '{"allowedServicePorts":[70000]}' })).toThrow(/WORKLOAD_SETTINGS/);
  });
});

describe('loadConfig audit stream (AUDIT_EVENTHUB_NAME, EVENTHUB__fullyQualifiedNamespace, AUDIT_EVENTHUB_CONSUMER_GROUP)', () => {
  it('when only the namespace is set, then the hub is insights-logs-kube-audit (the name AKS diagnostic settings use) read by argus-ingestion', () => {
    expect(loadConfig(production).auditStream).toEqual({
      eventHubName: 'insights-logs-kube-audit',
      fullyQualifiedNamespace: 'argus-hub.servicebus.windows.net',
      consumerGroup: 'argus-ingestion',
    });
  });

  it('when locally nothing is set, then there is no namespace (the embedded hub is used)', () => {
    expect(loadConfig({ ARGUS_ENVIRONMENT: 'local' }).auditStream).toEqual({ eventHubName: 'insights-logs-kube-audit', consumerGroup: 'argus-ingestion' });
  });

  it('when all are set, then they are read (in production and locally alike)', () => {
    const settings = {
      AUDIT_EVENTHUB_NAME: 'argus_audit-1.prod',
      EVENTHUB__fullyQualifiedNamespace: 'argus-hub.servicebus.windows.net',
      AUDIT_EVENTHUB_CONSUMER_GROUP: '$Default',
      EVENTHUB__clientId: '3f0b8b1e-7d0c-4a59-9a39-7b0e3f9e2c11',
    };
    const expected = {
      eventHubName: 'argus_audit-1.prod',
      fullyQualifiedNamespace: 'argus-hub.servicebus.windows.net',
      consumerGroup: '$Default',
      managedIdentityClientId: '3f0b8b1e-7d0c-4a59-9a39-7b0e3f9e2c11',
    };
    expect(loadConfig({ ...production, ...settings }).auditStream).toEqual(expected);
    expect(loadConfig({ ARGUS_ENVIRONMENT: 'local', ...settings }).auditStream).toEqual(expected);
  });

  it('when the consumer group is not a consumer group name, then the error names the setting', () => {
    expect(problemsOf({ ...production, AUDIT_EVENTHUB_CONSUMER_GROUP: 'has space' })).toEqual([
      expect.stringMatching(/^AUDIT_EVENTHUB_CONSUMER_GROUP must be a consumer group name/),
    ]);
  });

  it.each(['-starts-with-dash', 'ends-with-dot.', 'has space', 'x'.repeat(257)])(
    'when AUDIT_EVENTHUB_NAME is %j, then the error names the setting as not an Event Hub name',
    (name) => {
      expect(problemsOf({ ...production, AUDIT_EVENTHUB_NAME: name })).toEqual([expect.stringMatching(/^AUDIT_EVENTHUB_NAME must be an Event Hub name/)]);
    },
  );

  it.each(['sb://argus-hub.servicebus.windows.net', 'argus-hub.servicebus.windows.net:5671', 'argus-hub', 'bad_host.example.com'])(
    'when EVENTHUB__fullyQualifiedNamespace is %j, then the error names the setting as not a host name',
    (namespace) => {
      expect(problemsOf({ ...production, EVENTHUB__fullyQualifiedNamespace: namespace })).toEqual([
        expect.stringMatching(/^EVENTHUB__fullyQualifiedNamespace must be a host name/),
      ]);
    },
  );
});

describe('loadConfig node stream (NODE_EVENTHUB_NAME, NODE_EVENTHUB_CONSUMER_GROUP)', () => {
  it('when nothing is set, then the hub is node-events read by argus-ingestion (in production and locally alike)', () => {
    const expected = { eventHubName: 'node-events', consumerGroup: 'argus-ingestion' };
    expect(loadConfig(production).nodeStream).toEqual(expected);
    expect(loadConfig({ ARGUS_ENVIRONMENT: 'local' }).nodeStream).toEqual(expected);
  });

  it('when both are set, then they are read and the trigger binding expressions resolve to them', () => {
    const config = loadConfig({ ...production, NODE_EVENTHUB_NAME: 'argus_node-1.prod', NODE_EVENTHUB_CONSUMER_GROUP: '$Default' });
    expect(config.nodeStream).toEqual({ eventHubName: 'argus_node-1.prod', consumerGroup: '$Default' });
    expect(bindingExpressionSettings(config)).toMatchObject({ NODE_EVENTHUB_NAME: 'argus_node-1.prod', NODE_EVENTHUB_CONSUMER_GROUP: '$Default' });
  });

  it('when the name or the consumer group is malformed, then the error names the setting', () => {
    expect(problemsOf({ ...production, NODE_EVENTHUB_NAME: '-node', NODE_EVENTHUB_CONSUMER_GROUP: 'has space' })).toEqual([
      expect.stringMatching(/^NODE_EVENTHUB_NAME must be an Event Hub name/),
      expect.stringMatching(/^NODE_EVENTHUB_CONSUMER_GROUP must be a consumer group name/),
    ]);
  });
});

describe('loadConfig ingestion (ALERT_AGGREGATION_WINDOW_IN_MINUTES, SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS, USAGE_FLUSH_INTERVAL_IN_SECONDS)', () => {
  it('when none is set, then alerts aggregate over one hour, subscription settings are cached for a minute and usage is written once a minute', () => {
    expect(loadConfig(production).ingestion).toEqual({ aggregationWindowInMs: 3_600_000, subscriptionSettingsCacheTtlInMs: 60_000, usageFlushIntervalInMs: 60_000 });
  });

  it('when all are set, then they are read in milliseconds', () => {
    const config = loadConfig({ ...production, ALERT_AGGREGATION_WINDOW_IN_MINUTES: '15', SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS: '0', USAGE_FLUSH_INTERVAL_IN_SECONDS: '0' });
    expect(config.ingestion).toEqual({ aggregationWindowInMs: 900_000, subscriptionSettingsCacheTtlInMs: 0, usageFlushIntervalInMs: 0 });
  });

  it('when the detection state flush interval is unset, set or out of range, then it defaults to a minute, is read in milliseconds, or the error names the setting', () => {
    expect(loadConfig(production).detection.stateFlushIntervalInMs).toBe(60_000);
    expect(loadConfig({ ...production, DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS: '0' }).detection.stateFlushIntervalInMs).toBe(0);
    expect(problemsOf({ ...production, DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS: '3601' })).toEqual([expect.stringMatching(/^DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS/)]);
  });

  it('when the usage flush interval is negative or over an hour, then the error names the setting', () => {
    expect(problemsOf({ ...production, USAGE_FLUSH_INTERVAL_IN_SECONDS: '-1' })).toEqual([expect.stringMatching(/^USAGE_FLUSH_INTERVAL_IN_SECONDS/)]);
    expect(problemsOf({ ...production, USAGE_FLUSH_INTERVAL_IN_SECONDS: '3601' })).toEqual([expect.stringMatching(/^USAGE_FLUSH_INTERVAL_IN_SECONDS/)]);
  });

  it('when the window is out of range, then the error names the setting', () => {
    expect(problemsOf({ ...production, ALERT_AGGREGATION_WINDOW_IN_MINUTES: '0' })).toEqual([expect.stringMatching(/^ALERT_AGGREGATION_WINDOW_IN_MINUTES/)]);
    expect(problemsOf({ ...production, SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS: '7200' })).toEqual([
      expect.stringMatching(/^SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS/),
    ]);
  });
});

describe('loadConfig incidents (INCIDENT_SCHEDULE)', () => {
  it('when it is not set, then incidents are correlated every 5 minutes, and the binding expression setting says so', () => {
    const config = loadConfig(production);
    expect(config.incident.schedule).toBe('0 */5 * * * *');
    expect(bindingExpressionSettings(config)).toMatchObject({ INCIDENT_SCHEDULE: '0 */5 * * * *' });
  });

  it('when it is set, then it is used; when it is not an NCRONTAB, then the error names the setting', () => {
    expect(loadConfig({ ...production, INCIDENT_SCHEDULE: '0 */15 * * * *' }).incident.schedule).toBe('0 */15 * * * *');
    expect(problemsOf({ ...production, INCIDENT_SCHEDULE: '*/5 * * * *' })).toEqual([expect.stringMatching(/^INCIDENT_SCHEDULE/)]);
  });
});

describe('loadConfig threat-intel feeds (THREAT_INTEL_FEEDS, THREAT_INTEL_FEED_HOSTS, THREAT_INTEL_FEED_SCHEDULE)', () => {
  const torFeed = { name: 'tor-bulk-exit-list', url: 'https://check.torproject.org/torbulkexitlist', kind: 'tor-exit' };

  it('when none is set, then there is no feed and the refresh is scheduled every 6 hours at a quarter past', () => {
    const config = loadConfig(production);
    expect(config.threatIntelFeeds).toEqual({ feeds: [], allowedHosts: [], schedule: '0 15 */6 * * *' });
    expect(bindingExpressionSettings(config)).toMatchObject({ THREAT_INTEL_FEED_SCHEDULE: '0 15 */6 * * *' });
  });

  it('when a feed and its host are set, then the feed is read with the lines format by default', () => {
    const config = loadConfig({ ...production, THREAT_INTEL_FEEDS: JSON.stringify([torFeed]), THREAT_INTEL_FEED_HOSTS: 'check.torproject.org, rules.emergingthreats.net' });
    expect(config.threatIntelFeeds.feeds).toEqual([{ ...torFeed, format: 'lines' }]);
    expect(config.threatIntelFeeds.allowedHosts).toEqual(['check.torproject.org', 'rules.emergingthreats.net']);
  });

  it("when a feed's host is not allow-listed, then the error names the feed's url and the hosts setting", () => {
    expect(problemsOf({ ...production, THREAT_INTEL_FEEDS: JSON.stringify([torFeed]) })).toEqual([
      'THREAT_INTEL_FEEDS.0.url names the host check.torproject.org, which is not in THREAT_INTEL_FEED_HOSTS',
    ]);
  });

  it('when a feed is malformed, then the error names the setting and the field', () => {
    const hosts = { THREAT_INTEL_FEED_HOSTS: 'check.torproject.org' };
    expect(problemsOf({ ...production, ...hosts, THREAT_INTEL_FEEDS: JSON.stringify([{ ...torFeed, url: 'http://check.torproject.org/torbulkexitlist' }]) })).toEqual([
      expect.stringMatching(/^THREAT_INTEL_FEEDS\.0\.url must be an https:\/\/ URL/),
    ]);
    expect(problemsOf({ ...production, ...hosts, THREAT_INTEL_FEEDS: JSON.stringify([{ ...torFeed, kind: 'asn' }]) })).toEqual([expect.stringMatching(/^THREAT_INTEL_FEEDS\.0\.kind/)]);
    expect(problemsOf({ ...production, ...hosts, THREAT_INTEL_FEEDS: JSON.stringify([torFeed, torFeed]) })).toEqual([
      "THREAT_INTEL_FEEDS.1.name repeats the feed name 'tor-bulk-exit-list'",
    ]);
    expect(problemsOf({ ...production, ...hosts, THREAT_INTEL_FEEDS: '[{' })).toEqual(['THREAT_INTEL_FEEDS must be valid JSON']);
    expect(problemsOf({ ...production, THREAT_INTEL_FEED_HOSTS: 'https://check.torproject.org' })).toEqual([expect.stringMatching(/^THREAT_INTEL_FEED_HOSTS\.0 must be a host name/)]);
    expect(problemsOf({ ...production, THREAT_INTEL_FEED_SCHEDULE: '0 */6 * * *' })).toEqual([expect.stringMatching(/^THREAT_INTEL_FEED_SCHEDULE/)]);
  });
});

describe('loadConfig rate limits (INGEST_, EXPORT_ and SIMULATION_RATE_LIMIT_PER_MINUTE)', () => {
  it('when none is set, then ingestion keys get 6000 requests a minute, export principals 120 and simulation principals 10', () => {
    expect(loadConfig(production).rateLimits).toEqual({ ingestionPerMinute: 6000, exportPerMinute: 120, simulationPerMinute: 10 });
  });

  it('when all are set, including 0 (off), then they are read as given', () => {
    const config = loadConfig({ ...production, INGEST_RATE_LIMIT_PER_MINUTE: '0', EXPORT_RATE_LIMIT_PER_MINUTE: '30', SIMULATION_RATE_LIMIT_PER_MINUTE: '1' });
    expect(config.rateLimits).toEqual({ ingestionPerMinute: 0, exportPerMinute: 30, simulationPerMinute: 1 });
  });

  it('when one is negative, fractional or over its maximum, then the error names the setting', () => {
    expect(problemsOf({ ...production, INGEST_RATE_LIMIT_PER_MINUTE: '-1' })).toEqual([expect.stringMatching(/^INGEST_RATE_LIMIT_PER_MINUTE/)]);
    expect(problemsOf({ ...production, EXPORT_RATE_LIMIT_PER_MINUTE: '2.5' })).toEqual([expect.stringMatching(/^EXPORT_RATE_LIMIT_PER_MINUTE/)]);
    expect(problemsOf({ ...production, SIMULATION_RATE_LIMIT_PER_MINUTE: '1001' })).toEqual([expect.stringMatching(/^SIMULATION_RATE_LIMIT_PER_MINUTE/)]);
  });
});

describe('loadConfig secrets key (SECRETS_KEY_ID, SECRETS_KEY_CLIENT_ID)', () => {
  it('when production names the Key Vault key, then it is read without a trailing slash, and no local key file is used', () => {
    const config = loadConfig({ ...production, SECRETS_KEY_ID: 'https://kv-argus-prod.vault.azure.net/keys/argus-secrets-kek/', SECRETS_KEY_CLIENT_ID: TENANT });
    expect(config.secrets).toMatchObject({ keyVaultKeyId: 'https://kv-argus-prod.vault.azure.net/keys/argus-secrets-kek', managedIdentityClientId: TENANT });
  });

  it('when production misses it, then the app does not start and the error names SECRETS_KEY_ID', () => {
    const { SECRETS_KEY_ID: _unset, ...withoutKey } = production;
    expect(problemsOf(withoutKey)).toEqual(['SECRETS_KEY_ID is required']);
  });

  it.each([
    ['a versioned key id', 'https://kv-argus-prod.vault.azure.net/keys/argus-secrets-kek/0123456789abcdef0123456789abcdef'],
    ['plain http', 'http://kv-argus-prod.vault.azure.net/keys/argus-secrets-kek'],
    ['a secret, not a key', 'https://kv-argus-prod.vault.azure.net/secrets/argus'],
  ])('when it is %s, then the error names the setting', (_what, value) => {
    expect(problemsOf({ ...production, SECRETS_KEY_ID: value })).toEqual([expect.stringMatching(/^SECRETS_KEY_ID must be a Key Vault key id without a version/)]);
  });

  it('when locally nothing is set, then the key file of the data folder plays the key', () => {
    expect(loadConfig({ ARGUS_ENVIRONMENT: 'local', ARGUS_LOCAL_DATA_DIR: '/tmp/argus-data' }).secrets).toEqual({ localKeyFile: '/tmp/argus-data/keys/secrets-kek.json' });
  });
});
