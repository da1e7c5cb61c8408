import { type Alert, AlertStatus } from '../../../shared/alerts/alert';
import { auditEvent } from '../../../shared/detection/exampleEvents';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';
import { type IngestionDependencies } from '../../../shared/ingestion/processEventBatch';
import { CachedSubscriptionSettings } from '../../../shared/ingestion/subscriptionSettings';
import { listDeadLetters } from '../../../shared/store/deadLetterStore';
import { changePlan, getPlan, upsertPlan } from '../../../shared/store/planStore';
import { upsertSuppressionRule } from '../../../shared/store/suppressionRuleStore';
import { getUsage } from '../../../shared/store/usageStore';
import {
  aksMessage,
  aksResourceId,
  auditBatch,
  benignEvent,
  diagnosticRecord,
  execIntoPodEvent,
  privilegedPodEvent,
} from '../../support/auditMessages';
import { suppressionRule } from '../../support/suppressionRuleFixtures';
import { storedAlertsOf } from '../../support/storedAlerts';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

const NOW = new Date('2026-11-22T10:30:00.000Z');
const PLAN_ENABLED_AT = '2026-11-22T09:00:00.000Z';
const OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };

let cosmos: TestCosmos;
let subscriptionCounter = 0;

beforeAll(async () => {
  cosmos = await startTestCosmos();
});
afterAll(async () => {
  await cosmos.close();
});

/** A subscription of its own for each test (one store serves the whole file). */
function newSubscription(): string {
  subscriptionCounter++;
  return `7e000000-0000-4000-8000-${subscriptionCounter.toString(16).padStart(12, '0')}`;
}

function dependencies(overrides: Partial<IngestionDependencies> = {}): IngestionDependencies {
  return ingestionDependencies(cosmos.database, NOW, overrides);
}

async function setPlan(subscriptionId: string, enabled: boolean, at: string): Promise<void> {
  const current = await getPlan(cosmos.database, subscriptionId);
  await upsertPlan(cosmos.database, changePlan(subscriptionId, current, { enabled, by: OWNER, now: new Date(at) }));
}

function alertsOf(subscriptionId: string): Promise<Alert[]> {
  return storedAlertsOf(cosmos.database, subscriptionId);
}

function privilegedPods(subscriptionId: string, ids: readonly string[], minute = 10): Record<string, unknown> {
  return aksMessage(
    ids.map((id, index) =>
      diagnosticRecord(privilegedPodEvent(id, `2026-11-22T10:${String(minute).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}.000000Z`), {
        resourceId: aksResourceId(subscriptionId),
      }),
    ),
  );
}

