import type { CosmosClient, Database } from '@azure/cosmos';
import { createTokenValidatorFromConfig, type TokenValidator } from './auth/tokenValidator';
import { getConfig, resetConfig, type Config } from './config';
import { createAuditEventPublisher, type AuditEventPublisher } from './messaging/auditEventPublisher';
import { createDetectionContext, type DetectionContext } from './detection/detectionContext';
import { CachedSubscriptionSettings } from './ingestion/subscriptionSettings';
import { createCosmosClient } from './store/createCosmosClient';

/**
 * The clients a function instance shares across invocations, created on first use from the settings.
 * (Creating an SDK client per invocation would exhaust connections and defeat the JWKS cache.)
 */
export interface Services {
  config: Config;
  cosmosClient: CosmosClient;
  database: Database;
  tokenValidator: TokenValidator;
  /** The audit Event Hub's producer (the audit webhook), created on first use: most functions never send. */
  readonly auditEventPublisher: AuditEventPublisher;
  /** The ingestion pipeline's per-instance state, created on first use. */
  readonly ingestion: IngestionState;
}

/** What the ingestion function keeps between batches on one instance. */
export interface IngestionState {
  subscriptionSettings: CachedSubscriptionSettings;
  /** The named lists of DETECTION_LISTS, compiled once. */
  detectionContext: DetectionContext;
}

let current: Services | undefined;
let auditEventPublisher: AuditEventPublisher | undefined;
let ingestion: IngestionState | undefined;
/** A publisher tests put in place of the real one; it outlives `resetServices()`. */
let auditEventPublisherForTests: AuditEventPublisher | undefined;

export function getServices(): Services {
  if (current) return current;
  const config = getConfig();
  const cosmosClient = createCosmosClient(config.cosmos);
  current = {
    config,
    cosmosClient,
    database: cosmosClient.database(config.cosmos.databaseName),
    tokenValidator: createTokenValidatorFromConfig(config.auth),
    get auditEventPublisher() {
      return auditEventPublisherForTests ?? (auditEventPublisher ??= createAuditEventPublisher(config));
    },
    get ingestion() {
      return (ingestion ??= {
        subscriptionSettings: new CachedSubscriptionSettings(this.database, config.ingestion.subscriptionSettingsCacheTtlInMs),
        detectionContext: createDetectionContext(config.detection.lists),
      });
    },
  };
  return current;
}

/** Replaces the audit Event Hub producer in tests (`undefined` restores the real one). */
export function setAuditEventPublisherForTests(publisher: AuditEventPublisher | undefined): void {
  auditEventPublisherForTests = publisher;
}

/** Disposes the shared clients; the next `getServices()` reads the settings again. */
export function resetServices(): void {
  current?.cosmosClient.dispose();
  current = undefined;
  // Closing only releases the AMQP connection; nothing waits for it.
  auditEventPublisher?.close().catch(() => undefined);
  auditEventPublisher = undefined;
  ingestion = undefined;
  resetConfig();
}
