import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createArmEndpoint, LOCAL_ARM_ROUTE_BASE, type LocalArmEndpoint } from '../../../local/armEndpoint';
import { createHttpRequestListener } from '../../../local/httpHost';
import { createMemoryLogger } from '../../../local/localLogger';
import type { ArmJson } from '../../../shared/posture/clusterCheck';
import { exampleCluster } from '../../../shared/posture/exampleClusters';
import { createTemporaryDirectory } from '../../support/temporaryDirectory';

/**
 * The local runtime's ARM endpoint on its own HTTP server (the runtime's host, without Cosmos and the functions),
 * over a temporary clusters folder: what the cluster source tests point the real SDK clients at.
 */
export interface LocalArmServer {
  /** What `ARM_ENDPOINT` would be: `http://127.0.0.1:<port>/api/local/arm`. */
  endpointUrl: string;
  arm: LocalArmEndpoint;
  clustersDir: string;
  /** Writes `<file>` into the clusters folder. */
  write(file: string, content: unknown): void;
  /** Writes `<file>` into the policy states folder (the local runtime's `.argus/policyStates`). */
  writePolicyStates(file: string, content: unknown): void;
  stop(): Promise<void>;
}

export async function startLocalArmServer(options: { pageSize?: number } = {}): Promise<LocalArmServer> {
  const dir = createTemporaryDirectory('argus-arm-');
  const policyStatesDir = join(dir.path, 'policyStates');
  mkdirSync(policyStatesDir);
  const arm = createArmEndpoint({ clustersDir: dir.path, policyStatesDir, ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }) });
  const server: Server = createServer(createHttpRequestListener({ endpoints: [arm.endpoint], routePrefix: 'api', logger: createMemoryLogger() }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpointUrl: `http://127.0.0.1:${port}/api/${LOCAL_ARM_ROUTE_BASE}`,
    arm,
    clustersDir: dir.path,
    write: (file, content) => writeFileSync(join(dir.path, file), typeof content === 'string' ? content : JSON.stringify(content, null, 2)),
    writePolicyStates: (file, content) => writeFileSync(join(policyStatesDir, file), typeof content === 'string' ? content : JSON.stringify(content, null, 2)),
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      dir.remove();
    },
  };
}

export const SUBSCRIPTION_A = '11111111-1111-4111-8111-111111111111';
export const SUBSCRIPTION_B = '22222222-2222-4222-8222-222222222222';
export const SUBSCRIPTION_C = '33333333-3333-4333-8333-333333333333';

/** A managed cluster (ARM GET body) in a subscription, group and location. */
export function clusterIn(subscriptionId: string, name: string, location = 'westeurope', resourceGroup = 'rg-shop'): ArmJson {
  return exampleCluster(
    {},
    { id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`, name, location },
  );
}