describe('processAuditBatch: decoding and dead letters', () => {
  it('when records carry events a log pipeline trimmed and CloudWatch control messages arrive, then the summary counts the repairs and the control messages, sampled once', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const { auditID: _id, stage: _stage, ...trimmed } = privilegedPodEvent('unused', '2026-11-22T10:03:00.000000Z');
    const control = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [] };
    const batch = auditBatch([aksMessage([diagnosticRecord(trimmed, { resourceId: aksResourceId(sub) })]), control, control], { partitionId: 'repaired' });

    const { summary } = await processAuditBatch(batch, dependencies());

    expect(summary).toMatchObject({ events: 1, repaired: { derivedAuditId: 1, defaultedStage: 1 }, skipped: { controlMessage: 2 }, deadLettered: 1 });
    expect((await alertsOf(sub)).map((a) => a.alertType)).toContain('K8S_PrivilegedContainer');
  });

  it('when a batch mixes good records with klog text, a truncated log, a BOM and an unknown category, then the good ones alert and the bad ones are dead-lettered with their position, without throwing', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const resourceId = aksResourceId(sub);
    const good = diagnosticRecord(privilegedPodEvent('good-1', '2026-11-22T10:01:00.000000Z'), { resourceId });
    const klog = diagnosticRecord('I1122 10:01:00.123456      12 controller.go:624] quota admission added evaluator for: leases', { category: 'kube-apiserver', resourceId });
    // AKS cuts `properties.log` at 16 KiB: a large pod manifest arrives as broken JSON.
    const large = { ...privilegedPodEvent('cut-1', '2026-11-22T10:01:01.000000Z'), annotations: { note: 'x'.repeat(20_000) } };
    const truncated = diagnosticRecord(JSON.stringify(large).slice(0, 16_384), { resourceId });
    const unknownCategory = diagnosticRecord(privilegedPodEvent('guard-1', '2026-11-22T10:01:02.000000Z'), { category: 'guard', resourceId });
    const withBom = `\uFEFF${JSON.stringify(aksMessage([diagnosticRecord(execIntoPodEvent('exec-1', '2026-11-22T10:02:00.000000Z'), { resourceId })]))}`;
    const batch = auditBatch([aksMessage([good, klog, truncated]), withBom, aksMessage([unknownCategory]), 'not json at all'], {
      partitionId: 'dl-1',
      firstSequenceNumber: 40,
    });

    const { summary } = await processAuditBatch(batch, dependencies());

    const alerts = await alertsOf(sub);
    expect(alerts.map((a) => a.alertType).sort()).toEqual(expect.arrayContaining(['K8S_PrivilegedContainer']));
    expect(alerts.flatMap((a) => a.evidenceAuditIds)).toEqual(expect.arrayContaining(['good-1', 'exec-1']));
    expect(alerts.flatMap((a) => a.evidenceAuditIds)).not.toContain('cut-1');
    const letters = await listDeadLetters(cosmos.database, 'dl-1');
    expect(letters.map((l) => [l.sequenceNumber, l.recordIndex, l.reason])).toEqual([
      [40, 1, 'otherCategory'],
      [40, 2, 'truncatedJson'],
      [42, 0, 'otherCategory'],
      [43, 0, 'invalidJson'],
    ]);
    expect(letters[0]).toMatchObject({
      eventHubName: 'insights-logs-kube-audit',
      partitionId: 'dl-1',
      offset: String(40 * 4096),
      enqueuedTimeUtc: '2026-11-22T10:05:00.000Z',
      category: 'kube-apiserver',
      rawTruncated: false,
    });
    expect(letters[0]?.raw).toContain('quota admission added evaluator');
    expect(summary).toMatchObject({ messages: 4, events: 2, analyzed: 2, deadLettered: 4, skipped: { otherCategory: 2, truncatedJson: 1, invalidJson: 1 } });
  });

  it('when a message carries many records of another diagnostic category, then all are counted and one per category is kept as a sample', async () => {
    const sub = newSubscription();
    const klog = (n: number): Record<string, unknown> => diagnosticRecord(`I1122 10:01:0${n}.000000 1 trace.go:236] Trace[${n}]: "List" (10ms)`, { category: 'kube-apiserver', resourceId: aksResourceId(sub) });
    const guard = diagnosticRecord('guard: authorized', { category: 'guard', resourceId: aksResourceId(sub) });
    const { summary } = await processAuditBatch(auditBatch([aksMessage([klog(1), klog(2), klog(3), guard]), aksMessage([klog(4)])], { partitionId: 'klog' }), dependencies());
    expect(summary.skipped).toEqual({ otherCategory: 5 });
    expect(summary.deadLettered).toBe(2);
    expect((await listDeadLetters(cosmos.database, 'klog')).map((l) => [l.sequenceNumber, l.recordIndex, l.category])).toEqual([
      [0, 0, 'kube-apiserver'],
      [0, 3, 'guard'],
    ]);
  });

  it('when a record is larger than the dead-letter cap, then its raw text is cut and marked so', async () => {
    const batch = auditBatch(['x'.repeat(100_000)], { partitionId: 'dl-2' });
    await processAuditBatch(batch, dependencies());
    const [letter] = await listDeadLetters(cosmos.database, 'dl-2');
    expect(letter).toMatchObject({ reason: 'invalidJson', rawTruncated: true, rawSizeInBytes: 100_000 });
    expect(letter?.raw.length).toBe(32 * 1024);
  });
});

