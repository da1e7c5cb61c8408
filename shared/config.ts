import { mergeWorkloadSettings, type WorkloadSettings, workloadSettingsOverridesSchema } from './posture/workloadSettings';
import { z } from 'zod';
import { type DetectionLists, detectionListOverridesSchema, mergeDetectionLists } from './detection/allowLists';
import { localKeyFilePath } from './secrets/localKeyFileKeyEncryptionKey';
import { feedHostOf, type ThreatIntelFeed, threatIntelFeedsSchema } from './intel/threatIntelFeed';

/**
 * Every setting Argus reads, validated once. Nothing else in the app reads `process.env`.
 *
 * `ARGUS_ENVIRONMENT` decides the rules: `production` (the default, so a deployment can never fall into
 * local mode by accident) requires every Azure setting; `local` fills them with the embedded runtime's
 * defaults. A missing or malformed setting fails with a message that names it.
 */

export const ArgusEnvironment = { local: 'local', production: 'production' } as const;
export type ArgusEnvironment = (typeof ArgusEnvironment)[keyof typeof ArgusEnvironment];

/** The local identity provider's fixed tenant, issuer and audience (see local/). */
export const LOCAL_TENANT_ID = '00000000-0000-4000-8000-0000000a4905';
export const LOCAL_AUDIENCE = 'api://argus-local';
export const localIssuer = (tenantId: string): string => `https://login.argus.local/${tenantId}/v2.0`;

export interface CosmosConfig {
  /** `COSMOS__accountEndpoint`: the account endpoint (identity-based connection, Functions naming). */
  endpoint: string;
  databaseName: string;
  /** `COSMOS__clientId`: a user-assigned managed identity; absent means system-assigned / developer credential. */
  managedIdentityClientId?: string;
  /** Local mode only: the in-process server's self-signed certificate is accepted. Never true in production. */
  allowSelfSignedCertificate: boolean;
}

export interface AuthConfig {
  tenantId: string;
  issuer: string;
  /** Accepted `aud` values: the API's client id and/or its application id URI. */
  audiences: string[];
  jwksUri: string;
  clockSkewInSeconds: number;
}

export interface LocalRuntimeConfig {
  host: string;
  port: number;
  cosmosPort: number;
  dataDir: string;
  snapshotIntervalInSeconds: number;
}

/** Where the clusters' audit logs are streamed: what the plan's onboarding instructions tell an owner. */
export interface AuditStreamConfig {
  /** `AUDIT_EVENTHUB_NAME`: the Event Hub that receives the diagnostic records (default insights-logs-kube-audit). */
  eventHubName: string;
  /** `EVENTHUB__fullyQualifiedNamespace`: the Event Hubs namespace host name (required in production). */
  fullyQualifiedNamespace?: string;
  /** `AUDIT_EVENTHUB_CONSUMER_GROUP`: the consumer group the ingestion function reads with (default argus-ingestion). */
  consumerGroup: string;
  /** `EVENTHUB__clientId`: a user-assigned managed identity for Event Hubs; absent means system-assigned / developer credential. */
  managedIdentityClientId?: string;
}

/**
 * Where the node sensors' events are streamed (Tetragon's JSON export, falcosidekick): the same Event Hubs
 * namespace and identity as the audit stream, another hub.
 */
export interface NodeStreamConfig {
  /** `NODE_EVENTHUB_NAME`: the Event Hub that receives the node sensors' events (default node-events). */
  eventHubName: string;
  /** `NODE_EVENTHUB_CONSUMER_GROUP`: the consumer group the node ingestion function reads with (default argus-ingestion). */
  consumerGroup: string;
}

/** How the ingestion pipeline turns audit events into alerts. */
export interface IngestionConfig {
  /** `ALERT_AGGREGATION_WINDOW_IN_MINUTES`: findings of one rule, cluster and entity within one window are one alert. */
  aggregationWindowInMs: number;
  /** `SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS`: how long an instance reuses a subscription's plan and suppression rules. */
  subscriptionSettingsCacheTtlInMs: number;
  /**
   * `USAGE_FLUSH_INTERVAL_IN_SECONDS` (default 60, 0 to 3600): an instance writes each partition's usage counts at most
   * this often (0: after every batch); a crash loses at most this long of the counts of each partition it held.
   */
  usageFlushIntervalInMs: number;
}

