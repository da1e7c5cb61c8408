import type { CosmosClient, Database } from '@azure/cosmos';
import type { ClusterSource } from './azure/clusterSource';
import { createClusterSource } from './azure/createClusterSource';
import { createPolicyStateSource } from './azure/createPolicyStateSource';
import type { PolicyStateSource } from './azure/policyStateSource';
import { createTokenValidatorFromConfig, type TokenValidator } from './auth/tokenValidator';
import { getConfig, resetConfig, type Config } from './config';
import { TargetCircuitBreaker } from './export/deliveryRetry';
import { type EventHubTarget, type ExportSettings, type WebhookTarget } from './export/exportTargets';
import { TtlCache } from './ingestion/ttlCache';
import { createEventPublisher, EventHubPublisher, type EventPublisher } from './messaging/eventPublisher';
import { createDetectionContext, type DetectionContext } from './detection/detectionContext';
import { createDetectionStateCache, type DetectionStateCache, flushDueDetectionState } from './store/detectionStateStore';
import { idleFlushTickOf, startIdleFlushTimer } from './store/idleFlushTimer';
import { CachedSubscriptionSettings } from './ingestion/subscriptionSettings';
import { generateSimulationSigningKey } from './simulation/simulationSignature';
import { createSecretProtector } from './secrets/createSecretProtector';
import { type SecretProtector } from './secrets/secretProtector';
import { createCosmosClient } from './store/createCosmosClient';
import { getOrCreateSimulationSigningKey } from './store/serviceStateStore';
import { SelfSpecifiedWorkloads } from './store/selfSpecifiedWorkloads';
import { UsageMeter } from './store/usageMeter';

/**
 * The clients a function instance shares across invocations, created on first use from the settings.
 * (Creating an SDK client per invocation would exhaust connections and defeat the JWKS cache.)
 */
export interface Services {
  config: Config;
  cosmosClient: CosmosClient;
  database: Database;
  tokenValidator: TokenValidator;
  /** The audit Event Hub's producer (the audit webhook, the simulation), created on first use: most functions never send. */
  readonly auditEventPublisher: EventPublisher;
  /** The node-events hub's producer (the node webhook, the simulation), created on first use. */
  readonly nodeEventPublisher: EventPublisher;
  /** The alert-events hub's producer (every alert creation and change, for the push export), created on first use. */
  readonly alertEventPublisher: EventPublisher;
  /** The ingestion pipeline's per-instance state, created on first use. */
  readonly ingestion: IngestionState;
  /** The push export's per-instance state, created on first use. */
  readonly exportDelivery: ExportDeliveryState;
  /** The clusters and their facts, read through Resource Graph and ARM (ARM_ENDPOINT), created on first use. */
  readonly clusterSource: ClusterSource;
  /** The Azure Policy add-on's component states, read through Policy Insights (ARM_ENDPOINT), created on first use. */
  readonly policyStateSource: PolicyStateSource;
  /**
   * Seals and opens the stored secrets under the key-encryption key (SECRETS_KEY_ID's Key Vault key; locally the data
   * folder's key file), with the instance's cache of unwrapped data keys; created on first use.
   */
  readonly secrets: SecretProtector;
}

/** What the push export keeps between batches on one instance. */
export interface ExportDeliveryState {
  /** Export settings per subscription, for SUBSCRIPTION_SETTINGS_CACHE_TTL_IN_SECONDS. */
  settings: TtlCache<ExportSettings | undefined>;
  /** One producer per Event Hub target (AMQP connections are costly to open). */
  eventHubSender: (target: EventHubTarget) => EventPublisher;
  /** One circuit breaker per webhook target, so a target that is down rests across batches. */
  breakerOf: (subscriptionId: string, target: WebhookTarget) => TargetCircuitBreaker;
}

/** What the ingestion function keeps between batches on one instance. */
export interface IngestionState {
  subscriptionSettings: CachedSubscriptionSettings;
  /** The named lists of DETECTION_LISTS, compiled once. */
  detectionContext: DetectionContext;
  /** The simulation signing key, read (or created) once per instance. */
  simulationSigningKey: () => Promise<Uint8Array>;
  /** The stateful rules' state documents this instance last read or wrote. */
  detectionStateCache: DetectionStateCache;
  /** The inventory documents this instance saw written by their own object: their pods' churn needs no read. */
  selfSpecifiedWorkloads: SelfSpecifiedWorkloads;
  /** The instance's usage meter (USAGE_FLUSH_INTERVAL_IN_SECONDS), flushed by the batches and by its idle timer. */
  usageMeter: UsageMeter;
}

