import { type NodeRule } from '../shared/detection/rule';
import { nodeRules } from '../shared/detection/rules/node/index';
import { type ClusterIdentity } from '../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../shared/kubernetes/clusterIdentity';
import { decodeNodeInput } from '../shared/node/decodeNodeInput';
import { type NodeScene } from '../test/fixtures/node-benign/nodeScene';
import { createShopNodeScene, type NodeActivity, SHOP_CLUSTER, SHOP_NODE_ACTIVITIES } from '../test/fixtures/node-benign/shopNode';
import { nanoTime, type RawTetragonEvent, TetragonTrail } from '../test/fixtures/node-benign/tetragonTrail';
import { SeededRandom } from './seededRandom';

/**
 * A seeded generator of node sensor traffic for the node detection benchmark: the Tetragon JSON export of a few
 * AKS nodes doing what the benign baseline's nodes do (the same activities: kubelet health checks, exec probes,
 * runc, kube-proxy, waagent, the applications' connections, now and then a rollout, an SSH session or
 * unattended-upgrade), with about 1% attacks: the alerting examples of the node rules (Tetragon events and Falco
 * alerts), one rule after the other, re-stamped onto the generated nodes and times. Messages are NDJSON, as Fluent Bit sends the export to
 * Event Hubs. The same seed gives the same messages, byte for byte.
 */

export interface NodeTrafficOptions {
  /** Node events to generate, attacks included. */
  events: number;
  /** Seed of the PRNG (default 1). */
  seed?: number;
  /** Share of attack events (default 0.01). */
  attackShare?: number;
  /** Lines per message (default 50 to 200). */
  linesPerMessage?: { min: number; max: number };
  /** Nodes the traffic comes from (default 3). */
  nodes?: number;
}

export interface NodeTraffic {
  /** The Event Hubs messages: NDJSON, one raw event per line. */
  messages: string[];
  /** Node events in the messages. */
  events: number;
  /** The cluster the messages belong to (node events carry none: the hub's sender is known). */
  cluster: ClusterIdentity;
  /** Total length of the messages in characters. */
  characters: number;
  /** Length of each event's JSON line, in generation order. */
  eventSizes: number[];
  /** The attack scenario (the rule whose example it is) of every attack event, by node event id. */
  scenarioByEventId: ReadonlyMap<string, string>;
  /** Attack events per scenario. */
  scenarioCounts: Record<string, number>;
  /** Benign events per activity. */
  activityCounts: Record<string, number>;
}

export const DEFAULT_NODE_SEED = 1;

/** An alerting example a node rule ships with: the attack the rule exists for. */
export interface AttackExample {
  scenario: string;
  event: Record<string, unknown>;
}

/**
 * The alerting examples of the node rules that alert with the built-in lists (examples that need list overrides
 * describe a policy the deployment has to set), each named after its rule.
 */
export function attackExamplesOf(rules: readonly NodeRule[]): AttackExample[] {
  return rules.flatMap((rule) => rule.examples.filter((example) => example.expect === 'alert' && example.lists === undefined).map((example) => ({ scenario: rule.id, event: example.event })));
}

