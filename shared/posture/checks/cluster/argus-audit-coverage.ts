import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { type ArmJson, type CheckOutcome, type ClusterFacts, defineClusterCheck } from '../../clusterCheck';
import {
  EXAMPLE_ARGUS_EVENT_HUB_NAMESPACE_ID,
  EXAMPLE_CLUSTER_ID,
  EXAMPLE_CLUSTER_NOW,
  EXAMPLE_LOG_ANALYTICS_WORKSPACE_ID,
  EXAMPLE_SUBSCRIPTION_ID,
  exampleAuditDiagnosticSetting,
  hardenedCluster,
  hardenedClusterFacts,
} from '../../exampleClusters';
import { arrayAt, booleanAt, stringAt } from '../../managedClusterFields';

/** The AKS diagnostic categories that carry Kubernetes audit events. */
const AUDIT_CATEGORIES = ['kube-audit', 'kube-audit-admin'] as const;
/** Category groups that include both audit categories. */
const AUDIT_CATEGORY_GROUPS = new Set(['alllogs', 'audit']);
/** Argus must have received an audit event of the cluster within this window before `facts.now`. */
export const AUDIT_EVENT_WINDOW_IN_MS = 24 * 60 * 60 * 1000;

interface AuditRoute {
  setting: string;
  categories: string[];
  /** Where the audit categories go: `eventhub:<namespace rule id>/<hub>`, `workspace`, `storage`, `partner`. */
  destinations: string[];
  toArgus: boolean;
}

/** The audit categories a diagnostic setting sends (enabled log entries by category or by category group). */
function streamedAuditCategories(setting: ArmJson): string[] {
  const found = new Set<string>();
  for (const log of arrayAt(setting, 'properties', 'logs')) {
    if (booleanAt(log, 'enabled') !== true) continue;
    const category = stringAt(log, 'category')?.toLowerCase();
    const group = stringAt(log, 'categoryGroup')?.toLowerCase();
    if (category !== undefined && (AUDIT_CATEGORIES as readonly string[]).includes(category)) found.add(category);
    if (group !== undefined && AUDIT_CATEGORY_GROUPS.has(group)) AUDIT_CATEGORIES.forEach((c) => found.add(c));
  }
  return [...found].sort();
}

/**
 * The hubs a setting writes the audit categories to: its `eventHubName`, or, when none is set, Azure Monitor's default of one
 * hub per category named `insights-logs-<category>` (Argus's default hub name is `insights-logs-kube-audit` for that reason).
 */
function hubNames(setting: ArmJson, categories: readonly string[]): string[] {
  const named = stringAt(setting, 'properties', 'eventHubName');
  return named !== undefined && named.trim() !== '' ? [named] : categories.map((category) => `insights-logs-${category}`);
}

function isUnderNamespace(ruleId: string, namespaceResourceId: string): boolean {
  return ruleId.toLowerCase().startsWith(`${namespaceResourceId.toLowerCase().replace(/(?<!\/)\/+$/, '')}/`);
}

function auditRoute(setting: ArmJson, hub: NonNullable<ClusterFacts['argusAuditHub']>): AuditRoute | undefined {
  const categories = streamedAuditCategories(setting);
  if (categories.length === 0) return undefined;
  const ruleId = stringAt(setting, 'properties', 'eventHubAuthorizationRuleId');
  const hubs = ruleId === undefined ? [] : hubNames(setting, categories);
  const destinations = [
    ...hubs.map((name) => `eventhub:${ruleId ?? ''}/${name}`),
    ...(stringAt(setting, 'properties', 'workspaceId') === undefined ? [] : ['workspace']),
    ...(stringAt(setting, 'properties', 'storageAccountId') === undefined ? [] : ['storage']),
    ...(stringAt(setting, 'properties', 'marketplacePartnerId') === undefined ? [] : ['partner']),
  ];
  const toArgus =
    ruleId !== undefined &&
    (hub.namespaceResourceId === undefined || isUnderNamespace(ruleId, hub.namespaceResourceId)) &&
    hubs.some((name) => name.toLowerCase() === hub.eventHubName.toLowerCase());
  return { setting: stringAt(setting, 'name') ?? '(unnamed)', categories, destinations, toArgus };
}