let current: Services | undefined;
let auditEventPublisher: EventPublisher | undefined;
let nodeEventPublisher: EventPublisher | undefined;
let alertEventPublisher: EventPublisher | undefined;
let ingestion: IngestionState | undefined;
let stopUsageFlushTimer: (() => void) | undefined;
let stopStateFlushTimer: (() => void) | undefined;
let exportDelivery: ExportDeliveryState | undefined;
let clusterSource: ClusterSource | undefined;
/** A cluster source tests put in place of the real one; it outlives `resetServices()`. */
let clusterSourceForTests: ClusterSource | undefined;
let policyStateSource: PolicyStateSource | undefined;
let policyStateSourceForTests: PolicyStateSource | undefined;
let secrets: SecretProtector | undefined;
const targetSenders = new Map<string, EventPublisher>();
/** Tests put a factory of fakes in place of the Event Hubs producers of export targets. */
let eventHubSenderForTests: ((target: EventHubTarget) => EventPublisher) | undefined;
/** Publishers tests put in place of the real ones; they outlive `resetServices()`. */
let auditEventPublisherForTests: EventPublisher | undefined;
let nodeEventPublisherForTests: EventPublisher | undefined;
let alertEventPublisherForTests: EventPublisher | undefined;

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
      return auditEventPublisherForTests ?? (auditEventPublisher ??= createEventPublisher(config, config.auditStream.eventHubName));
    },
    get nodeEventPublisher() {
      return nodeEventPublisherForTests ?? (nodeEventPublisher ??= createEventPublisher(config, config.nodeStream.eventHubName));
    },
    get alertEventPublisher() {
      return alertEventPublisherForTests ?? (alertEventPublisher ??= createEventPublisher(config, config.alertEvents.eventHubName));
    },
    get ingestion() {
      return (ingestion ??= {
        subscriptionSettings: new CachedSubscriptionSettings(this.database, config.ingestion.subscriptionSettingsCacheTtlInMs),
        detectionContext: createDetectionContext(config.detection.lists),
        simulationSigningKey: cachedSigningKey(this.database, this.secrets),
        detectionStateCache: startDetectionStateCache(this.database, config.detection.stateFlushIntervalInMs),
        selfSpecifiedWorkloads: new SelfSpecifiedWorkloads(),
        usageMeter: startUsageMeter(this.database, config.ingestion.usageFlushIntervalInMs),
      });
    },
    get clusterSource() {
      return clusterSourceForTests ?? (clusterSource ??= createClusterSource(config.arm));
    },
    get policyStateSource() {
      return policyStateSourceForTests ?? (policyStateSource ??= createPolicyStateSource(config.arm));
    },
    get secrets() {
      return (secrets ??= createSecretProtector(config.secrets));
    },
    get exportDelivery() {
      return (exportDelivery ??= {
        settings: new TtlCache<ExportSettings | undefined>(config.ingestion.subscriptionSettingsCacheTtlInMs),
        breakerOf: (() => {
          const breakers = new Map<string, TargetCircuitBreaker>();
          return (subscriptionId: string, target: WebhookTarget) => {
            // Keyed by the URL too: an admin who fixes the URL gets a closed breaker at once.
            const key = `${subscriptionId}\n${target.name.toLowerCase()}\n${target.url}`;
            let breaker = breakers.get(key);
            if (breaker === undefined) breakers.set(key, (breaker = new TargetCircuitBreaker()));
            return breaker;
          };
        })(),
        eventHubSender: (target) => {
          if (eventHubSenderForTests !== undefined) return eventHubSenderForTests(target);
          const key = `${target.fullyQualifiedNamespace}/${target.eventHubName}`.toLowerCase();
          let sender = targetSenders.get(key);
          if (sender === undefined) {
            sender = new EventHubPublisher(target.fullyQualifiedNamespace, target.eventHubName, config.auditStream.managedIdentityClientId);
            targetSenders.set(key, sender);
          }
          return sender;
        },
      });
    },
  };
  return current;
}

/**
 * The instance's usage meter and its idle timer, which writes the counts of partitions that went quiet (a tick every
 * sixth of the interval, 1 to 10 s). A failed flush is logged and its counts are kept for the next tick.
 */