describe('processAuditBatch: exactly once in effect', () => {
  it('when the same batch is delivered twice, then the alerts, their counts and evidence, the usage and the dead letters are identical', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const batch = auditBatch([privilegedPods(sub, ['p1', 'p2', 'p3']), privilegedPods(sub, ['p4']), 'broken'], { partitionId: 'twice' });

    await processAuditBatch(batch, dependencies());
    const first = await alertsOf(sub);
    const usageFirst = await getUsage(cosmos.database, sub, '2026-11-22T10:00:00.000Z');
    const { summary } = await processAuditBatch(batch, dependencies());

    expect(await alertsOf(sub)).toEqual(first);
    expect(await getUsage(cosmos.database, sub, '2026-11-22T10:00:00.000Z')).toEqual(usageFirst);
    expect(usageFirst).toMatchObject({ eventsAnalyzed: 4 });
    expect(await listDeadLetters(cosmos.database, 'twice')).toHaveLength(1);
    expect(first).toEqual([expect.objectContaining({ count: 4, evidenceAuditIds: ['p1', 'p2', 'p3', 'p4'] })]);
    expect(summary.alerts).toEqual({ created: 0, updated: 0, unchanged: 1, suppressed: 0, restamped: 0 });
  });

  it('when a batch is delivered again cut differently (a partial replay, then an overlapping one), then every event is counted exactly once', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const messages = Array.from({ length: 15 }, (_, i) => privilegedPods(sub, [`r${i}`]));

    await processAuditBatch(auditBatch(messages.slice(0, 10), { partitionId: 'recut', firstSequenceNumber: 0 }), dependencies());
    await processAuditBatch(auditBatch(messages.slice(0, 5), { partitionId: 'recut', firstSequenceNumber: 0 }), dependencies());
    await processAuditBatch(auditBatch(messages.slice(5, 15), { partitionId: 'recut', firstSequenceNumber: 5 }), dependencies());

    const [alert] = await alertsOf(sub);
    expect(alert?.count).toBe(15);
    expect(alert?.ingestedThrough).toEqual({ 'insights-logs-kube-audit/recut': 14 });
    expect((await getUsage(cosmos.database, sub, '2026-11-22T10:00:00.000Z'))?.eventsAnalyzed).toBe(15);
  });

  it('when two batches of different partitions update the same alerts concurrently, then the counts add up exactly', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const partitionA = auditBatch(Array.from({ length: 20 }, (_, i) => privilegedPods(sub, [`a${i}`])), { partitionId: 'conc-a' });
    const partitionB = auditBatch(Array.from({ length: 20 }, (_, i) => privilegedPods(sub, [`b${i}`])), { partitionId: 'conc-b' });

    const outcomes = await Promise.all([
      processAuditBatch(partitionA, dependencies()),
      processAuditBatch(partitionB, dependencies()),
      processAuditBatch(partitionA, dependencies()),
    ]);

    const [alert] = await alertsOf(sub);
    expect(alert?.count).toBe(40);
    expect((await getUsage(cosmos.database, sub, '2026-11-22T10:00:00.000Z'))?.eventsAnalyzed).toBe(40);
    expect(outcomes.reduce((sum, o) => sum + o.summary.alerts.created, 0)).toBe(1);
  });

  it('when an event of the same window arrives later with an earlier time, then the alert widens its activity but keeps its id, status and time generated', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    await processAuditBatch(auditBatch([privilegedPods(sub, ['late-1'], 40)], { partitionId: 'widen' }), dependencies());
    const [before] = await alertsOf(sub);
    await processAuditBatch(
      auditBatch([privilegedPods(sub, ['early-1'], 5)], { partitionId: 'widen', firstSequenceNumber: 1 }),
      dependencies({ now: () => new Date('2026-11-22T11:00:00.000Z') }),
    );
    const [after] = await alertsOf(sub);
    expect(after?.id).toBe(before?.id);
    expect(after).toMatchObject({ count: 2, startTimeUtc: '2026-11-22T10:05:00.000Z', endTimeUtc: '2026-11-22T10:40:00.000Z', timeGeneratedUtc: before?.timeGeneratedUtc });
  });
});