/** The alert-events hub: every alert creation and change, read by the push export. */
export interface AlertEventsConfig {
  /** `ALERT_EVENTS_EVENTHUB_NAME`: in the namespace of EVENTHUB__fullyQualifiedNamespace (default alert-events). */
  eventHubName: string;
  /** `ALERT_EVENTS_CONSUMER_GROUP`: the consumer group the push export reads with (default argus-export). */
  consumerGroup: string;
}

/** The SIEM/SOAR export. */
export interface ExportConfig {
  /**
   * `EXPORT_SETTLE_SECONDS`: the pull export serves changes only once they are this old, so that a write
   * stamped earlier but committed later than a page was read is still ahead of the SIEM's cursor.
   */
  settleInMs: number;
}

/**
 * Request-rate limits (shared/http/rateLimits.ts): a token bucket per caller and route, per instance, holding a
 * minute's worth of requests; 0 turns a limit off. A caller over the limit gets 429 with `Retry-After`.
 */
export interface RateLimitConfig {
  /**
   * `INGEST_RATE_LIMIT_PER_MINUTE` (default 6000, 0 to 1,000,000): requests per ingestion key (a cluster registration's
   * key, by its key id) on each of `POST /api/ingest/audit` and `POST /api/ingest/node`. The API server's audit webhook
   * sends at most 10 batches a second per API server (kube-apiserver's `--audit-webhook-batch-throttle-qps` default;
   * burst 15): 600 a minute, 3,000 for a five-server control plane; node shippers (Fluent Bit flushes every second)
   * post about 60 a minute per node, 6,000 for 100 nodes.
   */
  ingestionPerMinute: number;
  /** `EXPORT_RATE_LIMIT_PER_MINUTE` (default 120, 0 to 100,000): requests per principal on each pull export route. */
  exportPerMinute: number;
  /** `SIMULATION_RATE_LIMIT_PER_MINUTE` (default 10, 0 to 1000): simulations a principal may start a minute. */
  simulationPerMinute: number;
}

/** The attack simulation. */
export interface SimulationConfig {
  /** `SIMULATION_SCHEDULE`: NCRONTAB of the scheduled canary (default every 6 hours). */
  schedule: string;
  /** `SIMULATION_TIMEOUT_IN_MINUTES`: a simulation whose expected alerts have not all arrived by then failed. */
  timeoutInMs: number;
}

/** The cluster configuration assessments. */
export interface AssessmentConfig {
  /** `ASSESSMENT_SCHEDULE`: NCRONTAB of the assessment refresh (default every 6 hours, at half past). */
  schedule: string;
  /** The workload controls' lists: the defaults with `WORKLOAD_SETTINGS` applied. */
  workloadSettings: WorkloadSettings;
}

/** The correlation of alerts into incidents. */
export interface IncidentConfig {
  /** `INCIDENT_SCHEDULE`: NCRONTAB of the incident correlation (default every 5 minutes). */
  schedule: string;
}

/** Threat-intel feeds refreshed by a timer (shared/intel/threatIntelFeed.ts). */
export interface ThreatIntelFeedsConfig {
  /** `THREAT_INTEL_FEEDS`: a JSON array of `{ name, url (https), kind: tor-exit | ip | domain, format: lines }`; default none. */
  feeds: ThreatIntelFeed[];
  /** `THREAT_INTEL_FEED_HOSTS`: comma-separated host names feeds (and their redirects) may be fetched from. */
  allowedHosts: string[];
  /** `THREAT_INTEL_FEED_SCHEDULE`: NCRONTAB of the refresh (default every 6 hours, at a quarter past). */
  schedule: string;
}

/** Azure Resource Manager, where the cluster configuration is read (Resource Graph, diagnostic settings, versions). */
export interface ArmConfig {
  /** `ARM_ENDPOINT`: https://management.azure.com by default; locally the embedded runtime's ARM endpoint. */
  endpoint: string;
  /**
   * Local mode only: a static token stands in for the managed identity (the local endpoint checks no tokens).
   * Production authenticates with `DefaultAzureCredential` (the app's managed identity).
   */
  useStaticToken: boolean;
}

