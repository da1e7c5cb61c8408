import { resolve } from 'node:path';
import { ConfigurationError } from '../shared/config';
import { createConsoleLogger } from './localLogger';
import { loadLocalSettings } from './loadLocalSettings';
import { startLocalRuntime } from './localRuntime';

/** `npm start`: the embedded runtime with the app's functions, until Ctrl+C. */
async function main(): Promise<void> {
  const logger = createConsoleLogger();
  const settings = loadLocalSettings(resolve('local.settings.json'), process.env);
  const runtime = await startLocalRuntime({ settings, logger });
  const api = `${runtime.url}/api`;
  const names = runtime.definitions.map((d) => `${d.name} (${d.kind})`).join(', ');
  const hubs = runtime.eventHubs.hubNames();
  process.stdout.write(
    [
      '',
      `Argus is running locally at ${api}`,
      `  functions:  ${names}`,
      `  event hubs: ${hubs.length > 0 ? hubs.map((h) => `POST ${api}/local/eventhubs/${h}/messages`).join(', ') : 'none bound yet'}`,
      `  data:       ${runtime.snapshotPath} (Cosmos DB store, saved every ${runtime.config.local.snapshotIntervalInSeconds}s and on exit)`,
      '              event hubs: an append-only log and checkpoints per hub beside it (nothing accepted is lost if the process dies)',
      '',
      '  Get a token (another terminal; --role also records the role assignment, applied at once):',
      '    TOKEN=$(npm run -s token -- --subscription 6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c --role Owner)',
      '  Call the API:',
      `    curl -s ${api}/health`,
      `    curl -s -H "Authorization: Bearer $TOKEN" ${api}/me`,
      `    curl -s -H "Authorization: Bearer $TOKEN" ${api}/subscriptions/6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c/plan`,
      '',
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.log('information', 'runtime', `${signal}: finishing in-flight work and saving the store...`);
    runtime.stop().then(
      () => {
        logger.log('information', 'runtime', 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.log('error', 'runtime', 'stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // Configuration and port problems are the user's to fix: a plain message. Anything else: the stack.
  const expected = error instanceof ConfigurationError || (error instanceof Error && error.cause !== undefined);
  process.stderr.write(`Argus could not start: ${error instanceof Error ? (expected ? error.message : (error.stack ?? error.message)) : String(error)}\n`);
  process.exit(1);
});