function startUsageMeter(database: Database, flushIntervalInMs: number): UsageMeter {
  const log = (message: string): void => console.warn(message);
  const meter = new UsageMeter(database, { flushIntervalInMs, log });
  stopUsageFlushTimer?.();
  stopUsageFlushTimer = meter.startTimer(idleFlushTickOf(flushIntervalInMs), (error) =>
    console.error(`usage flush failed; its counts are kept for the next try: ${error instanceof Error ? error.message : String(error)}`),
  );
  return meter;
}

/**
 * The instance's stateful-rule state cache and, with a flush interval, its idle timer, which writes the observations of
 * documents no batch touched for an interval (without judging them again: see flushDueDetectionState).
 */
function startDetectionStateCache(database: Database, flushIntervalInMs: number): DetectionStateCache {
  const cache = createDetectionStateCache(undefined, flushIntervalInMs);
  stopStateFlushTimer?.();
  stopStateFlushTimer =
    flushIntervalInMs === 0
      ? undefined
      : startIdleFlushTimer(idleFlushTickOf(flushIntervalInMs), () => flushDueDetectionState(database, cache, new Date()), (error) =>
          console.error(`detection state flush failed; its observations are kept for the next try: ${error instanceof Error ? error.message : String(error)}`),
        );
  return cache;
}

/** The signing key, loaded on first use; a failed load is not cached (the next call tries again). */
function cachedSigningKey(database: Database, protector: SecretProtector): () => Promise<Uint8Array> {
  let loading: Promise<Uint8Array> | undefined;
  return () => {
    loading ??= getOrCreateSimulationSigningKey(database, protector, generateSimulationSigningKey, new Date()).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

/** Replaces the audit Event Hub producer in tests (`undefined` restores the real one). */
export function setAuditEventPublisherForTests(publisher: EventPublisher | undefined): void {
  auditEventPublisherForTests = publisher;
}

/** Replaces the node-events hub producer in tests (`undefined` restores the real one). */
export function setNodeEventPublisherForTests(publisher: EventPublisher | undefined): void {
  nodeEventPublisherForTests = publisher;
}

/** Replaces the Event Hubs producers of export targets in tests (`undefined` restores the real ones). */
export function setExportEventHubSenderForTests(factory: ((target: EventHubTarget) => EventPublisher) | undefined): void {
  eventHubSenderForTests = factory;
}

/** Replaces the alert-events hub producer in tests (`undefined` restores the real one). */
export function setAlertEventPublisherForTests(publisher: EventPublisher | undefined): void {
  alertEventPublisherForTests = publisher;
}

/** Replaces the cluster source in tests (`undefined` restores the real one). */
export function setClusterSourceForTests(source: ClusterSource | undefined): void {
  clusterSourceForTests = source;
}

/** Replaces the Azure Policy state source in tests (`undefined` restores the real one). */
export function setPolicyStateSourceForTests(source: PolicyStateSource | undefined): void {
  policyStateSourceForTests = source;
}

/**
 * Writes the usage counts and the stateful observations the instance has not written yet (graceful shutdown); nothing
 * when it never ingested. Observations whose write loses a race stay unwritten (a batch judges them again).
 */
export async function flushPendingWrites(): Promise<void> {
  if (ingestion === undefined) return;
  await Promise.all([ingestion.usageMeter.flush(), flushDueDetectionState(getServices().database, ingestion.detectionStateCache, new Date(), { all: true })]);
}

/** Disposes the shared clients; the next `getServices()` reads the settings again. */
export function resetServices(): void {
  current?.cosmosClient.dispose();
  current = undefined;
  // Closing only releases the AMQP connection; nothing waits for it.
  auditEventPublisher?.close().catch(() => undefined);
  auditEventPublisher = undefined;
  nodeEventPublisher?.close().catch(() => undefined);
  nodeEventPublisher = undefined;
  alertEventPublisher?.close().catch(() => undefined);
  alertEventPublisher = undefined;
  // Unflushed usage counts are dropped with the meter, as a crash would.
  stopUsageFlushTimer?.();
  stopUsageFlushTimer = undefined;
  stopStateFlushTimer?.();
  stopStateFlushTimer = undefined;
  ingestion = undefined;
  exportDelivery = undefined;
  clusterSource = undefined;
  policyStateSource = undefined;
  secrets = undefined;
  for (const sender of targetSenders.values()) sender.close().catch(() => undefined);
  targetSenders.clear();
  resetConfig();
}
