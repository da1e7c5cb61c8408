import type { CosmosClient } from '@azure/cosmos';
import { SeededRandom } from '../../bench/seededRandom';
import { startLocalCosmosServer, type LocalCosmosServer } from '../../local/localCosmosServer';
import { createCosmosClient } from '../../shared/store/createCosmosClient';
import { ensureDatabase } from '../../shared/store/ensureDatabase';
import { changePlan, upsertPlan } from '../../shared/store/planStore';
import { startFaultInjectingProxy, type FaultInjectingProxy, type ProxiedRequest } from '../support/faultInjectingProxy';
import { createTemporaryDirectory } from '../support/temporaryDirectory';
import { buildCrashTraffic, type CrashTraffic, type HubPost } from './crashTraffic';
import { type FinalState, readFinalState } from './finalState';
import { ensureCompiledRuntime, everythingDelivered, type RuntimeProcess, startRuntimeProcess } from './runtimeProcess';

/*
 * The crash test: the local runtime (`node dist/local/start.js`, every function of functions/) in a child process,
 * SIGKILLed at seeded random points and restarted until everything posted is processed; the final alerts, usage, dead
 * letters, workload inventory, stateful state and assessments must equal those of a run without a crash.
 *
 * What is killed: the Functions-host part (the runtime process, with its durable local Event Hubs, whose logs and
 * checkpoints stay in the data folder). What survives: the store, a Cosmos server in this process reached through the
 * fault-injecting proxy, as Azure Cosmos DB outlives a Functions instance. Kill points:
 * - `before-write`: at the k-th document request of the runtime, which the proxy then drops (the store never sees it);
 * - `after-write`: at the k-th document request, which the proxy still forwards (it lands; the runtime never learns it);
 * - `timer`: some milliseconds in (mid-batch, between batches, while a checkpoint is written, while idle);
 * - `idle`: an armed request kill that no request reached: the runtime is killed once everything is checkpointed.
 * Producers never overlap a kill (a POST whose 202 is lost would be sent again: the producer's duplicate, not Argus's).
 * Usage and stateful observations are written through (flush intervals 0): with a flush interval an instance that dies
 * loses what it had not yet written, by design (see README, "What a crash can lose", and usageMeter.test.ts).
 *
 * CRASH_KILLS sets the number of kill points (default 10 in `npm test`; `npm run crash -- --kills 50`), CRASH_SEED the seed.
 */

const KILLS = Number(process.env['CRASH_KILLS'] ?? 10);
const SEED = Number(process.env['CRASH_SEED'] ?? 20_261_204);
const PLAN_ENABLED_AT = new Date('2026-01-01T00:00:00.000Z');
/** Schedules that do not come round during a test (1 January, midnight): no timer function adds its own writes. */
const NEVER = '0 0 0 1 1 *';

type KillKind = 'before-write' | 'after-write' | 'timer' | 'idle';

interface RunReport {
  state: FinalState;
  kills: KillKind[];
  lives: number;
}

