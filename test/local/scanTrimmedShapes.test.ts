import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type Alert } from '../../shared/alerts/alert';
import { createDetectionContext } from '../../shared/detection/detectionContext';
import { allRules } from '../../shared/detection/rules';
import { type ClusterIdentity } from '../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../shared/kubernetes/clusterIdentity';
import { type RepairReason, UNKNOWN_USERNAME } from '../../shared/kubernetes/repairReason';
import { type SkipReason } from '../../shared/kubernetes/skipReason';
import { main } from '../../local/argus';
import { type CliIo } from '../../local/cliIo';
import { type ResolvedInputs, resolveInputs, type ScanResult, scanInputs } from '../../local/scanCommand';
import { REFERENCE_USERNAME } from '../fixtures/trimmed/writeTrimmedFixtures';

/**
 * Every trimmed shape in test/fixtures/trimmed/ through `argus scan`: the same alerts as the complete events
 * (type, count, severity, entities; not ids, times or evidence, which derived audit ids and coarser times
 * change), with each file's repairs counted.
 */

const FIXTURES = join(__dirname, '..', 'fixtures', 'trimmed');
const CLUSTER_ARG = '/subscriptions/6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/eks-shop-prod';
const CLUSTER = parseClusterResourceId(CLUSTER_ARG) as ClusterIdentity;
const NOW = new Date('2026-11-02T12:00:00.000Z');
const EVENTS = 6;

interface ShapeExpectation {
  events: number;
  repaired: Partial<Record<RepairReason, number>>;
  skipped?: Partial<Record<SkipReason, number>>;
  /** The alerts are those of complete.ndjson (with the acting account renamed when the user was dropped); none for a control message. */
  alerts: 'reference' | 'reference-unknown-user' | 'none';
}

const expectations: Record<string, ShapeExpectation> = {
  'complete.ndjson': { events: EVENTS, repaired: {}, alerts: 'reference' },
  'no-kind-apiversion.ndjson': { events: EVENTS, repaired: { missingKindAndApiVersion: EVENTS }, alerts: 'reference' },
  'no-auditid.ndjson': { events: EVENTS, repaired: { derivedAuditId: EVENTS }, alerts: 'reference' },
  'no-stage-no-user.ndjson': { events: EVENTS, repaired: { defaultedStage: EVENTS, unknownUser: EVENTS }, alerts: 'reference-unknown-user' },
  'space-separated-times.ndjson': { events: EVENTS, repaired: { convertedTime: EVENTS }, alerts: 'reference' },
  'epoch-ms-times.ndjson': { events: EVENTS, repaired: { convertedTime: EVENTS }, alerts: 'reference' },
  // Even lines Panther-like (p_*, no kind/apiVersion), odd lines Datadog-like (_id, @timestamp, no event times).
  'vendor-fields.ndjson': { events: EVENTS, repaired: { missingKindAndApiVersion: 3, timeFromOtherField: 3 }, alerts: 'reference' },
  'eks-cloudwatch.json': { events: EVENTS, repaired: { cloudWatchEnvelope: EVENTS }, alerts: 'reference' },
  'eks-cloudwatch-lambda.json': { events: EVENTS, repaired: { cloudWatchEnvelope: EVENTS }, alerts: 'reference' },
  'eks-cloudwatch-subscription.gz': { events: EVENTS, repaired: { cloudWatchEnvelope: EVENTS }, alerts: 'reference' },
  'eks-cloudwatch-subscription.b64.txt': { events: EVENTS, repaired: { cloudWatchEnvelope: EVENTS }, alerts: 'reference' },
  'eks-cloudwatch-control.json': { events: 0, repaired: {}, skipped: { controlMessage: 1 }, alerts: 'none' },
  'elastic-kubernetes-audit.ndjson': { events: EVENTS, repaired: { elasticDocument: EVENTS }, alerts: 'reference' },
  'splunk-export.ndjson': { events: EVENTS, repaired: { splunkResult: EVENTS }, alerts: 'reference' },
};

async function scanFile(name: string): Promise<ScanResult> {
  const resolved = (await resolveInputs([join(FIXTURES, name)])) as ResolvedInputs;
  return scanInputs(resolved.inputs, {
    rules: allRules,
    context: createDetectionContext(),
    cluster: CLUSTER,
    windowInMs: 3_600_000,
    now: NOW,
    stdin: Readable.from([]),
  });
}

/** What an analyst compares: which alert, how often, how severe, about what. Sorted, so order does not matter. */
function essence(alerts: readonly Alert[], renameAccount?: { from: string; to: string }): string[] {
  return alerts
    .map((alert) => {
      const entities = alert.entities.map((entity) =>
        renameAccount !== undefined && entity.type === 'account' && entity.name === renameAccount.from ? { ...entity, name: renameAccount.to } : entity,
      );
      return JSON.stringify({ alertType: alert.alertType, count: alert.count, severity: alert.severity, entities });
    })
    .sort();
}

