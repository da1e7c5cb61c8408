import type { AddressInfo } from 'node:net';
import { createHttpsServer } from '@vercel/cosmosdb-server';

export interface LocalCosmosServer {
  /** e.g. `https://127.0.0.1:8081/` */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts the in-process Cosmos DB (NoSQL API) server the real `@azure/cosmos` SDK talks to locally and
 * in tests. It serves HTTPS with a self-signed certificate; its data lives in memory (see storeSnapshot).
 */
export async function startLocalCosmosServer(port: number, host = '127.0.0.1'): Promise<LocalCosmosServer> {
  // Keep-alive: the library answers `Connection: close` otherwise, and every SDK request pays a new TLS handshake (as
  // Azure's gateway does not make it pay); close() ends the kept connections.
  const server = createHttpsServer({ keepAlive: true });
  // Idle connections stay open until the client or close() ends them: a server-side idle timeout races the client's
  // reuse of the same socket ("socket hang up"), as the library sends no Keep-Alive timeout hint.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `https://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
