import { type AuditRecord, AuditStage } from '../../../shared/kubernetes/auditEvent';
import { evidenceIdOf } from '../../../shared/detection/detectionRecord';
import { auditEvent } from '../../../shared/detection/exampleEvents';
import { requestEntities } from '../../../shared/detection/requestEntities';
import { defineRule, Intent, type AuditRuleDefinition, Severity } from '../../../shared/detection/rule';
import { evaluateRules } from '../../../shared/detection/evaluateRules';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { evaluate, recordOf, TEST_CLUSTER } from '../../support/ruleHarness';

function testRule(overrides: Partial<AuditRuleDefinition>): ReturnType<typeof defineRule> {
  return defineRule({
    id: 'test-rule',
    alertType: 'K8S_Test',
    displayName: 'Test rule',
    description: 'A rule used by the engine tests.',
    severity: Severity.Low,
    intent: Intent.Execution,
    techniques: [],
    remediation: ['none'],
    falsePositives: ['none'],
    references: ['https://example.com'],
    equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
    match: (event) => event.verb === 'create',
    entities: requestEntities,
    dedupKey: (event) => event.user.username,
    examples: [],
    ...overrides,
  });
}

const create = (auditID: string, stage?: AuditStage) => auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop', auditID, ...(stage ? { stage } : {}) });

describe('evaluateRules', () => {
  it('when a rule throws on one event, then the failure is reported with rule and audit id and the other events and rules still run', () => {
    const throwing = testRule({
      id: 'throws',
      match: (event) => {
        if (event.auditID === 'bad') throw new Error('boom');
        return true;
      },
    });
    const healthy = testRule({ id: 'healthy' });
    const result = evaluate([throwing, healthy], [create('bad'), create('good')]);
    expect(result.failures).toEqual([{ ruleId: 'throws', auditId: 'bad', message: 'boom' }]);
    expect(result.findings.map((f) => `${f.rule.id}:${evidenceIdOf(f.record)}`)).toEqual(['healthy:bad', 'throws:good', 'healthy:good']);
    expect(result.stats.ruleFailures).toBe(1);
    expect(result.stats.findingsByRule).toEqual({ healthy: 2, throws: 1 });
  });

  it('when a rule looks only at ResponseComplete, then the other stages of the request are ignored', () => {
    const result = evaluate([testRule({})], [create('r1', AuditStage.RequestReceived), create('r1', AuditStage.ResponseStarted), create('r1')]);
    expect(result.findings).toHaveLength(1);
    expect((result.findings[0]?.record as AuditRecord | undefined)?.event.stage).toBe(AuditStage.ResponseComplete);
  });

  it('when a streaming rule sees both ResponseStarted and ResponseComplete of one request, then it is counted once', () => {
    const rule = testRule({ stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete] });
    const result = evaluate([rule], [create('s1', AuditStage.ResponseStarted), create('s1', AuditStage.ResponseComplete), create('s2', AuditStage.ResponseComplete)]);
    expect(result.findings.map((f) => evidenceIdOf(f.record))).toEqual(['s1', 's2']);
  });

  it('when two clusters log a request with the same audit id at both stages, then a streaming rule counts it once per cluster', () => {
    const rule = testRule({ stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete] });
    const other = parseClusterResourceId(TEST_CLUSTER.resourceId.replace(/managedClusters\/[^/]+$/i, 'managedClusters/other'));
    if (other === undefined) throw new Error('the other cluster id does not parse');
    const records = [create('s1', AuditStage.ResponseStarted), create('s1', AuditStage.ResponseComplete)].flatMap((raw, index) => {
      const record = recordOf(raw, index);
      return [record, { ...record, cluster: other }];
    });
    const result = evaluateRules(records, { rules: [rule] });
    expect(result.findings.map((f) => `${f.record.cluster.clusterName}:${evidenceIdOf(f.record)}`)).toEqual([`${TEST_CLUSTER.clusterName}:s1`, 'other:s1']);
  });

  it('when the same event arrives twice in a batch (kube-audit and kube-audit-admin), then it is evaluated once', () => {
    const result = evaluate([testRule({})], [create('d1'), create('d1')]);
    expect(result.findings).toHaveLength(1);
    expect(result.stats.duplicateEvents).toBe(1);
  });

  it('when a rule sets a severity per request, then the finding carries it', () => {
    const rule = testRule({ severityFor: (event) => (event.objectRef?.namespace === 'kube-system' ? Severity.High : Severity.Low) });
    const result = evaluate([rule], [auditEvent({ verb: 'create', resource: 'pods', namespace: 'kube-system', auditID: 'k' }), create('n')]);
    expect(result.findings.map((f) => f.severity)).toEqual([Severity.High, Severity.Low]);
  });

  it('when a rule names its resources, then it is offered only requests for them, while rules without resources see every request', () => {
    const seen: string[] = [];
    const podsOnly = testRule({ id: 'pods-only', resources: ['pods'], match: (event) => (seen.push(`pods-only:${event.auditID}`), true) });
    const anything = testRule({ id: 'anything', match: (event) => (seen.push(`anything:${event.auditID}`), false) });
    evaluate([podsOnly, anything], [
      create('p1'),
      auditEvent({ verb: 'update', resource: 'leases', namespace: 'kube-node-lease', auditID: 'l1' }),
      auditEvent({ verb: 'get', auditID: 'n1', requestURI: '/healthz' }),
    ]);
    expect(seen).toEqual(['pods-only:p1', 'anything:p1', 'anything:l1', 'anything:n1']);
  });
});