/** Where the key-encryption key of the stored secrets is (shared/secrets/). */
export interface SecretsConfig {
  /**
   * `SECRETS_KEY_ID`: the Key Vault key, `https://<vault>.vault.azure.net/keys/<name>` without a version (new versions
   * are used as the vault makes them). Required in production; unset in local mode, where a key file of the data folder
   * plays its part (`localKeyFile`).
   */
  keyVaultKeyId?: string;
  /** `SECRETS_KEY_CLIENT_ID`: a user-assigned managed identity for Key Vault; absent means system-assigned / developer credential. */
  managedIdentityClientId?: string;
  /** The local key file (`<ARGUS_LOCAL_DATA_DIR>/keys/secrets-kek.json`), used when `keyVaultKeyId` is unset (local mode only). */
  localKeyFile: string;
}

export interface DetectionConfig {
  /** The named lists the rules consult: the defaults with `DETECTION_LISTS` applied. */
  lists: DetectionLists;
  /**
   * `LEARNING_PERIOD_IN_DAYS` (default 7): how long after a subscription's plan is switched on the first-seen rules only
   * learn what is normal and stay silent.
   */
  learningPeriodInMs: number;
  /**
   * `DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS` (default 60, 0 to 3600): an instance writes the stateful rules'
   * observations that raise nothing at most this often per state document (0: in their batch); what raises an alert is
   * written at once. A crash loses at most this long of the observations of the documents the instance held.
   */
  stateFlushIntervalInMs: number;
}

export interface Config {
  environment: ArgusEnvironment;
  detection: DetectionConfig;
  cosmos: CosmosConfig;
  auth: AuthConfig;
  auditStream: AuditStreamConfig;
  nodeStream: NodeStreamConfig;
  ingestion: IngestionConfig;
  alertEvents: AlertEventsConfig;
  export: ExportConfig;
  rateLimits: RateLimitConfig;
  simulation: SimulationConfig;
  assessment: AssessmentConfig;
  incident: IncidentConfig;
  threatIntelFeeds: ThreatIntelFeedsConfig;
  arm: ArmConfig;
  secrets: SecretsConfig;
  /** Settings of the embedded runtime behind `npm start`; read in every mode, used only locally. */
  local: LocalRuntimeConfig;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  readonly code = 'InvalidConfiguration';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const anyHttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const commaList = z
  .string()
  .transform((s) => s.split(',').map((part) => part.trim()).filter((part) => part.length > 0))
  .pipe(z.array(z.string()).min(1, 'must list at least one value'));

/**
 * A Key Vault key without its version: https://<vault host>/keys/<name>. Key names are 1-127 letters, digits and -.
 */
const keyVaultKeyId = z
  .string()
  .regex(/^https:\/\/[A-Za-z0-9.-]+(?::\d+)?\/keys\/[A-Za-z0-9-]{1,127}\/?$/, 'must be a Key Vault key id without a version, such as https://kv-argus.vault.azure.net/keys/argus-secrets-kek')
  .transform((id) => id.replace(/(?<!\/)\/+$/, ''));

/** Event Hub names: 1-256 letters, digits, '.', '-' and '_', starting and ending with a letter or digit. */
const eventHubName = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/, 'must be an Event Hub name (letters, digits, . - and _, starting and ending with a letter or digit)');
/** A DNS host name (e.g. `argus-hub.servicebus.windows.net`), without scheme, port or path. */
const hostName = z
  .string()
  .regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/, 'must be a host name such as my-namespace.servicebus.windows.net');

/** An Event Hubs consumer group name, or `$Default`. */
const consumerGroupName = z
  .string()
  .regex(/^(?:\$Default|[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?)$/, 'must be a consumer group name (letters, digits, . - and _, or $Default)');
/** An NCRONTAB expression of the Functions timer trigger: six fields, seconds first. */
const ncrontab = z
  .string()
  .regex(/^\S+(?:\s+\S+){5}$/, 'must be an NCRONTAB expression of six fields, seconds first, e.g. 0 0 */6 * * *');

/** A setting that holds a JSON document. */
const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
    return z.NEVER;
  }
});