function describeRoutes(routes: readonly AuditRoute[]): string {
  return routes.length === 0 ? '(none)' : routes.map((r) => `${r.setting}: ${r.categories.join('+')} -> ${r.destinations.join(', ') || '(no destination)'}`).join('; ');
}

function evaluateCoverage(facts: ClusterFacts): CheckOutcome {
  if (facts.diagnosticSettings === undefined) {
    return {
      code: AssessmentStatusCode.NotApplicable,
      cause: 'noReadAccess',
      description: 'The cluster\'s diagnostic settings could not be read: grant Argus Reader (microsoft.insights/diagnosticSettings/read) on the cluster.',
      additionalData: { 'facts.diagnosticSettings': '(unreadable)' },
    };
  }
  if (facts.argusAuditHub === undefined) {
    return {
      code: AssessmentStatusCode.NotApplicable,
      cause: 'argusHubUnknown',
      description: 'Argus\'s audit Event Hub is not known to the evaluation.',
      additionalData: { 'facts.argusAuditHub': '(absent)' },
    };
  }
  const hub = facts.argusAuditHub;
  const settings = facts.diagnosticSettings.filter((setting): setting is ArmJson => typeof setting === 'object' && setting !== null && !Array.isArray(setting));
  const routes = settings.map((setting) => auditRoute(setting, hub)).filter((route): route is AuditRoute => route !== undefined);
  const additionalData: Record<string, string> = {
    'facts.diagnosticSettings': `${settings.length} setting(s)`,
    'properties.logs[kube-audit|kube-audit-admin]': describeRoutes(routes),
    'facts.argusAuditHub': `${hub.namespaceResourceId ?? '(any namespace)'}/${hub.eventHubName}`,
  };
  if (routes.length === 0) {
    return { code: AssessmentStatusCode.Unhealthy, cause: 'notStreamed', description: 'No diagnostic setting sends kube-audit or kube-audit-admin anywhere.', additionalData };
  }
  if (!routes.some((route) => route.toArgus)) {
    return {
      code: AssessmentStatusCode.Unhealthy,
      cause: 'streamedElsewhere',
      description: `Audit logs are sent (${describeRoutes(routes)}) but not to Argus's hub ${hub.eventHubName}.`,
      additionalData,
    };
  }
  const now = Date.parse(facts.now);
  if (Number.isNaN(now)) {
    return { code: AssessmentStatusCode.NotApplicable, cause: 'invalidTime', description: `facts.now (${facts.now}) is not a time.`, additionalData };
  }
  additionalData['facts.lastAuditEventUtc'] = facts.lastAuditEventUtc ?? '(never)';
  const last = facts.lastAuditEventUtc === undefined ? Number.NaN : Date.parse(facts.lastAuditEventUtc);
  if (Number.isNaN(last) || now - last > AUDIT_EVENT_WINDOW_IN_MS) {
    return {
      code: AssessmentStatusCode.Unhealthy,
      cause: 'noRecentEvents',
      description:
        facts.lastAuditEventUtc === undefined
          ? 'The diagnostic setting streams to Argus, but Argus has never received an audit event of this cluster.'
          : `The diagnostic setting streams to Argus, but its last audit event arrived at ${facts.lastAuditEventUtc}, more than 24 hours ago.`,
      additionalData,
    };
  }
  return { code: AssessmentStatusCode.Healthy, description: 'Audit logs stream to Argus and arrived within the last 24 hours.', additionalData };
}

const otherNamespace = `/subscriptions/${EXAMPLE_SUBSCRIPTION_ID}/resourcegroups/rg-siem/providers/Microsoft.EventHub/namespaces/evhns-siem`;

