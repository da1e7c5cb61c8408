import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { container, controllerPodEvent, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isDeployment } from '../../predicates/deployments';
import { actingUsername, isSystemRequest } from '../../predicates/identities';
import { ownerEntities } from '../../predicates/podSpecWrites';
import { namespaceOf } from '../../predicates/requests';
import { normalizedUserAgent } from '../../predicates/userAgents';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** A week of learning from the start of a test cluster (the pipeline's default). */
const LEARNING = { learningPeriodInMs: 7 * 24 * 60 * 60 * 1000, learningStart: '2026-11-02T00:00:00Z' };

const CI_DEPLOYER = 'system:serviceaccount:ci:deployer';
const CI_KUBECTL = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
const DANA_KUBECTL = 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46';
const HELM = 'Helm/3.16.2';

/**
 * The client without its version: the product and, when the user agent names one, its `os/arch`
 * (`kubectl (linux/amd64)`, `Helm`). A kubectl or Helm upgrade is the same client; a script, another tool or
 * another operating system is not.
 */
function deployClientOf(event: AuditEvent): string | undefined {
  const normalized = normalizedUserAgent(event.userAgent);
  if (normalized === undefined) return undefined;
  const product = normalized.split(/[/ ]/, 1)[0] ?? normalized;
  const platform = / \(([^()]+)\)$/.exec(normalized)?.[1];
  return platform === undefined ? product : `${product} (${platform})`;
}

const webSpec = (image = 'contoso.azurecr.io/shop/web:1.4.2') => ({ containers: [container({ name: 'web', image })] });

/** How the cluster's deployers deployed during the learning week: the CI pipeline with kubectl on Linux, Dana with kubectl on her Mac and Helm. */
const learningWeek = [
  workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.4.2' }] } } } }, {
    user: CI_DEPLOYER,
    userAgent: CI_KUBECTL,
    sourceIP: '10.224.0.31',
    time: '2026-11-02T13:12:40.118532Z',
    auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a01',
  }),
  workloadEvent('deployments', webSpec(), { namespace: 'shop-staging', name: 'web', userAgent: DANA_KUBECTL, time: '2026-11-03T09:31:07.220114Z', auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a02' }),
  workloadEvent('statefulsets', webSpec('docker.io/library/redis:7.2'), { namespace: 'shop', name: 'cache', userAgent: HELM, time: '2026-11-04T16:48:52.901337Z', auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a03' }),
];

export const anomalousWorkloadDeploymentUserAgent = defineRule({
  id: 'anomalous-workload-deployment-user-agent',
  alertType: 'K8S_AnomalousWorkloadDeploymentUserAgent',
  displayName: 'Workload deployed with a client the identity never deployed with',
  description:
    'A user or workload that is not one of the cluster\'s own deployed a pod or pod controller with a client (user agent: product and ' +
    'platform, whatever the version) it never deployed with since Argus started watching the cluster. Pipelines deploy with the same tool ' +
    'every time and people with their own kubectl or Helm; a stolen token or kubeconfig is typically used from a script, another tool ' +
    'or another machine. A client upgrade (kubectl 1.31 to 1.32) is the same client. Silent while the cluster is learning (default 7 days).',
  severity: Severity.Low,
  intent: Intent.Execution,
  techniques: ['T1610', 'T1078', 'T1550.001'],
  remediation: [
    'Ask the identity\'s owner (or the pipeline\'s) whether they changed tools or machines; the alert names the client, the namespace and the workload.',
    'If not, treat the credential as stolen: revoke it (Entra ID sign-in, service account token, kubeconfig certificate), delete the workload and review what else the identity did.',
    'Bind deployment rights to the pipeline\'s workload identity rather than long-lived tokens, and keep people\'s rights to the namespaces they own.',
  ],
  falsePositives: [
    'A person deploying from a new laptop (another operating system or architecture) or with a new tool (Lens, k9s, a Helm plugin): one alert per identity and client.',
    'A pipeline migrated to another deployment tool (kubectl to Helm, Helm to Argo CD).',
  ],
  references: [
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html',
    'https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/',
    'https://attack.mitre.org/techniques/T1550/001/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['Execution:Kubernetes/AnomalousBehavior.WorkloadDeployed'],
    elastic: [],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) => isDeployment(event) && !isSystemRequest(event, context) && deployClientOf(event) !== undefined,
  stateful: {
    kind: 'firstSeen',
    subject: actingUsername,
    value: deployClientOf,
    valueName: 'client',
  },
  entities: (event) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event))],
  details: (event) => ({ deployedBy: actingUsername(event), client: deployClientOf(event) ?? '', userAgent: event.userAgent ?? '', namespace: namespaceOf(event) ?? '' }),
  dedupKey: (event) => `${actingUsername(event)}|${deployClientOf(event) ?? ''}`,
  examples: [
    {
      name: 'one deployment alone says nothing of which clients the identity used before (first-seen rules alert over time)',
      expect: 'none',
      event: workloadEvent('deployments', webSpec(), { namespace: 'shop', name: 'web', userAgent: 'python-requests/2.32.3' }),
    },
    {
      name: 'the replicaset controller creates a pod (a system identity)',
      expect: 'none',
      event: controllerPodEvent(webSpec(), { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-5d8c7f9b6' } }),
    },
  ],
  timelines: [
    {
      name: 'after a learning week deploying with kubectl on Linux, the CI pipeline\'s token deploys with a Python script',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('daemonsets', { containers: [container({ name: 'agent', image: 'docker.io/library/alpine:3.20' })] }, {
          namespace: 'shop',
          name: 'node-agent',
          user: CI_DEPLOYER,
          userAgent: 'python-requests/2.32.3',
          sourceIP: '198.51.100.77',
          time: '2026-11-10T02:17:45.660418Z',
          auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a04',
        }),
      ],
    },
    {
      name: 'after the learning week, Dana\'s account deploys with kubectl from a Linux machine',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('deployments', webSpec(), { namespace: 'shop', name: 'web', userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46', time: '2026-11-11T03:05:12.004219Z', auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a05' }),
      ],
    },
    {
      name: 'after the learning week: the pipeline\'s kubectl upgraded to 1.32, Dana with Helm and kubectl again, a controller\'s pod',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.4.3' }] } } } }, {
          user: CI_DEPLOYER,
          userAgent: 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9',
          sourceIP: '10.224.0.31',
          time: '2026-11-10T08:30:00.118204Z',
          auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a06',
        }),
        workloadEvent('statefulsets', webSpec('docker.io/library/redis:7.4'), { namespace: 'shop', name: 'cache', userAgent: 'Helm/3.17.0', time: '2026-11-10T08:41:19.302117Z', auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a07' }),
        workloadEvent('deployments', webSpec(), { namespace: 'shop', name: 'web', userAgent: DANA_KUBECTL, time: '2026-11-10T08:44:51.220931Z', auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a08' }),
        controllerPodEvent(webSpec(), { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-6c9d8b7f4' }, time: '2026-11-10T08:45:00.118204Z', auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a09' }),
      ],
    },
    {
      name: 'a new client during the learning week is learned, not reported',
      expect: 'none',
      ...LEARNING,
      events: [...learningWeek, workloadEvent('deployments', webSpec(), { namespace: 'shop', name: 'web', userAgent: 'k9s/0.32.5', time: '2026-11-08T10:00:03.771204Z', auditID: '8d3f6a21-5b7c-4e90-a2d8-3f1c9e6b7a0a' })],
    },
  ],
});