/** Settings that mean the same in every mode. Empty strings count as unset (App Service leaves them so). */
const commonSchema = z.object({
  ARGUS_ENVIRONMENT: z.enum(['local', 'production']).default('production'),
  COSMOS_DATABASE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, 'must be a Cosmos DB database id (letters, digits, - and _)')
    .default('argus'),
  COSMOS__clientId: guid.optional(),
  AUTH_CLOCK_SKEW_IN_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
  PORT: port(7071),
  ARGUS_LOCAL_HOST: z.string().min(1).default('127.0.0.1'),
  ARGUS_LOCAL_COSMOS_PORT: port(8081),
  ARGUS_LOCAL_DATA_DIR: z.string().min(1).default('.argus'),
  ARGUS_LOCAL_SNAPSHOT_INTERVAL_IN_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  DETECTION_LISTS: jsonText.pipe(detectionListOverridesSchema).default({}),
  WORKLOAD_SETTINGS: jsonText.pipe(workloadSettingsOverridesSchema).default({}),
  LEARNING_PERIOD_IN_DAYS: z.coerce.number().int().min(0).max(90).default(7),
  DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  AUDIT_EVENTHUB_NAME: eventHubName.default('insights-logs-kube-audit'),
  AUDIT_EVENTHUB_CONSUMER_GROUP: consumerGroupName.default('argus-ingestion'),
  NODE_EVENTHUB_NAME: eventHubName.default('node-events'),
  NODE_EVENTHUB_CONSUMER_GROUP: consumerGroupName.default('argus-ingestion'),
  ALERT_EVENTS_EVENTHUB_NAME: eventHubName.default('alert-events'),
  ALERT_EVENTS_CONSUMER_GROUP: consumerGroupName.default('argus-export'),
  EXPORT_SETTLE_SECONDS: z.coerce.number().int().min(1).max(300).default(10),
  SIMULATION_SCHEDULE: ncrontab.default('0 0 */6 * * *'),
  ASSESSMENT_SCHEDULE: ncrontab.default('0 30 */6 * * *'),
  INCIDENT_SCHEDULE: ncrontab.default('0 */5 * * * *'),
  THREAT_INTEL_FEEDS: jsonText.pipe(threatIntelFeedsSchema).default([]),
  THREAT_INTEL_FEED_HOSTS: commaList.pipe(z.array(hostName)).optional(),
  THREAT_INTEL_FEED_SCHEDULE: ncrontab.default('0 15 */6 * * *'),
  SIMULATION_TIMEOUT_IN_MINUTES: z.coerce.number().int().min(1).max(120).default(15),
  EVENTHUB__clientId: guid.optional(),
  SECRETS_KEY_CLIENT_ID: guid.optional(),
  ALERT_AGGREGATION_WINDOW_IN_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  USAGE_FLUSH_INTERVAL_IN_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  INGEST_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(6000),
  EXPORT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(120),
  SIMULATION_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1000).default(10),
});

/** Azure settings: required in production. */
const productionSchema = z.object({
  COSMOS__accountEndpoint: httpsUrl,
  AUTH_TENANT_ID: guid,
  AUTH_AUDIENCE: commaList,
  AUTH_ISSUER: httpsUrl.optional(),
  AUTH_JWKS_URI: httpsUrl.optional(),
  EVENTHUB__fullyQualifiedNamespace: hostName,
  ARM_ENDPOINT: httpsUrl.default('https://management.azure.com'),
  SECRETS_KEY_ID: keyVaultKeyId,
});

