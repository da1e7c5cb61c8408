import {
  credentialKeysOf,
  CredentialShape,
  credentialShapesIn,
  isCredentialName,
  isCredentialValue,
} from '../../../../shared/detection/predicates/credentials';

// Test-only credential shapes, built at run time so that the source holds no literal secret.
const awsKeyId = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
const jwt = ['eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ', 'eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ', 'c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU'].join('.');
const pemHeader = ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' ');

describe('isCredentialName', () => {
  it.each(['password', 'DB_PASSWORD', 'db-passwd', 'passphrase', 'client_secret', 'api_key', 'apiKey', 'AWS_ACCESS_KEY_ID', 'aws_secret_access_key', 'private_key', 'ConnectionStrings__Default', 'auth.token', 'db-password.txt', 'AccountKey', 'SECRET_KEY'])(
    'when the name is "%s", then it names a credential',
    (name) => {
      expect(isCredentialName(name)).toBe(true);
    },
  );

  it.each(['secretName', 'token_url', 'passwordPolicy', 'username', 'tls.crt', 'max_tokens', 'public_key', 'log-level', ''])(
    'when the name is "%s", then it does not name a credential',
    (name) => {
      expect(isCredentialName(name)).toBe(false);
    },
  );
});

describe('isCredentialValue', () => {
  it('when the value is a plain string, then it could be a credential', () => {
    expect(isCredentialValue('hunter2')).toBe(true);
  });

  it.each(['', '   ', 'true', 'False', '${DB_PASSWORD}', '$(TOKEN)', '$API_KEY', '{{ .Values.password }}'])(
    'when the value is "%s", then it is not a credential',
    (value) => {
      expect(isCredentialValue(value)).toBe(false);
    },
  );
});

describe('credentialShapesIn', () => {
  it('when the text holds a PEM private key, then the private-key shape is found', () => {
    expect(credentialShapesIn(`${pemHeader}\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n`)).toContain(CredentialShape.privateKey);
  });

  it('when the text holds only a certificate, then nothing is found', () => {
    expect(credentialShapesIn('-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n')).toEqual([]);
  });

  it('when the text holds an AWS access key id, then the AWS shape is found', () => {
    expect(credentialShapesIn(`region = eu-west-1\nkey_id = ${awsKeyId}\n`)).toContain(CredentialShape.awsAccessKey);
  });

  it('when the text holds a JWT after "Bearer", then the JWT shape is found', () => {
    expect(credentialShapesIn(`Authorization: Bearer ${jwt}`)).toContain(CredentialShape.jwt);
  });

  it.each([
    ['a properties file', 'spring.datasource.url=jdbc:postgresql://db:5432/shop\nspring.datasource.password=s3cr3t-value\n'],
    ['a YAML file', 'database:\n  host: db\n  password: "s3cr3t-value"\n'],
    ['a JSON document', '{"host":"db","api_key":"abc123def456"}'],
    ['a connection string', 'Server=tcp:shop.database.windows.net,1433;Database=shop;User ID=app;Password=s3cr3t-value;'],
    ['an Azure storage connection string', 'DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=bXlrZXk=;EndpointSuffix=core.windows.net'],
    ['an env file', 'export API_TOKEN=abc123\nLOG_LEVEL=debug\n'],
  ])('when the text is %s with a credential assignment, then the assignment shape is found', (_kind, text) => {
    expect(credentialShapesIn(text)).toContain(CredentialShape.assignment);
  });

  it.each([
    ['a reference to an environment variable', 'spring.datasource.password=${DB_PASSWORD}\n'],
    ['a commented-out assignment', '# password=changeme\nlog_level=info\n'],
    ['a setting that mentions a secret by name', 'secretName: shop-tls\ntoken_url: https://login.example.com/token\n'],
    ['a YAML block scalar', 'password: |\n'],
    ['a JSON document with an empty password', '{"user":"app","password":""}'],
  ])('when the text is %s, then no assignment is found', (_kind, text) => {
    expect(credentialShapesIn(text)).not.toContain(CredentialShape.assignment);
  });

  it('when a URL carries a password, then the URL shape is found', () => {
    expect(credentialShapesIn('DATABASE_URL: postgres://app:s3cr3t@db.shop.svc:5432/shop')).toContain(CredentialShape.urlCredentials);
  });

  it('when a URL carries only a user name, then no URL shape is found', () => {
    expect(credentialShapesIn('repo: https://git@github.com/contoso/shop.git')).not.toContain(CredentialShape.urlCredentials);
  });

  it('when the text is a megabyte of base64-like characters, then it returns quickly with nothing found', () => {
    const started = performance.now();
    expect(credentialShapesIn(`-eyJ${'a-eyJ'.repeat(200_000)}`)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('credentialKeysOf', () => {
  it('when a ConfigMap has credential keys and plain keys, then only the credential keys are named', () => {
    const keys = credentialKeysOf({
      data: { DB_PASSWORD: 'hunter2', LOG_LEVEL: 'debug', 'app.properties': 'db.password=hunter2\n' },
      binaryData: { 'api_key': 'aGVsbG8=', 'logo.png': 'iVBORw0KGgo=' },
    });
    expect(keys).toEqual([
      { key: 'DB_PASSWORD', shapes: [CredentialShape.keyName] },
      { key: 'app.properties', shapes: [CredentialShape.assignment] },
      { key: 'binaryData.api_key', shapes: [CredentialShape.keyName] },
    ]);
  });

  it('when a credential key is emptied or removed by a patch, then it is not named', () => {
    expect(credentialKeysOf({ data: { DB_PASSWORD: '', API_TOKEN: null } })).toEqual([]);
  });

  it('when the object is missing or odd, then no key is named', () => {
    expect(credentialKeysOf(undefined)).toEqual([]);
    expect(credentialKeysOf({ data: 'skipped-too-big-size-object' })).toEqual([]);
    expect(credentialKeysOf({ data: [1, 2] })).toEqual([]);
  });
});
