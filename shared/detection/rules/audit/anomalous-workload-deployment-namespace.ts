import { WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { container, controllerPodEvent, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isDeployment } from '../../predicates/deployments';
import { actingUsername, isSystemRequest } from '../../predicates/identities';
import { ownerEntities } from '../../predicates/podSpecWrites';
import { namespaceOf } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** A week of learning from the start of a test cluster (the pipeline's default). */
const LEARNING = { learningPeriodInMs: 7 * 24 * 60 * 60 * 1000, learningStart: '2026-11-02T00:00:00Z' };

const CI_DEPLOYER = 'system:serviceaccount:ci:deployer';
const CI_USER_AGENT = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';

const webSpec = (image = 'contoso.azurecr.io/shop/web:1.4.2') => ({ containers: [container({ name: 'web', image })] });

/** Who deployed where during the learning week: Dana to shop and shop-staging, the CI pipeline to shop. */
const learningWeek = [
  workloadEvent('deployments', webSpec(), { namespace: 'shop-staging', name: 'web', time: '2026-11-02T09:31:07.220114Z', auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f01' }),
  workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.4.1' }] } } } }, {
    time: '2026-11-03T16:48:52.901337Z',
    auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f02',
  }),
  workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.4.2' }] } } } }, {
    user: CI_DEPLOYER,
    userAgent: CI_USER_AGENT,
    sourceIP: '10.224.0.31',
    time: '2026-11-05T13:12:40.118532Z',
    auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f03',
  }),
];

export const anomalousWorkloadDeploymentNamespace = defineRule({
  id: 'anomalous-workload-deployment-namespace',
  alertType: 'K8S_AnomalousWorkloadDeploymentNamespace',
  displayName: 'Workload deployed to a namespace the identity never deployed to',
  description:
    'A user or workload that is not one of the cluster\'s own deployed a pod or pod controller (created it, or wrote its pod spec) in a ' +
    'namespace it never deployed to since Argus started watching the cluster. People and pipelines deploy to the same few namespaces; ' +
    'a stolen credential used to run a workload elsewhere (next to a richer service account, in a quiet namespace) breaks that habit. ' +
    'Silent while the cluster is learning (default 7 days).',
  severity: Severity.Low,
  intent: Intent.Execution,
  techniques: ['T1610', 'T1078'],
  remediation: [
    'Ask the identity\'s owner (or the pipeline\'s) whether the deployment was planned; the alert names the namespace, the workload and its images.',
    'If not, delete the workload, revoke the identity\'s credentials (Entra ID sign-in, service account token) and review what else it did.',
    'Scope deployment rights per namespace (RoleBindings to the namespaces a team owns, not ClusterRoleBindings).',
  ],
  falsePositives: [
    'A team starting to deploy to a new namespace (a new service, a new environment): one alert per identity and namespace.',
    'GitOps controllers and operators that deploy to every namespace they are given (Argo CD, Flux, database operators): one alert per new namespace; list them as system identities if that is noise.',
  ],
  references: [
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/',
    'https://attack.mitre.org/techniques/T1610/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['Execution:Kubernetes/AnomalousBehavior.WorkloadDeployed'],
    elastic: [],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) => isDeployment(event) && namespaceOf(event) !== undefined && !isSystemRequest(event, context),
  stateful: {
    kind: 'firstSeen',
    subject: actingUsername,
    value: namespaceOf,
    valueName: 'namespace',
  },
  entities: (event) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event))],
  details: (event) => ({ deployedBy: actingUsername(event), namespace: namespaceOf(event) ?? '', verb: event.verb }),
  dedupKey: (event) => `${actingUsername(event)}|${namespaceOf(event) ?? ''}`,
  examples: [
    {
      name: 'one deployment alone says nothing of where the identity deployed before (first-seen rules alert over time)',
      expect: 'none',
      event: workloadEvent('deployments', webSpec(), { namespace: 'payments', name: 'web' }),
    },
    {
      name: 'the replicaset controller creates a pod (a system identity)',
      expect: 'none',
      event: controllerPodEvent(webSpec(), { namespace: 'payments', owner: { kind: 'ReplicaSet', name: 'web-5d8c7f9b6' } }),
    },
  ],
  timelines: [
    {
      name: 'after a learning week deploying to shop and shop-staging, Dana\'s account creates a pod in payments',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('pods', { containers: [container({ name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['sleep', '86400'] })] }, {
          namespace: 'payments',
          name: 'debug-shell',
          sourceIP: '198.51.100.77',
          requestURI: '/api/v1/namespaces/payments/pods?fieldManager=kubectl-run',
          time: '2026-11-10T02:17:45.660418Z',
          auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f04',
        }),
      ],
    },
    {
      name: 'after the learning week, the CI pipeline\'s service account, which only deployed to shop, creates a DaemonSet in kube-system and patches a Deployment in payments',
      expect: 'alert',
      alerts: 2,
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('daemonsets', { containers: [container({ name: 'agent', image: 'docker.io/library/alpine:3.20' })] }, {
          namespace: 'kube-system',
          name: 'node-agent',
          user: CI_DEPLOYER,
          userAgent: CI_USER_AGENT,
          sourceIP: '10.224.0.31',
          time: '2026-11-11T03:05:12.004219Z',
          auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f05',
        }),
        workloadPatchEvent('deployments', { namespace: 'payments', name: 'api' }, { spec: { template: { spec: { containers: [{ name: 'api', image: 'docker.io/attacker/api:latest' }] } } } }, {
          user: CI_DEPLOYER,
          userAgent: CI_USER_AGENT,
          sourceIP: '10.224.0.31',
          time: '2026-11-11T03:06:40.551802Z',
          auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f06',
        }),
      ],
    },
    {
      name: 'a first deployment to payments during the learning week is learned, not reported',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('deployments', webSpec(), { namespace: 'payments', name: 'api', time: '2026-11-08T10:00:03.771204Z', auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f07' }),
      ],
    },
    {
      name: 'after the learning week: controllers create pods in payments, Dana restarts a Deployment there, dry-runs one, and is refused another',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        controllerPodEvent(webSpec(), {
          namespace: 'payments',
          owner: { kind: 'ReplicaSet', name: 'api-6c9d8b7f4' },
          sourceIP: '10.224.0.4',
          time: '2026-11-10T08:30:00.118204Z',
          auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f08',
        }),
        workloadPatchEvent(
          'deployments',
          { namespace: 'payments', name: 'api' },
          { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-10T08:41:19Z' } } } } },
          { time: '2026-11-10T08:41:19.302117Z', auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f09' },
        ),
        workloadEvent('deployments', webSpec(), {
          namespace: 'payments',
          name: 'web',
          requestURI: '/apis/apps/v1/namespaces/payments/deployments?dryRun=All&fieldManager=kubectl-client-side-apply',
          time: '2026-11-10T08:44:51.220931Z',
          auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f0a',
        }),
        workloadEvent('deployments', webSpec(), {
          namespace: 'payments',
          name: 'web',
          code: 403,
          time: '2026-11-10T08:45:02.847719Z',
          auditID: '7a41c2e9-0d3b-4f6a-8c15-2e9b7d4a6f0b',
        }),
      ],
    },
  ],
});