/** The same settings in local mode: optional, defaulted from the embedded runtime. */
const localSchema = z.object({
  COSMOS__accountEndpoint: anyHttpUrl.optional(),
  AUTH_TENANT_ID: guid.default(LOCAL_TENANT_ID),
  AUTH_AUDIENCE: commaList.default([LOCAL_AUDIENCE]),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_JWKS_URI: anyHttpUrl.optional(),
  EVENTHUB__fullyQualifiedNamespace: hostName.optional(),
  ARM_ENDPOINT: anyHttpUrl.optional(),
  SECRETS_KEY_ID: keyVaultKeyId.optional(),
});

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the settings from an environment map (`process.env` in the app). Pure. */
export function loadConfig(env: Env): Config {
  const values = withoutEmptyValues(env);
  const common = parseOrCollect(commonSchema, values);
  const environment = common.ok ? common.value.ARGUS_ENVIRONMENT : ArgusEnvironment.production;
  const specific =
    environment === ArgusEnvironment.local ? parseOrCollect(localSchema, values) : parseOrCollect(productionSchema, values);
  const problems = [
    ...(common.ok ? feedHostProblems(common.value.THREAT_INTEL_FEEDS, common.value.THREAT_INTEL_FEED_HOSTS ?? []) : common.problems),
    ...(specific.ok ? [] : specific.problems),
  ];
  if (!common.ok || !specific.ok || problems.length > 0) throw new ConfigurationError(problems);

  const c = common.value;
  const s = specific.value;
  const local: LocalRuntimeConfig = {
    host: c.ARGUS_LOCAL_HOST,
    port: c.PORT,
    cosmosPort: c.ARGUS_LOCAL_COSMOS_PORT,
    dataDir: c.ARGUS_LOCAL_DATA_DIR,
    snapshotIntervalInSeconds: c.ARGUS_LOCAL_SNAPSHOT_INTERVAL_IN_SECONDS,
  };
  const isLocal = environment === ArgusEnvironment.local;
  const entraAuthority = `https://login.microsoftonline.com/${s.AUTH_TENANT_ID}`;
  return {
    environment,
    detection: { lists: mergeDetectionLists(c.DETECTION_LISTS), learningPeriodInMs: c.LEARNING_PERIOD_IN_DAYS * 24 * 3_600_000,
      stateFlushIntervalInMs: c.DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS * 1000,
    },
    cosmos: {
      endpoint: s.COSMOS__accountEndpoint ?? `https://127.0.0.1:${local.cosmosPort}/`,
      databaseName: c.COSMOS_DATABASE_NAME,
      ...(c.COSMOS__clientId === undefined ? {} : { managedIdentityClientId: c.COSMOS__clientId }),
      allowSelfSignedCertificate: isLocal,
    },
    auth: {
      tenantId: s.AUTH_TENANT_ID,
      issuer: s.AUTH_ISSUER ?? (isLocal ? localIssuer(s.AUTH_TENANT_ID) : `${entraAuthority}/v2.0`),
      audiences: s.AUTH_AUDIENCE,
      jwksUri:
        s.AUTH_JWKS_URI ??
        (isLocal ? `http://${local.host}:${local.port}/api/local/identity/keys` : `${entraAuthority}/discovery/v2.0/keys`),
      clockSkewInSeconds: c.AUTH_CLOCK_SKEW_IN_SECONDS,
    },
    auditStream: {
      eventHubName: c.AUDIT_EVENTHUB_NAME,
      ...(s.EVENTHUB__fullyQualifiedNamespace === undefined ? {} : { fullyQualifiedNamespace: s.EVENTHUB__fullyQualifiedNamespace }),
      consumerGroup: c.AUDIT_EVENTHUB_CONSUMER_GROUP,
      ...(c.EVENTHUB__clientId === undefined ? {} : { managedIdentityClientId: c.EVENTHUB__clientId }),
    },
    nodeStream: { eventHubName: c.NODE_EVENTHUB_NAME, consumerGroup: c.NODE_EVENTHUB_CONSUMER_GROUP },
    ingestion: {
      aggregationWindowInMs: c.ALERT_AGGREGATION_WINDOW_IN_MINUTES * 60_000,
      subscriptionSettingsCacheTtlInMs: c.SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS * 1000,
      usageFlushIntervalInMs: c.USAGE_FLUSH_INTERVAL_IN_SECONDS * 1000,
    },
    alertEvents: { eventHubName: c.ALERT_EVENTS_EVENTHUB_NAME, consumerGroup: c.ALERT_EVENTS_CONSUMER_GROUP },
    export: { settleInMs: c.EXPORT_SETTLE_SECONDS * 1000 },
    rateLimits: {
      ingestionPerMinute: c.INGEST_RATE_LIMIT_PER_MINUTE,
      exportPerMinute: c.EXPORT_RATE_LIMIT_PER_MINUTE,
      simulationPerMinute: c.SIMULATION_RATE_LIMIT_PER_MINUTE,
    },
    simulation: { schedule: c.SIMULATION_SCHEDULE, timeoutInMs: c.SIMULATION_TIMEOUT_IN_MINUTES * 60_000 },
    assessment: { schedule: c.ASSESSMENT_SCHEDULE, workloadSettings: mergeWorkloadSettings(c.WORKLOAD_SETTINGS) },
    incident: { schedule: c.INCIDENT_SCHEDULE },
    threatIntelFeeds: { feeds: c.THREAT_INTEL_FEEDS, allowedHosts: c.THREAT_INTEL_FEED_HOSTS ?? [], schedule: c.THREAT_INTEL_FEED_SCHEDULE },
    arm: {
      endpoint: (s.ARM_ENDPOINT ?? `http://${local.host}:${local.port}/api/local/arm`).replace(/(?<!\/)\/+$/, ''),
      useStaticToken: isLocal,
    },
    secrets: {
      ...(s.SECRETS_KEY_ID === undefined ? {} : { keyVaultKeyId: s.SECRETS_KEY_ID }),
      ...(c.SECRETS_KEY_CLIENT_ID === undefined ? {} : { managedIdentityClientId: c.SECRETS_KEY_CLIENT_ID }),
      localKeyFile: localKeyFilePath(local.dataDir),
    },
    local,
  };
}