describe('processAuditBatch: plan gating', () => {
  it('when the plan was never enabled, then nothing alerts, nothing is metered, and the events are counted as gated', async () => {
    const sub = newSubscription();
    const { summary } = await processAuditBatch(auditBatch([privilegedPods(sub, ['g1', 'g2'])], { partitionId: 'gate-1' }), dependencies());
    expect(await alertsOf(sub)).toEqual([]);
    expect(await getUsage(cosmos.database, sub, '2026-11-22T10:00:00.000Z')).toBeUndefined();
    expect(summary.gated).toEqual({ [sub]: 2 });
  });

  it('when the plan is enabled after the events, disabled, then re-enabled, then only events after an enablement alert', async () => {
    const sub = newSubscription();
    const at = (minute: number): string => `2026-11-22T10:${String(minute).padStart(2, '0')}:00.000000Z`;
    const message = (id: string, minute: number): Record<string, unknown> =>
      aksMessage([diagnosticRecord(privilegedPodEvent(id, at(minute), `pod-${id}`), { resourceId: aksResourceId(sub) })]);
    await setPlan(sub, true, '2026-11-22T10:10:00.000Z');
    await processAuditBatch(auditBatch([message('before-enable', 5), message('after-enable', 15)], { partitionId: 'gate-2' }), dependencies());
    await setPlan(sub, false, '2026-11-22T10:20:00.000Z');
    await processAuditBatch(auditBatch([message('while-disabled', 25)], { partitionId: 'gate-2', firstSequenceNumber: 2 }), dependencies());
    await setPlan(sub, true, '2026-11-22T10:30:00.000Z');
    const { summary } = await processAuditBatch(
      auditBatch([message('disabled-period-late', 25), message('after-re-enable', 35)], { partitionId: 'gate-2', firstSequenceNumber: 3 }),
      dependencies(),
    );

    expect((await alertsOf(sub)).flatMap((a) => a.evidenceAuditIds).sort()).toEqual(['after-enable', 'after-re-enable']);
    expect(summary.gated).toEqual({ [sub]: 1 });
  });

  it('when many events of one subscription arrive in batches within the cache period, then its plan is read once', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const settings = new CachedSubscriptionSettings(cosmos.database, 60_000);
    for (let i = 0; i < 3; i++) {
      await processAuditBatch(auditBatch([aksMessage(Array.from({ length: 50 }, (_, j) => diagnosticRecord(benignEvent(`c${i}-${j}`, '2026-11-22T10:00:00.000000Z'), { resourceId: aksResourceId(sub) })))], { partitionId: 'cache', firstSequenceNumber: i }), dependencies({ subscriptionSettings: settings }));
    }
    expect(settings.reads).toEqual({ plans: 1, suppressionRules: 0, threatIntelSets: 1, threatIntelFeeds: 1 });
  });
});

describe('processAuditBatch: suppression rules and status', () => {
  it('when an enabled suppression rule matches a new alert, then it is stored Dismissed with the rule named in its history', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    await seedSuppressionRule(sub, 'debug-pods-in-shop', { alertType: 'K8S_PrivilegedContainer', conditions: [{ field: 'namespace', in: ['shop'] }] });
    const { summary } = await processAuditBatch(auditBatch([privilegedPods(sub, ['s1'])], { partitionId: 'supp-1' }), dependencies());
    const [alert] = await alertsOf(sub);
    expect(alert?.status).toBe(AlertStatus.Dismissed);
    expect(alert?.statusHistory).toHaveLength(1);
    expect(alert?.statusHistory[0]).toMatchObject({ status: 'Dismissed', principalId: 'suppressionRule/debug-pods-in-shop', principalName: 'Suppression rule debug-pods-in-shop' });
    expect(alert?.statusHistory[0]?.comment).toContain('debug-pods-in-shop');
    expect(summary.alerts.suppressed).toBe(1);
  });

  it('when the matching rule is disabled or expired, then the alert stays Active', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    await seedSuppressionRule(sub, 'disabled-rule', { alertType: '*', state: 'Disabled', conditions: [] });
    await seedSuppressionRule(sub, 'expired-rule', { alertType: '*', expirationDateUtc: '2026-11-22T10:00:00.000Z', conditions: [] });
    await processAuditBatch(auditBatch([privilegedPods(sub, ['s2'])], { partitionId: 'supp-2' }), dependencies());
    expect((await alertsOf(sub)).map((a) => a.status)).toEqual([AlertStatus.Active]);
  });

  it('when an alert was dismissed and more occurrences arrive, then it stays Dismissed and its count grows', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    await processAuditBatch(auditBatch([privilegedPods(sub, ['d1'])], { partitionId: 'keep' }), dependencies());
    const [created] = await alertsOf(sub);
    const dismissal = { status: AlertStatus.Dismissed, principalId: OWNER.principalId, principalName: OWNER.principalName, timeUtc: NOW.toISOString() };
    await cosmos.database.container('alerts').items.upsert({ ...created, status: AlertStatus.Dismissed, statusHistory: [dismissal] });
    await processAuditBatch(auditBatch([privilegedPods(sub, ['d2', 'd3'])], { partitionId: 'keep', firstSequenceNumber: 1 }), dependencies());
    const [after] = await alertsOf(sub);
    expect(after).toMatchObject({ status: AlertStatus.Dismissed, count: 3, statusHistory: [dismissal] });
  });
});