export function generateNodeTraffic(options: NodeTrafficOptions): NodeTraffic {
  const seed = options.seed ?? DEFAULT_NODE_SEED;
  const attackShare = options.attackShare ?? 0.01;
  const { min, max } = options.linesPerMessage ?? { min: 50, max: 200 };
  const random = new SeededRandom(seed);
  const cluster = parseClusterResourceId(SHOP_CLUSTER.resourceId) as ClusterIdentity;
  const scenes = Array.from({ length: options.nodes ?? 3 }, (_, index) => createScene(seed, index));
  const consumed = scenes.map(() => 0);
  // Attacks go round the rules (a random example of each), so that every rule takes part once there are enough.
  const attacksByScenario = groupByScenario(attackExamplesOf(nodeRules));
  const totalWeight = SHOP_NODE_ACTIVITIES.reduce((sum, activity) => sum + activity.weight, 0);

  const lines: string[] = [];
  const scenarioByEventId = new Map<string, string>();
  const scenarioCounts: Record<string, number> = {};
  const activityCounts: Record<string, number> = {};
  let attackEvents = 0;

  while (lines.length < options.events) {
    const sceneIndex = random.int(0, scenes.length - 1);
    const scene = scenes[sceneIndex] as NodeScene;
    const activity = pickActivity(random, totalWeight);
    activity.run(scene);
    const fresh = scene.trail.events.slice(consumed[sceneIndex]);
    consumed[sceneIndex] = scene.trail.events.length;
    for (const event of fresh) {
      if (lines.length >= options.events) break;
      lines.push(JSON.stringify(event));
      activityCounts[activity.name] = (activityCounts[activity.name] ?? 0) + 1;
      if (attacksByScenario.length > 0 && attackEvents < Math.floor(lines.length * attackShare) && lines.length < options.events) {
        const attack = random.pick(attacksByScenario[attackEvents % attacksByScenario.length] as AttackExample[]);
        const line = restamp(attack.event, scene.trail, random);
        const id = decodeNodeInput(line, { cluster }).records[0]?.event.id;
        if (id === undefined) continue;
        lines.push(line);
        scenarioByEventId.set(id, attack.scenario);
        scenarioCounts[attack.scenario] = (scenarioCounts[attack.scenario] ?? 0) + 1;
        attackEvents++;
      }
    }
  }

  const messages: string[] = [];
  for (let index = 0; index < lines.length; ) {
    const count = random.int(min, max);
    messages.push(`${lines.slice(index, index + count).join('\n')}\n`);
    index += count;
  }
  return {
    messages,
    events: lines.length,
    cluster,
    characters: messages.reduce((sum, message) => sum + message.length, 0),
    eventSizes: lines.map((line) => line.length),
    scenarioByEventId,
    scenarioCounts,
    activityCounts,
  };
}

function groupByScenario(attacks: readonly AttackExample[]): AttackExample[][] {
  const groups = new Map<string, AttackExample[]>();
  for (const attack of attacks) groups.set(attack.scenario, [...(groups.get(attack.scenario) ?? []), attack]);
  return [...groups.values()];
}

function createScene(seed: number, index: number): NodeScene {
  const node = `aks-nodepool1-12345678-vmss${String(index).padStart(6, '0')}`;
  const trail = new TetragonTrail({ node, seed: seed * 1_000 + index, start: '2026-03-10T06:00:00.000Z', bootedAt: '2026-03-02T03:14:07.000Z', firstPid: 2_000_000 + index * 100_000 });
  return createShopNodeScene(trail);
}

function pickActivity(random: SeededRandom, totalWeight: number): NodeActivity {
  let remaining = random.next() * totalWeight;
  for (const activity of SHOP_NODE_ACTIVITIES) {
    remaining -= activity.weight;
    if (remaining < 0) return activity;
  }
  return SHOP_NODE_ACTIVITIES[0] as NodeActivity;
}

/**
 * An attack example moved onto a generated node at its current time: Tetragon events take the node's name and
 * time (so each copy has its own id); Falco alerts the node as hostname, the time and a fresh uuid.
 */
function restamp(event: Record<string, unknown>, trail: TetragonTrail, random: SeededRandom): string {
  const time = nanoTime(trail.nowInMs(), random.int(0, 999_999));
  trail.wait(random.int(1, 5));
  const copy = structuredClone(event) as RawTetragonEvent;
  if ('rule' in copy && 'output_fields' in copy) {
    copy.time = time;
    copy.hostname = trail.node;
    copy.uuid = `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-a${random.hex(3)}-${random.hex(12)}`;
    return JSON.stringify(copy);
  }
  copy.time = time;
  copy.node_name = trail.node;
  const exit = copy.process_exit as Record<string, unknown> | undefined;
  if (exit !== undefined && 'time' in exit) exit.time = time;
  return JSON.stringify(copy);
}
