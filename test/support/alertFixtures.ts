import { aggregateFindings } from '../../shared/alerts/aggregateFindings';
import { type Alert, AlertStatus } from '../../shared/alerts/alert';
import { createAlertId } from '../../shared/alerts/alertId';
import { auditEvent, container, podObject } from '../../shared/detection/exampleEvents';
import { privilegedContainer } from '../../shared/detection/rules/audit/privileged-container';
import { type Severity } from '../../shared/detection/rule';
import { evaluate, TEST_CLUSTER } from './ruleHarness';

/** The subscription of the rule harness's test cluster. */
export const ALERT_SUBSCRIPTION = TEST_CLUSTER.subscriptionId;

/** A real alert, as the pipeline builds it: a privileged pod created on the test cluster. */
export function templateAlert(): Alert {
  template ??= buildTemplateAlert();
  return structuredClone(template);
}

let template: Alert | undefined;

function buildTemplateAlert(): Alert {
  const event = auditEvent({
    verb: 'create',
    resource: 'pods',
    namespace: 'shop',
    auditID: 'c0ffee00-0000-4000-8000-000000000001',
    time: '2026-11-02T10:15:30.123Z',
    user: 'dana@contoso.com',
    requestObject: podObject({ containers: [container({ securityContext: { privileged: true } })] }),
  });
  const [alert] = aggregateFindings(evaluate([privilegedContainer], [event]).findings, { windowInMs: 60 * 60 * 1000, now: new Date('2026-11-02T12:00:00Z') });
  if (alert === undefined) throw new Error('the privileged container example raised no alert');
  return alert;
}

const STATUSES = Object.values(AlertStatus);
const SEVERITIES: Severity[] = ['High', 'Medium', 'Low', 'Informational'];
const CLUSTERS = ['aks-prod-01', 'aks-dev-02'];
const ALERT_TYPES = ['K8S_PrivilegedContainer', 'K8S_ExposedDashboard'];

/**
 * The `index`-th of a set of varied alerts of the template: three alerts share each start time and time
 * raised (so the id breaks ties), and status, severity, cluster, type and simulation vary independently.
 * The time raised lags the start by 0.5 to 8 minutes, varying by group so that the list order (by time
 * raised) differs from the order by start time: most groups are listed after the group that started a
 * minute earlier, because it was raised later.
 */
export function variedAlert(index: number, subscriptionId = ALERT_SUBSCRIPTION): Alert {
  const template = templateAlert();
  const clusterName = CLUSTERS[index % 2] as string;
  const clusterResourceId = `/subscriptions/${subscriptionId}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/${clusterName}`;
  const group = Math.floor(index / 3);
  const startInMs = Date.parse('2026-11-02T10:00:00.000Z') - group * 60_000;
  const raisedInMs = startInMs + 30_000 + (group % 4) * 150_000;
  const windowStartUtc = new Date(startInMs - (startInMs % 3_600_000)).toISOString();
  const id = createAlertId({ subscriptionId, clusterResourceId, ruleId: template.ruleId, dedupKey: `variant-${index}`, windowStartUtc });
  return {
    ...template,
    id,
    systemAlertId: id,
    subscriptionId,
    alertType: ALERT_TYPES[index % 5 === 0 ? 1 : 0] as string,
    severity: SEVERITIES[index % 4] as Severity,
    status: STATUSES[Math.floor(index / 2) % 4] as AlertStatus,
    startTimeUtc: new Date(startInMs).toISOString(),
    endTimeUtc: new Date(startInMs + 5 * 60_000).toISOString(),
    timeGeneratedUtc: new Date(raisedInMs).toISOString(),
    windowStartUtc,
    compromisedEntity: clusterName,
    clusterResourceId,
    resourceIdentifiers: [{ type: 'AzureResource', azureResourceId: clusterResourceId }],
    entities: [{ type: 'K8s-cluster', name: clusterName }, ...template.entities.slice(1)],
    isSimulated: index % 10 === 7,
  };
}

export function variedAlerts(count: number, subscriptionId = ALERT_SUBSCRIPTION): Alert[] {
  return Array.from({ length: count }, (_, index) => variedAlert(index, subscriptionId));
}

/** The list order: most recently raised first (by timeGeneratedUtc), then by id (descending). */
export function newestFirst(a: Alert, b: Alert): number {
  if (a.timeGeneratedUtc !== b.timeGeneratedUtc) return a.timeGeneratedUtc < b.timeGeneratedUtc ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