export const argusAuditCoverage = defineClusterCheck({
  name: 'argus-audit-coverage',
  displayName: 'Kubernetes audit logs should stream to Argus',
  description:
    'Argus detects threats from the cluster\'s Kubernetes audit log, which AKS sends only through a diagnostic setting: ' +
    'kube-audit-admin (writes) or kube-audit (everything, reads included) streamed to Argus\'s Event Hub. Without that setting, ' +
    'or when nothing has arrived for a day (setting deleted, hub or authorization rule changed, cluster stopped), Argus sees ' +
    'nothing of the cluster and raises no alert. AKS writes leases and events constantly, so a running cluster always has recent ' +
    'audit events.',
  remediationDescription:
    'Create the diagnostic setting (the plan\'s onboarding answer gives the exact values): `az monitor diagnostic-settings create ' +
    '--name argus-kube-audit --resource <cluster resource id> --event-hub <Argus audit hub> --event-hub-rule <namespace id>/authorizationRules/<send rule> ' +
    '--logs \'[{"category":"kube-audit-admin","enabled":true}]\'`; if it exists, check that the hub and rule are Argus\'s and that the cluster is running.',
  // Defender rates its own coverage recommendation (Defender profile) High and its diagnostic-logs one Low; this is
  // Argus's coverage: without it no detection runs for the cluster.
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.MissingCoverage],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  equivalents: {
    defender: ['Azure Kubernetes Service clusters should have Defender profile enabled', 'Diagnostic logs in Kubernetes services should be enabled'],
    prowler: [],
    checkov: [],
    trivy: [],
    cisAks: ['2.1.1'],
  },
  references: [
    'https://learn.microsoft.com/azure/aks/monitor-aks',
    'https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  readsFactsOnly: true,
  evaluate: (_cluster, facts) => evaluateCoverage(facts),
  examples: [
    { name: 'kube-audit-admin streams to Argus\'s hub and an event arrived an hour ago', expect: 'Healthy', cluster: hardenedCluster(), facts: hardenedClusterFacts() },
    {
      name: 'the allLogs group to the namespace with no hub name (Azure Monitor\'s insights-logs-* hubs; Argus reads insights-logs-kube-audit)',
      expect: 'Healthy',
      cluster: hardenedCluster(),
      facts: {
        ...hardenedClusterFacts(),
        diagnosticSettings: [
          {
            id: `${EXAMPLE_CLUSTER_ID}/providers/microsoft.insights/diagnosticSettings/all-to-hub`,
            type: 'Microsoft.Insights/diagnosticSettings',
            name: 'all-to-hub',
            properties: {
              eventHubAuthorizationRuleId: `${EXAMPLE_ARGUS_EVENT_HUB_NAMESPACE_ID}/authorizationrules/aks-diagnostics-send`,
              eventHubName: null,
              logs: [{ category: null, categoryGroup: 'allLogs', enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
              metrics: [],
            },
          },
        ],
        argusAuditHub: { eventHubName: 'insights-logs-kube-audit', namespaceResourceId: EXAMPLE_ARGUS_EVENT_HUB_NAMESPACE_ID },
      },
    },
    { name: 'no diagnostic setting at all', expect: 'Unhealthy', cluster: hardenedCluster(), facts: { ...hardenedClusterFacts(), diagnosticSettings: [] } },
    {
      name: 'a setting that streams only kube-apiserver',
      expect: 'Unhealthy',
      cluster: hardenedCluster(),
      facts: { ...hardenedClusterFacts(), diagnosticSettings: [exampleAuditDiagnosticSetting(['kube-apiserver'])] },
    },
    {
      name: 'kube-audit to Log Analytics only',
      expect: 'Unhealthy',
      cluster: hardenedCluster(),
      facts: {
        ...hardenedClusterFacts(),
        diagnosticSettings: [
          {
            id: `${EXAMPLE_CLUSTER_ID}/providers/microsoft.insights/diagnosticSettings/to-law`,
            type: 'Microsoft.Insights/diagnosticSettings',
            name: 'to-law',
            properties: {
              workspaceId: EXAMPLE_LOG_ANALYTICS_WORKSPACE_ID,
              logs: [{ category: 'kube-audit', categoryGroup: null, enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
              metrics: [],
              logAnalyticsDestinationType: 'Dedicated',
            },
          },
        ],
      },
    },
    {
      name: 'kube-audit-admin to a hub of the same name in another namespace (a SIEM\'s)',
      expect: 'Unhealthy',
      cluster: hardenedCluster(),
      facts: { ...hardenedClusterFacts(), diagnosticSettings: [exampleAuditDiagnosticSetting(['kube-audit-admin'], 'aks-audit', otherNamespace)] },
    },
    {
      name: 'the setting streams to Argus but the last audit event is three days old',
      expect: 'Unhealthy',
      cluster: hardenedCluster(),
      facts: { ...hardenedClusterFacts(), lastAuditEventUtc: '2026-10-30T09:00:00Z' },
    },
    { name: 'the diagnostic settings could not be read', expect: 'NotApplicable', cluster: hardenedCluster(), facts: { now: EXAMPLE_CLUSTER_NOW } },
  ],
});
