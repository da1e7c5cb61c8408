import { attackExamplesOf, generateNodeTraffic, type NodeTraffic } from '../../bench/generateNodeTraffic';
import { evidenceIdOf } from '../../shared/detection/detectionRecord';
import { evaluateRules } from '../../shared/detection/evaluateRules';
import { allRules } from '../../shared/detection/rules/index';
import { nodeRules } from '../../shared/detection/rules/node/index';
import { type SkippedRecord } from '../../shared/kubernetes/decodeAuditInput';
import { decodeNodeInput } from '../../shared/node/decodeNodeInput';
import { type NodeRecord } from '../../shared/node/nodeEvent';

describe('generateNodeTraffic', () => {
  let traffic: NodeTraffic;
  let records: NodeRecord[];
  let skipped: SkippedRecord[];

  beforeAll(() => {
    traffic = generateNodeTraffic({ events: 3_000, seed: 7 });
    records = [];
    skipped = [];
    for (const message of traffic.messages) {
      const decoded = decodeNodeInput(message, { cluster: traffic.cluster });
      records.push(...decoded.records);
      skipped.push(...decoded.skipped);
    }
  });

  it('when generated twice with the same seed, then the messages are identical, and another seed gives other messages', () => {
    const first = generateNodeTraffic({ events: 400, seed: 11 });
    const second = generateNodeTraffic({ events: 400, seed: 11 });
    const other = generateNodeTraffic({ events: 400, seed: 12 });
    expect(second.messages).toEqual(first.messages);
    expect(other.messages).not.toEqual(first.messages);
  });

  it('when asked for a number of events, then the NDJSON messages carry exactly that many, 50 to 200 lines each, and all of them decode', () => {
    const lineCounts = traffic.messages.map((message) => message.split('\n').filter((line) => line !== '').length);
    expect(traffic.events).toBe(3_000);
    expect(lineCounts.reduce((sum, count) => sum + count, 0)).toBe(3_000);
    expect(Math.min(...lineCounts.slice(0, -1))).toBeGreaterThanOrEqual(50);
    expect(Math.max(...lineCounts)).toBeLessThanOrEqual(200);
    expect(skipped.map((skip) => `${skip.reason}: ${skip.detail}`)).toEqual([]);
    expect(records).toHaveLength(3_000);
    expect(new Set(records.map((record) => record.event.id)).size).toBe(3_000);
  });

  it('when the traffic is read, then it comes from several nodes, mostly benign activity of hosts and pods, with about 1% attacks', () => {
    const attacks = Object.values(traffic.scenarioCounts).reduce((sum, count) => sum + count, 0);
    expect(attacks).toBe(traffic.scenarioByEventId.size);
    expect(attacks).toBeGreaterThanOrEqual(20);
    expect(attacks).toBeLessThanOrEqual(40);
    expect(new Set(records.map((record) => record.event.nodeName)).size).toBeGreaterThanOrEqual(3);
    expect(records.some((record) => record.event.process.pod === undefined)).toBe(true);
    expect(records.some((record) => record.event.process.pod !== undefined)).toBe(true);
    expect(Object.keys(traffic.activityCounts).length).toBeGreaterThanOrEqual(10);
  });

  it('when every rule runs over the traffic, then each attack event raises the rule whose example it is', () => {
    const findingsByEvent = new Map<string, Set<string>>();
    for (const message of traffic.messages) {
      const decoded = decodeNodeInput(message, { cluster: traffic.cluster });
      for (const finding of evaluateRules(decoded.records, { rules: allRules }).findings) {
        const id = evidenceIdOf(finding.record);
        findingsByEvent.set(id, (findingsByEvent.get(id) ?? new Set()).add(finding.rule.id));
      }
    }
    const missed = [...traffic.scenarioByEventId].filter(([id, scenario]) => findingsByEvent.get(id)?.has(scenario) !== true).map(([id, scenario]) => `${scenario} ${id}`);
    expect(missed).toEqual([]);
  });

  it('when a larger traffic is generated, then every node rule with an alerting example that needs no list override takes part', () => {
    const large = generateNodeTraffic({ events: 12_000, seed: 3 });
    const expected = [...new Set(attackExamplesOf(nodeRules).map((attack) => attack.scenario))].sort();
    expect(Object.keys(large.scenarioCounts).sort()).toEqual(expected);
  });
});
