import { createDetectionContext } from '../../../shared/detection/detectionContext';
import { mergeDetectionLists } from '../../../shared/detection/allowLists';
import { evaluateRules } from '../../../shared/detection/evaluateRules';
import { auditEvent } from '../../../shared/detection/exampleEvents';
import { Severity } from '../../../shared/detection/rule';
import { threatIntelIpApiCall } from '../../../shared/detection/rules/audit/threat-intel-ip-api-call';
import { compileThreatIntelMatcher, emptyThreatIntelMatcher } from '../../../shared/intel/threatIntelMatch';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { type ClusterIdentity } from '../../../shared/kubernetes/auditEvent';
import { recordOf, TEST_CLUSTER } from '../../support/ruleHarness';

const OTHER_CLUSTER = parseClusterResourceId(
  '/SUBSCRIPTIONS/0F3C5A7E-1B2D-4C6E-8F90-A1B2C3D4E5F6/RESOURCEGROUPS/RG-DEV/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-DEV-01',
) as ClusterIdentity;

const incidentSet = compileThreatIntelMatcher([{ name: 'incident-2026-11', ips: ['2001:db8:4f::17'], cidrs: ['198.51.100.0/24'] }]);

function secretsRead(sourceIPs: string[], auditID: string): Record<string, unknown> {
  return { ...auditEvent({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db-credentials', user: 'carl@contoso.com', auditID }), sourceIPs };
}

describe('threat-intel-ip-api-call', () => {
  it("when the same request comes to two subscriptions and only one lists its address, then only that subscription's event alerts, naming the set", () => {
    const event = secretsRead(['10.224.0.4', '198.51.100.23'], 'a1');
    const records = [recordOf(event, 0), { ...recordOf(event, 1), cluster: OTHER_CLUSTER }];

    const result = evaluateRules(records, {
      rules: [threatIntelIpApiCall],
      customThreatIntelOf: (subscriptionId) => (subscriptionId === TEST_CLUSTER.subscriptionId ? incidentSet : emptyThreatIntelMatcher),
    });

    expect(result.findings.map((finding) => finding.record.cluster.subscriptionId)).toEqual([TEST_CLUSTER.subscriptionId]);
    expect(result.findings[0]?.details).toMatchObject({
      sourceIp: '198.51.100.23',
      threatIntelList: 'incident-2026-11',
      threatIntelListKind: 'custom',
      listEntry: '198.51.100.0/24',
    });
    expect(result.findings[0]?.severity).toBe(Severity.High);
  });

  it('when the caller is an IPv6 address of a custom set, then it alerts with the address in RFC 5952 form', () => {
    const result = evaluateRules([recordOf(secretsRead(['2001:0db8:004f:0000:0000:0000:0000:0017'], 'a2'))], {
      rules: [threatIntelIpApiCall],
      customThreatIntelOf: () => incidentSet,
    });
    expect(result.findings[0]?.details).toMatchObject({ sourceIp: '2001:db8:4f::17', threatIntelList: 'incident-2026-11', listEntry: '2001:db8:4f::17' });
  });

  it('when an address is both in a custom set and on the bundled list, then the custom set is named', () => {
    const context = createDetectionContext(mergeDetectionLists({ threatIntelAddresses: ['198.51.100.23'] }));
    const result = evaluateRules([recordOf(secretsRead(['198.51.100.23'], 'a3'))], { rules: [threatIntelIpApiCall], context, customThreatIntelOf: () => incidentSet });
    expect(result.findings[0]?.details).toMatchObject({ threatIntelList: 'incident-2026-11', threatIntelListKind: 'custom' });
  });

  it('when the caller is on the bundled list only, then the bundled list and its entry are named', () => {
    const result = evaluateRules([recordOf(secretsRead(['45.9.148.35'], 'a4'))], { rules: [threatIntelIpApiCall] });
    expect(result.findings[0]?.details).toMatchObject({ sourceIp: '45.9.148.35', threatIntelList: 'threatIntelAddresses', threatIntelListKind: 'bundled', listEntry: '45.9.148.35' });
  });

  it('when the listed address is only a later hop after a public client address, then nothing alerts (the first public address is the caller)', () => {
    const result = evaluateRules([recordOf(secretsRead(['20.42.65.92', '198.51.100.23'], 'a5'))], { rules: [threatIntelIpApiCall], customThreatIntelOf: () => incidentSet });
    expect(result.findings).toEqual([]);
  });

  it('when a refused request comes from a listed address, then it alerts at Low severity', () => {
    const refused = { ...secretsRead(['198.51.100.23'], 'a6'), responseStatus: { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 } };
    const result = evaluateRules([recordOf(refused)], { rules: [threatIntelIpApiCall], customThreatIntelOf: () => incidentSet });
    expect(result.findings[0]?.severity).toBe(Severity.Low);
  });
});
