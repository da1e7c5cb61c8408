import { auditEvent } from '../../../shared/detection/exampleEvents';
import { defineRule } from '../../../shared/detection/rule';
import { processAuditBatch } from '../../../shared/ingestion/processAuditBatch';

import { changePlan, upsertPlan } from '../../../shared/store/planStore';
import { aksMessage, auditBatch, diagnosticRecord } from '../../support/auditMessages';
import { storedAlertsOf } from '../../support/storedAlerts';
import { ingestionDependencies } from '../../support/ingestionDependencies';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/**
 * The stateful rules through the audit pipeline: their memory is in the store, per cluster and rule, so the halves of a
 * burst that two partitions (two instances) deliver meet, a replayed batch raises nothing new, and quiet traffic reads
 * no state at all. A test-only burst rule keeps the test independent of the library's thresholds.
 */

const SUB = '7e7e7e7e-0000-4000-8000-000000000001';
const RESOURCE_ID = `/SUBSCRIPTIONS/${SUB.toUpperCase()}/RESOURCEGROUPS/RG-SHOP/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-SHOP`;
const PLAN_ENABLED_AT = '2026-11-20T09:00:00.000Z';
const OWNER = { principalId: 'a1000000-0000-4000-8000-000000000001', principalName: 'Olu Owner' };

const secretReadBurst = defineRule({
  id: 'test-secret-read-burst',
  alertType: 'K8S_TestSecretReadBurst',
  displayName: 'Test: three secrets read within five minutes',
  description: 'A test-only burst rule: one identity reads three distinct secrets within five minutes.',
  severity: 'Medium',
  intent: 'CredentialAccess',
  techniques: ['T1552.007'],
  remediation: ['-'],
  falsePositives: ['-'],
  references: ['https://attack.mitre.org/techniques/T1552/007/'],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
  resources: ['secrets'],
  match: (event) => event.verb === 'get' && event.objectRef?.resource === 'secrets',
  entities: (event) => [{ type: 'account', name: event.user.username }],
  dedupKey: (event) => event.user.username,
  stateful: { kind: 'burst', key: (event) => event.user.username, value: (event) => event.objectRef?.name, windowInMs: 5 * 60_000, distinct: 3, valueName: 'secret' },
  examples: [],
});

const secretGet = (auditID: string, name: string, time: string) =>
  aksMessage([diagnosticRecord(auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name, auditID, time, user: 'dana@contoso.com' }), { resourceId: RESOURCE_ID })]);

describe('stateful rules in the pipeline', () => {
  let cosmos: TestCosmos;
  beforeAll(async () => {
    cosmos = await startTestCosmos();
    await upsertPlan(cosmos.database, changePlan(SUB, undefined, { enabled: true, by: OWNER, now: new Date(PLAN_ENABLED_AT) }));
  });
  afterAll(async () => {
    await cosmos.close();
  });
  const dependencies = () => ingestionDependencies(cosmos.database, new Date('2026-11-23T10:30:00.000Z'), { rules: [secretReadBurst] });
  const burstAlerts = async () => (await storedAlertsOf(cosmos.database, SUB)).filter((alert) => alert.alertType === 'K8S_TestSecretReadBurst');

  it('when two partitions each deliver part of a burst, then the second completes it from the stored state: one alert that explains itself', async () => {
    const first = await processAuditBatch(auditBatch([secretGet('s-1', 'db-password', '2026-11-23T10:00:00.000Z'), secretGet('s-2', 'api-key', '2026-11-23T10:01:00.000Z')], { partitionId: '0' }), dependencies());
    expect(first.summary.stateful).toMatchObject({ candidates: 2, findings: 0, reads: 1, writes: 1 });
    const second = await processAuditBatch(auditBatch([secretGet('s-3', 'tls-cert', '2026-11-23T10:02:00.000Z')], { partitionId: '1' }), dependencies());
    expect(second.summary.stateful).toMatchObject({ candidates: 1, findings: 1 });
    const alerts = await burstAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.extendedProperties['explanation']).toMatch(/dana@contoso.com touched 3 distinct secrets within 5 minute/);
    expect(alerts[0]?.extendedProperties['burstValues']).toBe('api-key, db-password, tls-cert');
  });

  it('when a batch is delivered again, then no new alert or occurrence appears', async () => {
    const before = await burstAlerts();
    await processAuditBatch(auditBatch([secretGet('s-3', 'tls-cert', '2026-11-23T10:02:00.000Z')], { partitionId: '1' }), dependencies());
    const after = await burstAlerts();
    expect(after.map((alert) => [alert.id, alert.count])).toEqual(before.map((alert) => [alert.id, alert.count]));
  });

  it('when a batch has no event any stateful rule watches, then no state is read or written', async () => {
    const quiet = aksMessage([diagnosticRecord(auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'settings', auditID: 'q-1', time: '2026-11-23T10:05:00.000Z' }), { resourceId: RESOURCE_ID })]);
    const outcome = await processAuditBatch(auditBatch([quiet], { partitionId: '2' }), dependencies());
    expect(outcome.summary.stateful).toEqual({ candidates: 0, findings: 0, learning: 0, reads: 0, writes: 0 });
  });
});