describe('argus scan over trimmed audit shapes', () => {
  let reference: Alert[];

  beforeAll(async () => {
    reference = (await scanFile('complete.ndjson')).alerts;
  });

  it('when the fixture directory is listed, then every fixture file has an expectation here and is scanned', async () => {
    const files = readdirSync(FIXTURES).filter((name) => name !== 'README.md' && !name.endsWith('.ts'));
    expect(files.sort()).toEqual(Object.keys(expectations).sort());
    const resolved = (await resolveInputs([FIXTURES])) as ResolvedInputs;
    expect(resolved.inputs).toHaveLength(files.length);
  });

  it('when the complete reference events are scanned, then the four attacks raise their alerts, the binding followed by the pod is a sequence, and nothing is repaired', async () => {
    const result = await scanFile('complete.ndjson');
    expect(result.alerts.map((alert) => alert.alertType).sort()).toEqual([
      'K8S_ClusterAdminBinding',
      'K8S_ExecIntoPod',
      'K8S_PrivilegedContainer',
      // The same identity binds cluster-admin, then creates the privileged pod within five minutes (a stateful rule).
      'K8S_RbacChangeFollowedByWorkload',
      'K8S_SecretsEnumeration',
    ]);
    expect([result.events, result.repairedEvents, result.repairedByReason, result.skippedByReason]).toEqual([EVENTS, 0, {}, {}]);
  });

  it.each(Object.entries(expectations))('when %s is scanned, then its alerts are those of the reference events and its repairs are counted', async (name, expected) => {
    const result = await scanFile(name);

    expect(result.events).toBe(expected.events);
    expect(result.repairedByReason).toEqual(expected.repaired);
    expect(result.repairedEvents).toBe(Object.keys(expected.repaired).length === 0 ? 0 : expected.events);
    expect(result.skippedByReason).toEqual(expected.skipped ?? {});
    const wanted =
      expected.alerts === 'none'
        ? []
        : essence(reference, expected.alerts === 'reference-unknown-user' ? { from: REFERENCE_USERNAME, to: UNKNOWN_USERNAME } : undefined);
    expect(essence(result.alerts)).toEqual(wanted);
  });

  it('when the events without auditID are scanned twice, then the derived ids are the same, distinct per event and shaped like UUIDs', async () => {
    const first = await scanFile('no-auditid.ndjson');
    const second = await scanFile('no-auditid.ndjson');

    const ids = first.alerts.flatMap((alert) => alert.evidenceAuditIds);
    // Five alerts over four events: the sequence alert's evidence is an event another alert names too.
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.alerts.flatMap((alert) => alert.evidenceAuditIds)).toEqual(ids);
    expect(second.alerts.map((alert) => alert.id)).toEqual(first.alerts.map((alert) => alert.id));
  });

  it('when the whole directory is scanned by the CLI, then the summary counts the repairs by reason and the control message as skipped', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: { write: (text: string) => out.push(text), columns: 200 },
      stderr: { write: (text: string) => err.push(text), isTTY: false, columns: 100 },
      stdin: Readable.from([]),
      now: () => NOW,
      elapsedInMs: () => 0,
    };

    expect(await main(['scan', '--cluster', CLUSTER_ARG, FIXTURES], io)).toBe(0);

    const summary = err.join('');
    const files = Object.keys(expectations).length;
    expect(summary).toContain(`scanned ${files} files, ${(files - 1) * EVENTS} events`);
    expect(summary).toContain('skipped 1 (controlMessage 1)');
    // Every file but complete.ndjson and the control message is repaired: 12 files of 6 events.
    expect(summary).toContain(
      'repaired 72 (cloudWatchEnvelope 24, convertedTime 12, missingKindAndApiVersion 9, defaultedStage 6, derivedAuditId 6, ' +
        'elasticDocument 6, splunkResult 6, unknownUser 6, timeFromOtherField 3)',
    );
    const alertTypes = new Set(out.join('').trim().split('\n').map((line) => (JSON.parse(line) as Alert).alertType));
    expect([...alertTypes].sort()).toEqual(['K8S_ClusterAdminBinding', 'K8S_ExecIntoPod', 'K8S_PrivilegedContainer', 'K8S_RbacChangeFollowedByWorkload', 'K8S_SecretsEnumeration']);
  });

  it('when the gzip fixture is read, then it really is gzip (1f 8b) and the base64 one really is base64 of it', () => {
    const gzip = readFileSync(join(FIXTURES, 'eks-cloudwatch-subscription.gz'));
    expect([gzip[0], gzip[1]]).toEqual([0x1f, 0x8b]);
    expect(readFileSync(join(FIXTURES, 'eks-cloudwatch-subscription.b64.txt'), 'utf8').trim()).toBe(gzip.toString('base64'));
  });
});
