import { mkdir } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { bindingExpressionSettings, loadConfig, type Config } from '../shared/config';
import type { EventHubFunctionDefinition, FunctionDefinition, TimerFunctionDefinition } from '../shared/functions/defineFunction';
import { flushPendingWrites, getServices, resetServices } from '../shared/services';
import { ensureDatabase } from '../shared/store/ensureDatabase';
import { createArmEndpoint, LOCAL_ARM_ROUTE_BASE, type LocalArmEndpoint } from './armEndpoint';
import { resolveBindingExpression } from './bindingExpressions';
import { createEventHubEndpoint } from './eventHubEndpoint';
import { createHttpRequestListener, type HttpEndpoint } from './httpHost';
import { createIdentityEndpoints } from './identityEndpoints';
import { loadHubState, removeHubState } from './hubStateFile';
import { LocalEventHubs } from './localEventHubs';
import { LocalRoleGrantInbox } from './localRoleGrants';
import { startLocalCosmosServer } from './localCosmosServer';
import { createConsoleLogger, type LocalLogger } from './localLogger';
import { loadOrCreateSigningKey, type LocalSigningKey } from './localSigningKey';
import { LocalTimers } from './localTimers';
import { findHostJson, readHostSettings } from './readHostJson';
import { createRoleGrantEndpoint } from './roleGrantEndpoint';
import { loadFunctionDefinitions } from './loadFunctionDefinitions';
import { restoreSnapshot, saveSnapshot } from './storeSnapshot';

/**
 * The embedded runtime behind `npm start`: the in-process Cosmos server, the app's functions over real
 * HTTP, the local Event Hubs and timers, and the local identity provider, in one process. It plays the
 * role of the Functions host and of Core Tools: it publishes the app settings into `process.env`, where
 * the app's own code (shared/config.ts) reads them exactly as in Azure.
 */
export interface LocalRuntimeOptions {
  /** App settings to start from; `process.env` by default. Local mode is forced. */
  settings?: Readonly<Record<string, string | undefined>>;
  /** The functions to serve; by default every file in functions/. */
  definitions?: readonly FunctionDefinition[];
  logger?: LocalLogger;
  hostJsonPath?: string;
}