describe('the local runtime killed with SIGKILL at random points', () => {
  let server: LocalCosmosServer | undefined;
  let proxy: FaultInjectingProxy | undefined;
  let client: CosmosClient | undefined;
  let traffic: CrashTraffic;
  const folders = createTemporaryDirectory('argus-crash-');
  let runs = 0;

  beforeAll(async () => {
    ensureCompiledRuntime();
    server = await startLocalCosmosServer(0);
    proxy = await startFaultInjectingProxy(server.endpoint);
    client = createCosmosClient({ endpoint: server.endpoint, databaseName: 'unused', allowSelfSignedCertificate: true });
    // Enough posts for the kills to land on work: 8 messages a post for 10 kills, 1 for 50 or more (with fewer posts than
    // kills, the traffic runs out and the last kills all find an idle runtime).
    traffic = buildCrashTraffic({ messagesPerPost: Math.max(1, Math.round(80 / Math.max(KILLS, 1))) });
  }, 180_000);
  afterAll(async () => {
    client?.dispose();
    await proxy?.close();
    await server?.close();
    folders.remove();
  });

  /** Posts the traffic and kills the runtime at `kills` seeded points; returns the store's final state. */
  async function run(kills: number, random: SeededRandom): Promise<RunReport> {
    const name = `crash-run-${++runs}`;
    if (client === undefined || proxy === undefined) throw new Error('the store starts in beforeAll');
    const faults = proxy;
    const database = await ensureDatabase(client, name);
    for (const subscriptionId of traffic.subscriptionIds) {
      const by = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };
      await upsertPlan(database, changePlan(subscriptionId, undefined, { enabled: true, by, now: PLAN_ENABLED_AT }));
    }
    const dataDir = `${folders.path}/${name}`;
    const settings = {
      PORT: '0',
      ARGUS_LOCAL_DATA_DIR: dataDir,
      COSMOS__accountEndpoint: faults.endpoint,
      COSMOS_DATABASE_NAME: name,
      USAGE_FLUSH_INTERVAL_IN_SECONDS: '0',
      DETECTION_STATE_FLUSH_INTERVAL_IN_SECONDS: '0',
      SIMULATION_SCHEDULE: NEVER,
      ASSESSMENT_SCHEDULE: NEVER,
      INCIDENT_SCHEDULE: NEVER,
      THREAT_INTEL_FEED_SCHEDULE: NEVER,
    };
    const pending: HubPost[] = [...traffic.posts];
    const landed: KillKind[] = [];
    let lives = 0;
    let runtime: RuntimeProcess | undefined;
    let armed = 0; // the proxy's kill rules check that theirs is the armed one: a stale rule never fires

    while (pending.length > 0 || landed.length < kills || !everythingDelivered(dataDir)) {
      if (runtime === undefined) {
        runtime = await startRuntimeProcess({ dataDir, settings });
        lives++;
      }
      const current: RuntimeProcess = runtime;
      // A few posts, each acknowledged before anything can kill the runtime.
      for (const post of pending.splice(0, random.int(1, 2))) await postToHub(current, post);
      if (landed.length >= kills) {
        await waitFor(() => everythingDelivered(dataDir), current);
        continue;
      }

      const token = ++armed;
      const kind: KillKind = random.pick(['before-write', 'after-write', 'after-write', 'timer'] as const);
      let fired = false;
      const kill = (): void => {
        if (armed !== token || fired) return;
        fired = true;
        current.child.kill('SIGKILL');
      };
      if (kind === 'timer') {
        setTimeout(kill, random.int(5, 1_500)).unref();
      } else {
        let countdown = random.int(1, 20);
        const match = (request: ProxiedRequest): boolean => {
          if (armed !== token || fired || request.kind === 'metadata' || --countdown > 0) return false;
          kill();
          return true;
        };
        if (kind === 'before-write') faults.dropNext(1, match);
        else faults.dropResponseOfNext(1, match);
      }
      await waitFor(() => fired || everythingDelivered(dataDir), current);
      if (!fired) {
        if (pending.length > 0) {
          armed++; // not reached before the work ran out: disarmed, and more traffic comes first
          continue;
        }
        fired = true;
        current.child.kill('SIGKILL');
        landed.push('idle');
      } else {
        landed.push(kind);
      }
      armed++;
      await current.exited;
      runtime = undefined;
    }
    if (runtime !== undefined) {
      runtime.child.kill('SIGTERM');
      await runtime.exited;
    }
    return { state: await readFinalState(database), kills: landed, lives };
  }

  it(`when the runtime is killed at ${KILLS} random points (seed ${SEED}) and restarted each time, then the final alerts, usage, dead letters, inventory, state and assessments equal a run without crashes`, async () => {
    const baseline = await run(0, new SeededRandom(SEED));
    expect(baseline.lives).toBe(1);
    // The traffic makes something of every kind that is compared: the comparison cannot pass on empty stores.
    expect(baseline.state.alerts.length).toBeGreaterThan(10);
    expect(baseline.state.deadLetters.length).toBeGreaterThan(0);
    expect(baseline.state.workloads.length).toBeGreaterThan(0);
    expect(Object.keys(baseline.state.usage)).toHaveLength(traffic.subscriptionIds.length);

    const crashed = await run(KILLS, new SeededRandom(SEED + 1));
    const counts = crashed.kills.reduce<Record<string, number>>((sum, kind) => ({ ...sum, [kind]: (sum[kind] ?? 0) + 1 }), {});
    process.stdout.write(`crash test: ${crashed.kills.length} kills (${JSON.stringify(counts)}), ${crashed.lives} lives, ${baseline.state.alerts.length} alerts\n`);
    expect(crashed.kills).toHaveLength(KILLS);
    expect(crashed.lives).toBeGreaterThanOrEqual(KILLS);
    // Most kills land while the runtime works with the store, not only while it is idle.
    expect((counts['before-write'] ?? 0) + (counts['after-write'] ?? 0)).toBeGreaterThanOrEqual(Math.floor(KILLS / 3));

    expect(crashed.state.usage).toEqual(baseline.state.usage);
    expect(crashed.state.deadLetters).toEqual(baseline.state.deadLetters);
    expect(crashed.state.sampledDeadLetters).toEqual(baseline.state.sampledDeadLetters);
    expect(crashed.state.workloads).toEqual(baseline.state.workloads);
    expect(crashed.state.detectionState).toEqual(baseline.state.detectionState);
    expect(crashed.state.assessments).toEqual(baseline.state.assessments);
    expect(crashed.state.alerts).toEqual(baseline.state.alerts);
  }, 60_000 + KILLS * 20_000);
});

async function postToHub(runtime: RuntimeProcess, post: HubPost): Promise<void> {
  const response = await fetch(`${runtime.url}/api/local/eventhubs/${post.hub}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(post.bodies),
  });
  if (response.status !== 202) throw new Error(`the runtime refused a post to ${post.hub}: ${response.status} ${await response.text()}`);
}

/** Polls until `done`; fails if the runtime exits by itself meanwhile, or after two minutes without progress. */
async function waitFor(done: () => boolean, runtime: RuntimeProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!done()) {
    if (runtime.child.exitCode !== null) throw new Error(`the runtime exited by itself (${runtime.child.exitCode}):\n${runtime.tail()}`);
    if (Date.now() > deadline) throw new Error(`the runtime made no progress for two minutes:\n${runtime.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
