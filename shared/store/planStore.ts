import type { Database } from '@azure/cosmos';
import { readerGrantCommand } from '../posture/noReadAccess';

/**
 * A subscription's plan: whether Argus raises alerts for its clusters. One document per subscription in
 * the `plans` container (id = partition key = subscription id). Ingestion raises alerts only while the
 * plan is enabled and only for activity at or after `enabledAtUtc`.
 */
export interface Plan {
  id: string;
  subscriptionId: string;
  enabled: boolean;
  /** When the plan last turned on; kept unchanged while it stays on (re-enabling after a disable sets a new one). */
  enabledAtUtc?: string;
  /** When the plan last turned off. */
  disabledAtUtc?: string;
  /** The owner opted in to the scheduled attack simulation (the pipeline's canary); off unless set. */
  scheduledSimulation?: boolean;
  updatedAtUtc: string;
  updatedBy: { principalId: string; principalName: string };
}

export interface PlanChange {
  enabled: boolean;
  /** Absent: as it was. */
  scheduledSimulation?: boolean;
  by: { principalId: string; principalName: string };
  now: Date;
}

const CONTAINER = 'plans';

/** The subscription's plan, or undefined when it was never set (which reads as disabled). */
export async function getPlan(database: Database, subscriptionId: string): Promise<Plan | undefined> {
  const { resource } = await database.container(CONTAINER).item(subscriptionId, subscriptionId).read<Plan>();
  return resource === undefined ? undefined : toPlan(resource);
}

export async function upsertPlan(database: Database, plan: Plan): Promise<Plan> {
  const { resource } = await database.container(CONTAINER).items.upsert<Plan>(plan);
  return toPlan(resource ?? plan);
}

/**
 * The plan after a change (pure). Turning on stamps `enabledAtUtc`; asking for "on" while already on keeps
 * it, so a repeated PUT does not move the point from which activity is alerted on. Turning off stamps
 * `disabledAtUtc`; the last `enabledAtUtc` stays as history.
 */
export function changePlan(subscriptionId: string, current: Plan | undefined, change: PlanChange): Plan {
  const now = change.now.toISOString();
  const wasEnabled = current?.enabled === true;
  const enabledAtUtc = change.enabled && !wasEnabled ? now : current?.enabledAtUtc;
  const disabledAtUtc = !change.enabled && wasEnabled ? now : current?.disabledAtUtc;
  const scheduledSimulation = change.scheduledSimulation ?? current?.scheduledSimulation;
  return {
    id: subscriptionId,
    subscriptionId,
    enabled: change.enabled,
    ...(enabledAtUtc === undefined ? {} : { enabledAtUtc }),
    ...(disabledAtUtc === undefined ? {} : { disabledAtUtc }),
    ...(scheduledSimulation === undefined ? {} : { scheduledSimulation }),
    updatedAtUtc: now,
    updatedBy: { principalId: change.by.principalId, principalName: change.by.principalName },
  };
}

/** Every enabled plan whose owner opted in to the scheduled simulation (a cross-partition query: the timer's, once per run). */
export async function listPlansWithScheduledSimulation(database: Database): Promise<Plan[]> {
  const { resources } = await database
    .container(CONTAINER)
    .items.query<Plan>({ query: 'SELECT * FROM c WHERE c.enabled = true AND c.scheduledSimulation = true' })
    .fetchAll();
  return resources.map(toPlan);
}

/** The plan's own fields only: Cosmos system properties never leave the store. */
function toPlan(document: Plan): Plan {
  return {
    id: document.id,
    subscriptionId: document.subscriptionId,
    enabled: document.enabled,
    ...(document.enabledAtUtc === undefined ? {} : { enabledAtUtc: document.enabledAtUtc }),
    ...(document.disabledAtUtc === undefined ? {} : { disabledAtUtc: document.disabledAtUtc }),
    ...(document.scheduledSimulation === undefined ? {} : { scheduledSimulation: document.scheduledSimulation }),
    updatedAtUtc: document.updatedAtUtc,
    updatedBy: { principalId: document.updatedBy.principalId, principalName: document.updatedBy.principalName },
  };
}

/** How an owner streams their clusters' audit logs to Argus: returned with the plan. */
export interface PlanOnboarding {
  eventHubName: string;
  /** The Event Hubs namespace host name, when the deployment configured it. */
  eventHubNamespace?: string;
  diagnosticCategories: { category: string; recommended: boolean; description: string }[];
  /** An Azure CLI command line for one AKS cluster, with `<...>` placeholders to fill in. */
  azureCliCommand: string;
  /** How to let Argus read the clusters' configuration (the posture assessments): a Reader grant for its identity. */
  clusterConfigurationAccess: { description: string; azureCliCommands: string[] };
}

export interface OnboardingSettings {
  eventHubName: string;
  fullyQualifiedNamespace?: string;
}

/** What GET and PUT say about the plan's subscription, beside the audit hub settings. */
export interface OnboardingSubject {
  subscriptionId: string;
}

/** What GET and PUT of the plan return: the plan without its id, with the onboarding instructions. */
export type PlanView = Omit<Plan, 'id' | 'updatedAtUtc' | 'updatedBy'> & Partial<Pick<Plan, 'updatedAtUtc' | 'updatedBy'>> & { onboarding: PlanOnboarding };

/** The plan as the API returns it (pure); a plan never set reads as disabled, with nothing else. */
export function toPlanView(subscriptionId: string, plan: Plan | undefined, settings: OnboardingSettings): PlanView {
  const { id: _id, ...fields } = plan ?? { id: subscriptionId, subscriptionId, enabled: false };
  return { ...fields, onboarding: describeOnboarding(settings, { subscriptionId }) };
}

/** The onboarding instructions for the configured audit hub and the subscription (pure). */
export function describeOnboarding(settings: OnboardingSettings, subject: OnboardingSubject): PlanOnboarding {
  const namespaceName = settings.fullyQualifiedNamespace?.split('.')[0];
  const rule = `<resource id of the Event Hubs namespace${namespaceName === undefined ? '' : ` ${namespaceName}`}>/authorizationRules/RootManageSharedAccessKey`;
  return {
    eventHubName: settings.eventHubName,
    ...(settings.fullyQualifiedNamespace === undefined ? {} : { eventHubNamespace: settings.fullyQualifiedNamespace }),
    diagnosticCategories: [
      { category: 'kube-audit-admin', recommended: true, description: 'Audit events of every request except get and list (lower volume).' },
      { category: 'kube-audit', recommended: false, description: 'Every audit event, reads (get, list, watch) included; choose instead of kube-audit-admin to detect reads such as secret listing.' },
    ],
    azureCliCommand:
      'az monitor diagnostic-settings create --name argus-kube-audit --resource <resource id of the AKS cluster> ' +
      `--event-hub ${settings.eventHubName} --event-hub-rule "${rule}" ` +
      `--logs '[{"category":"kube-audit-admin","enabled":true}]'`,
    clusterConfigurationAccess: {
      description:
        'The cluster configuration assessments read the managed clusters through Azure Resource Graph and ARM with the Argus function app\'s managed identity. ' +
        'Grant it Reader on the subscription (or a management group above it); until then the assessments say NotApplicable with cause noReadAccess.',
      azureCliCommands: [
        'az deployment group show --resource-group <resource group of Argus> --name <Argus deployment> --query properties.outputs.FUNCTION_APP_PRINCIPAL_ID.value --output tsv',
        readerGrantCommand(subject.subscriptionId),
      ],
    },
  };
}