describe('processAuditBatch: what is stored', () => {
  it('when a pod carries a secret in an env value, then no alert stores the value', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const event = privilegedPodEvent('secret-1', '2026-11-22T10:03:00.000000Z');
    const spec = ((event['requestObject'] as Record<string, unknown>)['spec'] as { containers: Record<string, unknown>[] }).containers[0] as Record<string, unknown>;
    spec['env'] = [{ name: 'DB_PASSWORD', value: 'hunter2-S3cr3t!' }];
    spec['args'] = ['--token=eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln'];
    await processAuditBatch(auditBatch([aksMessage([diagnosticRecord(event, { resourceId: aksResourceId(sub) })])], { partitionId: 'redact' }), dependencies());
    const stored = JSON.stringify(await alertsOf(sub));
    expect(stored).toContain('K8S_PrivilegedContainer');
    expect(stored).not.toContain('hunter2-S3cr3t!');
    expect(stored).not.toContain('eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln');
  });

  it('when a ConfigMap holds a password and a Secret is read in bulk, then the alerts name them but store no value', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const resourceId = aksResourceId(sub);
    const configMapEvent = auditEvent({
      verb: 'create',
      resource: 'configmaps',
      namespace: 'shop',
      auditID: 'cm-1',
      time: '2026-11-22T10:04:00.000000Z',
      requestObject: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-settings', namespace: 'shop' }, data: { DB_PASSWORD: 'Tr0ub4dor-and-3' } },
    });
    const secretList = auditEvent({
      verb: 'list',
      resource: 'secrets',
      auditID: 'sec-1',
      time: '2026-11-22T10:04:01.000000Z',
      user: 'system:serviceaccount:shop:web',
      responseObject: { kind: 'SecretList', items: [{ metadata: { name: 'db', namespace: 'shop' }, data: { password: 'c3VwZXItc2VjcmV0LXZhbHVl' } }] },
    });
    await processAuditBatch(auditBatch([aksMessage([diagnosticRecord(configMapEvent, { resourceId }), diagnosticRecord(secretList, { resourceId })])], { partitionId: 'redact-2' }), dependencies());
    const alerts = await alertsOf(sub);
    expect(alerts.map((a) => a.evidenceAuditIds[0])).toEqual(expect.arrayContaining(['cm-1']));
    const stored = JSON.stringify(alerts);
    expect(stored).not.toContain('Tr0ub4dor-and-3');
    expect(stored).not.toContain('c3VwZXItc2VjcmV0LXZhbHVl');
  });

  it('when a batch has no attacks, then no alert is written, only the usage record', async () => {
    const sub = newSubscription();
    await setPlan(sub, true, PLAN_ENABLED_AT);
    const quiet = aksMessage(Array.from({ length: 30 }, (_, i) => diagnosticRecord(benignEvent(`q${i}`, '2026-11-22T10:00:00.000000Z'), { resourceId: aksResourceId(sub) })));
    const { summary } = await processAuditBatch(auditBatch([quiet], { partitionId: 'quiet' }), dependencies());
    expect(summary.findings).toBe(0);
    expect(summary.cosmos).toEqual({ reads: 1, writes: 1, conflicts: 0 });
    expect(await alertsOf(sub)).toEqual([]);
    expect(await getUsage(cosmos.database, sub, '2026-11-22T10:00:00.000Z')).toMatchObject({ eventsAnalyzed: 30, eventsByCluster: { 'aks-shop-prod': 30 } });
  });
});

async function seedSuppressionRule(subscriptionId: string, name: string, fields: Record<string, unknown>): Promise<void> {
  const now = NOW.toISOString();
  await upsertSuppressionRule(cosmos.database, {
    ...suppressionRule({ name, ...fields }),
    id: name,
    subscriptionId,
    createdAtUtc: now,
    createdBy: OWNER,
    updatedAtUtc: now,
    updatedBy: OWNER,
  });
}