/**
 * The settings trigger bindings name in `%...%` expressions, with their effective values (defaults
 * included). In Azure the deployment sets each; the local runtime fills in those left unset.
 */
export function bindingExpressionSettings(config: Config): Record<string, string> {
  return {
    AUDIT_EVENTHUB_NAME: config.auditStream.eventHubName,
    AUDIT_EVENTHUB_CONSUMER_GROUP: config.auditStream.consumerGroup,
    NODE_EVENTHUB_NAME: config.nodeStream.eventHubName,
    NODE_EVENTHUB_CONSUMER_GROUP: config.nodeStream.consumerGroup,
    ALERT_EVENTS_EVENTHUB_NAME: config.alertEvents.eventHubName,
    ALERT_EVENTS_CONSUMER_GROUP: config.alertEvents.consumerGroup,
    SIMULATION_SCHEDULE: config.simulation.schedule,
    ASSESSMENT_SCHEDULE: config.assessment.schedule,
    INCIDENT_SCHEDULE: config.incident.schedule,
    THREAT_INTEL_FEED_SCHEDULE: config.threatIntelFeeds.schedule,
  };
}

let cached: Config | undefined;

/** The process-wide configuration, validated on first use. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

/** Forgets the cached configuration (tests and the local runtime change settings between runs). */
export function resetConfig(): void {
  cached = undefined;
}

/** Each feed's host must be allow-listed: the same list guards the redirects when fetching. */
function feedHostProblems(feeds: readonly ThreatIntelFeed[], allowedHosts: readonly string[]): string[] {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase().replace(/(?<!\.)\.+$/, '')));
  return feeds.flatMap((feed, index) => {
    const host = feedHostOf(new URL(feed.url));
    return allowed.has(host) ? [] : [`THREAT_INTEL_FEEDS.${index}.url names the host ${host}, which is not in THREAT_INTEL_FEED_HOSTS`];
  });
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function parseOrCollect<T>(schema: z.ZodType<T>, values: Record<string, string>): Parsed<T> {
  const result = schema.safeParse(values);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const setting = issue.path.join('.') || '(settings)';
      const missing = issue.code === 'invalid_type' && values[setting] === undefined;
      return missing ? `${setting} is required` : `${setting} ${issue.message}`;
    }),
  };
}

function withoutEmptyValues(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') out[key] = value.trim();
  return out;
}
