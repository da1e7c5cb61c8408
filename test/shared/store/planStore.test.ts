import { changePlan, describeOnboarding, type Plan, toPlanView } from '../../../shared/store/planStore';

const SUB = '6b1f3c2a-0d4e-4f5a-8b7c-9d0e1f2a3b4c';
const by = { principalId: '11111111-1111-4111-8111-111111111111', principalName: 'Olivia Owner' };
const at = (iso: string): Date => new Date(iso);

describe('changePlan', () => {
  it('when a never-enabled plan is switched off, then it is off with no enabled or disabled time', () => {
    const plan = changePlan(SUB, undefined, { enabled: false, by, now: at('2026-11-22T10:00:00Z') });
    expect(plan).toEqual({ id: SUB, subscriptionId: SUB, enabled: false, updatedAtUtc: '2026-11-22T10:00:00.000Z', updatedBy: by });
  });

  it('when an enabled plan is switched off, then disabledAtUtc is stamped and the last enabledAtUtc is kept as history', () => {
    const on = changePlan(SUB, undefined, { enabled: true, by, now: at('2026-11-22T10:00:00Z') });
    const off = changePlan(SUB, on, { enabled: false, by, now: at('2026-11-22T11:00:00Z') });
    expect(off).toMatchObject({ enabled: false, enabledAtUtc: '2026-11-22T10:00:00.000Z', disabledAtUtc: '2026-11-22T11:00:00.000Z' });
  });

  it('when a disabled plan is switched off again, then disabledAtUtc does not move', () => {
    const off: Plan = { id: SUB, subscriptionId: SUB, enabled: false, disabledAtUtc: '2026-11-22T11:00:00.000Z', updatedAtUtc: '2026-11-22T11:00:00.000Z', updatedBy: by };
    expect(changePlan(SUB, off, { enabled: false, by, now: at('2026-11-22T12:00:00Z') }).disabledAtUtc).toBe('2026-11-22T11:00:00.000Z');
  });
});

describe('describeOnboarding', () => {
  it('when no namespace is configured, then the command keeps a placeholder for it and names the hub and the recommended category', () => {
    const { azureCliCommand, eventHubNamespace } = describeOnboarding({ eventHubName: 'insights-logs-kube-audit' }, { subscriptionId: SUB });
    expect(eventHubNamespace).toBeUndefined();
    expect(azureCliCommand).toBe(
      'az monitor diagnostic-settings create --name argus-kube-audit --resource <resource id of the AKS cluster> ' +
        '--event-hub insights-logs-kube-audit --event-hub-rule "<resource id of the Event Hubs namespace>/authorizationRules/RootManageSharedAccessKey" ' +
        `--logs '[{"category":"kube-audit-admin","enabled":true}]'`,
    );
  });
});

describe('toPlanView', () => {
  const settings = { eventHubName: 'insights-logs-kube-audit', fullyQualifiedNamespace: 'argus-audit.servicebus.windows.net' };

  it('when the plan was never set, then it reads as disabled with only the subscription and the onboarding instructions', () => {
    expect(toPlanView(SUB, undefined, settings)).toEqual({ subscriptionId: SUB, enabled: false, onboarding: describeOnboarding(settings, { subscriptionId: SUB }) });
  });

  it('when the plan is set, then it is the plan without its id, with the onboarding instructions', () => {
    const plan = changePlan(SUB, undefined, { enabled: true, by, now: at('2026-11-22T10:00:00Z') });
    const { id: _id, ...fields } = plan;
    expect(toPlanView(SUB, plan, settings)).toEqual({ ...fields, onboarding: describeOnboarding(settings, { subscriptionId: SUB }) });
    expect(toPlanView(SUB, plan, settings)).not.toHaveProperty('id');
  });
});

describe('describeOnboarding: cluster configuration access', () => {
  it('when the onboarding is described, then it says how to find the app identity and grant it Reader on this subscription', () => {
    const { clusterConfigurationAccess } = describeOnboarding({ eventHubName: 'insights-logs-kube-audit' }, { subscriptionId: SUB });
    expect(clusterConfigurationAccess.description).toContain('noReadAccess');
    expect(clusterConfigurationAccess.azureCliCommands[0]).toContain('FUNCTION_APP_PRINCIPAL_ID');
    expect(clusterConfigurationAccess.azureCliCommands[1]).toBe(
      `az role assignment create --assignee <principal id of the Argus function app's managed identity> --role Reader --scope /subscriptions/${SUB}`,
    );
  });
});
