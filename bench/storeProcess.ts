import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalCosmosServer, startLocalCosmosServer } from '../local/localCosmosServer';

/**
 * The benchmarks' store: the local Cosmos DB server in a process of its own when the bench runs compiled (`npm run bench`),
 * so that its work runs beside the handler's, as Cosmos DB's does in Azure, instead of taking turns with it on one event
 * loop; in-process where no compiled child can be started (the bench's own tests run from TypeScript).
 */
export interface BenchStore extends LocalCosmosServer {
  /** Where the server runs: its own process, or this one. */
  placement: 'own process' | 'in process';
}

export async function startBenchStore(): Promise<BenchStore> {
  const compiled = join(__dirname, 'storeProcess.js');
  if (!__filename.endsWith('.js') || !existsSync(compiled)) return { ...(await startLocalCosmosServer(0)), placement: 'in process' };
  const child = fork(compiled, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { endpoint: string }).endpoint));
    child.once('exit', (code) => reject(new Error(`the bench's store process exited (${code ?? 'signal'})`)));
  });
  return {
    endpoint,
    placement: 'own process',
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

if (require.main === module && process.argv.includes('--serve')) {
  void startLocalCosmosServer(0).then((server) => process.send?.({ endpoint: server.endpoint }));
  // The parent going away ends the store.
  process.on('disconnect', () => process.exit(0));
}