export interface LocalRuntime {
  /** e.g. `http://127.0.0.1:7071` */
  url: string;
  config: Config;
  definitions: readonly FunctionDefinition[];
  eventHubs: LocalEventHubs;
  timers: LocalTimers;
  signingKey: LocalSigningKey;
  /** The ARM-compatible endpoint over `<data folder>/clusters/*.json` and `<data folder>/policyStates/*.json` (ARM_ENDPOINT), with its fault switches. */
  arm: LocalArmEndpoint;
  snapshotPath: string;
  /** Writes the store to the data folder now. */
  snapshot(): Promise<void>;
  /** Stops taking work, finishes what is in flight, snapshots the store, and closes everything. */
  stop(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const logger = options.logger ?? createConsoleLogger();
  const settings: Record<string, string | undefined> = { ...(options.settings ?? process.env), ARGUS_ENVIRONMENT: 'local' };
  if (settings['WEBSITE_INSTANCE_ID']) throw new Error('The local runtime refuses to start inside Azure App Service (WEBSITE_INSTANCE_ID is set).');
  const initial = loadConfig(settings);
  const dataDir = resolve(initial.local.dataDir);
  await mkdir(dataDir, { recursive: true });
  const snapshotPath = join(dataDir, 'store', 'snapshot.json');
  const hubsDir = join(dataDir, 'eventhubs');
  // Written on a clean stop by earlier versions; the hubs keep everything in their logs now.
  const hubStatePath = join(hubsDir, 'state.json');
  const signingKey = await loadOrCreateSigningKey(dataDir);
  const host = readHostSettings(options.hostJsonPath ?? findHostJson());
  const definitions = options.definitions ?? loadFunctionDefinitions();

  // A store named by COSMOS__accountEndpoint lives outside this process and keeps its own data: no embedded server, no
  // snapshot (restoring one into it would put old documents back over newer ones).
  const externalStore = settings['COSMOS__accountEndpoint']?.trim() ? settings['COSMOS__accountEndpoint'] : undefined;
  const cosmos =
    externalStore !== undefined
      ? undefined
      : await startLocalCosmosServer(initial.local.cosmosPort, initial.local.host).catch((error: unknown) => {
          throw portError(error, initial.local.cosmosPort, 'ARGUS_LOCAL_COSMOS_PORT', 'the embedded Cosmos DB');
        });
  let server: Server | undefined;
  try {
    // Bind the HTTP port first: the JWKS address the app validates tokens against depends on it.
    // Until the functions are ready, requests get 503 instead of hanging.
    let listener: RequestListener = (_req, res) => res.writeHead(503, { 'retry-after': '1' }).end('Argus is starting.');
    server = createServer((req, res) => listener(req, res));
    const port = await listen(server, initial.local.port, initial.local.host).catch((error: unknown) => {
      throw portError(error, initial.local.port, 'PORT', 'the HTTP functions');
    });
    const url = `http://${initial.local.host}:${port}`;
    Object.assign(settings, {
      PORT: String(port),
      COSMOS__accountEndpoint: externalStore ?? cosmos?.endpoint,
      AUTH_JWKS_URI: settings['AUTH_JWKS_URI'] ?? `${url}/${host.routePrefix}/local/identity/keys`,
      ARM_ENDPOINT: settings['ARM_ENDPOINT'] ?? `${url}/${[host.routePrefix, LOCAL_ARM_ROUTE_BASE].filter((s) => s.length > 0).join('/')}`,
    });
    const config = loadConfig(settings);
    for (const [name, value] of Object.entries(bindingExpressionSettings(config))) if (!settings[name]?.trim()) settings[name] = value;
    publish(settings);
    resetServices();

    const database = await ensureDatabase(getServices().cosmosClient, config.cosmos.databaseName);
    const restored = cosmos === undefined ? { documents: 0, skipped: [] } : await restoreSnapshot(database, snapshotPath);
    if (restored.documents > 0) logger.log('information', 'store', `restored ${restored.documents} documents from ${snapshotPath}`);
    if (restored.skipped.length > 0) logger.log('warning', 'store', `snapshot containers no longer defined, skipped: ${restored.skipped.join(', ')}`);
    // Role assignments recorded by `npm run token` while the runtime was not running.
    const roleGrants = new LocalRoleGrantInbox({ dataDir, database, logger });
    const granted = await roleGrants.applyPending();
    if (granted.length > 0) logger.log('information', 'roleAssignments', `applied ${granted.length} role grants recorded by npm run token`);

    const resolveSetting = (expression: string): string => resolveBindingExpression(expression, settings);
    const eventHubs = new LocalEventHubs({
      functions: definitions.filter((d): d is EventHubFunctionDefinition => d.kind === 'eventHub'),
      resolve: resolveSetting,
      maxEventBatchSize: host.maxEventBatchSize,
      namespace: `${initial.local.host}:${port}`,
      logger,
      durableDirectory: hubsDir,
    });
    const timers = new LocalTimers({
      functions: definitions.filter((d): d is TimerFunctionDefinition => d.kind === 'timer'),
      resolve: resolveSetting,
      logger,
    });
    const arm = createArmEndpoint({ clustersDir: join(dataDir, 'clusters'), policyStatesDir: join(dataDir, 'policyStates') });
    const endpoints: HttpEndpoint[] = [
      ...definitions.flatMap((d): HttpEndpoint[] =>
        d.kind === 'http' ? [{ name: d.name, route: d.options.route, methods: d.options.methods ?? ['GET', 'POST'], handler: d.servedHandler }] : [],
      ),
      createEventHubEndpoint(eventHubs),
      ...createIdentityEndpoints(signingKey, config.auth),
      createRoleGrantEndpoint(roleGrants),
      arm.endpoint,
    ];
    const orphaned = eventHubs.restoreState(await loadHubState(hubStatePath));
    removeHubState(hubStatePath);
    if (orphaned.length > 0) logger.log('warning', 'eventhubs', `pending events of hubs no function binds any more were dropped: ${orphaned.join(', ')}`);
    listener = createHttpRequestListener({ endpoints, routePrefix: host.routePrefix, logger });
    timers.start();

    const snapshot = async (): Promise<void> => {
      // Grant files are deleted only once a saved snapshot holds their assignments.
      const persistedGrants = roleGrants.unpersistedIds();
      if (cosmos !== undefined) await saveSnapshot(database, snapshotPath);
      await roleGrants.forget(persistedGrants);
    };
    const snapshotTimer = setInterval(() => {
      snapshot().catch((error: unknown) => logger.log('error', 'store', 'snapshot failed:', error));
    }, config.local.snapshotIntervalInSeconds * 1000);
    snapshotTimer.unref();

    const httpServer = server;
    let stopped: Promise<void> | undefined;
    return {
      url,
      config,
      definitions,
      eventHubs,
      timers,
      signingKey,
      arm,
      snapshotPath,
      snapshot,
      stop: () =>
        (stopped ??= (async () => {
          clearInterval(snapshotTimer);
          const closed = close(httpServer);
          await Promise.all([timers.stop(), eventHubs.stop()]);
          await closed;
          // No batch runs any more: the usage counts not yet written go into the snapshot.
          await flushPendingWrites().catch((error: unknown) => logger.log('error', 'usage', `usage counts not written at stop: ${error instanceof Error ? error.message : String(error)}`));
          await snapshot();
          resetServices();
          await cosmos?.close();
        })()),
    };
  } catch (error) {
    if (server?.listening) await close(server);
    resetServices();
    await cosmos?.close();
    throw error;
  }
}

/** What Core Tools does with local.settings.json: the app reads its settings from the environment. */
function publish(settings: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) process.env[name] = value;
}

/** A busy port is the most common start-up failure: say which setting moves it. */
function portError(error: unknown, port: number, setting: string, what: string): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') return error;
  return new Error(`Port ${port} for ${what} is already in use; stop the other process or set ${setting} to a free port.`, { cause: error });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeIdleConnections();
  });
}

