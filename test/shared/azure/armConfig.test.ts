import { ConfigurationError, loadConfig } from '../../../shared/config';
import { armCredentialOf, LOCAL_ARM_TOKEN } from '../../../shared/azure/createClusterSource';

const production = {
  COSMOS__accountEndpoint: 'https://argus-prod.documents.azure.com:443/',
  AUTH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  AUTH_AUDIENCE: 'api://argus',
  EVENTHUB__fullyQualifiedNamespace: 'argus-hub.servicebus.windows.net',
  SECRETS_KEY_ID: 'https://kv-argus-prod.vault.azure.net/keys/argus-secrets-kek',
};

describe('ARM settings (ARM_ENDPOINT)', () => {
  it('when production sets nothing, then ARM is management.azure.com read with the managed identity', () => {
    expect(loadConfig(production).arm).toEqual({ endpoint: 'https://management.azure.com', useStaticToken: false });
  });

  it('when production names a sovereign cloud, then its endpoint is used without the trailing slash', () => {
    const config = loadConfig({ ...production, ARM_ENDPOINT: 'https://management.usgovcloudapi.net/' });
    expect(config.arm).toEqual({ endpoint: 'https://management.usgovcloudapi.net', useStaticToken: false });
  });

  it('when production gives an http:// ARM endpoint, then the setting is refused by name', () => {
    expect(() => loadConfig({ ...production, ARM_ENDPOINT: 'http://127.0.0.1:7071/api/local/arm' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ ...production, ARM_ENDPOINT: 'http://127.0.0.1:7071/api/local/arm' })).toThrow(/ARM_ENDPOINT must be an https:\/\/ URL/);
  });

  it('when local mode sets nothing, then ARM is the local runtime endpoint with a static token', async () => {
    const config = loadConfig({ ARGUS_ENVIRONMENT: 'local', PORT: '7090' });
    expect(config.arm).toEqual({ endpoint: 'http://127.0.0.1:7090/api/local/arm', useStaticToken: true });
    await expect(armCredentialOf(config.arm).getToken('https://management.azure.com/.default')).resolves.toMatchObject({ token: LOCAL_ARM_TOKEN });
  });
});
