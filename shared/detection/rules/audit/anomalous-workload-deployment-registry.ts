import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { container, controllerPodEvent, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { actingUsername } from '../../predicates/identities';
import { parseImageReference } from '../../predicates/imageReferences';
import { isJudgedPodSpecWrite, ownerEntities } from '../../predicates/podSpecWrites';
import { namespaceOf } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** A week of learning from the start of a test cluster (the pipeline's default). */
const LEARNING = { learningPeriodInMs: 7 * 24 * 60 * 60 * 1000, learningStart: '2026-11-02T00:00:00Z' };

/** The whole cluster is one profile: a registry is new when no workload of the cluster ever ran an image from it. */
const THE_CLUSTER = 'the cluster';

/** Each event's registries, worked out once: `match`, the state and the alert all ask. */
const registriesByEvent = new WeakMap<AuditEvent, readonly string[]>();

/** The registries (hosts, lower-case; Docker Hub under every alias as docker.io) of the written containers, sorted, once each. */
function registriesOf(event: AuditEvent): readonly string[] {
  const known = registriesByEvent.get(event);
  if (known !== undefined) return known;
  const registries = new Set<string>();
  for (const { image } of workloadContainers(event)) {
    const reference = image === undefined ? undefined : parseImageReference(image);
    if (reference !== undefined) registries.add(reference.registry);
  }
  const sorted = [...registries].sort();
  registriesByEvent.set(event, sorted);
  return sorted;
}

const webSpec = (image: string) => ({ containers: [container({ name: 'web', image })] });

/** What the cluster ran during its learning week: its own ACR, Microsoft's and Docker Hub's official images. */
const learningWeek = [
  controllerPodEvent(webSpec('contoso.azurecr.io/shop/web:1.4.2'), { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' }, time: '2026-11-02T09:31:07.220114Z', auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b01' }),
  controllerPodEvent(webSpec('mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-2'), { namespace: 'kube-system', owner: { kind: 'ReplicaSet', name: 'coredns-6f9c8d7b5' }, time: '2026-11-03T02:40:09.118422Z', auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b02' }),
  workloadEvent('deployments', webSpec('redis:7.2'), { namespace: 'shop', name: 'cache', time: '2026-11-05T13:12:40.118532Z', auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b03' }),
];

export const anomalousWorkloadDeploymentRegistry = defineRule({
  id: 'anomalous-workload-deployment-registry',
  alertType: 'K8S_AnomalousWorkloadDeploymentRegistry',
  displayName: 'Workload deployed from a registry never used in the cluster',
  description:
    'A pod or pod controller was written with a container image from a registry that no workload of the cluster used since Argus ' +
    'started watching it. A cluster pulls from a few registries (its own, the platform\'s, a handful of public ones); an attacker ' +
    'deploying a miner, a backdoor or a tool usually brings it from a registry the cluster never used. Controllers\' pod creates count, so the ' +
    'profile learns what actually runs; the first write that shows a registry reports it, once for the cluster. Silent while the cluster ' +
    'is learning (default 7 days).',
  severity: Severity.Low,
  intent: Intent.Execution,
  techniques: ['T1610', 'T1204.003'],
  remediation: [
    'Check whether the registry is one the cluster\'s teams meant to use (a new vendor, a public mirror); the alert names the registry, the image and who wrote the workload.',
    'If not, delete the workload, then review the identity that wrote it and what the pod did (its node events, network connections).',
    'Allow only the registries you use: Azure Policy\'s "allowed container images" or an admission policy, and the untrusted-registry rule\'s list (DETECTION_LISTS.trustedRegistries).',
  ],
  falsePositives: [
    'A team adopting a new registry or a Helm chart whose images live elsewhere (quay.io, ghcr.io): one alert per registry for the whole cluster.',
    'An operator or add-on that pulls a helper image from its vendor\'s registry for the first time after an upgrade.',
  ],
  references: [
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html',
    'https://attack.mitre.org/techniques/T1204/003/',
    'https://learn.microsoft.com/azure/aks/policy-reference',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['Execution:Kubernetes/AnomalousBehavior.WorkloadDeployed'],
    elastic: [],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) => isJudgedPodSpecWrite(event, context) && !isDryRun(event) && registriesOf(event).length > 0,
  stateful: {
    kind: 'firstSeen',
    subject: () => THE_CLUSTER,
    value: registriesOf,
    valueName: 'registry',
  },
  entities: (event) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event))],
  details: (event) => ({ registries: registriesOf(event).join(', '), deployedBy: actingUsername(event), namespace: namespaceOf(event) ?? '' }),
  dedupKey: (event) => registriesOf(event).join('|'),
  examples: [
    {
      name: 'one deployment alone says nothing of which registries the cluster used before (first-seen rules alert over time)',
      expect: 'none',
      event: workloadEvent('deployments', webSpec('ghcr.io/acme/agent:2.0'), { namespace: 'shop', name: 'agent' }),
    },
    {
      name: 'a dry run deploys nothing',
      expect: 'none',
      event: workloadEvent('deployments', webSpec('ghcr.io/acme/agent:2.0'), { namespace: 'shop', name: 'agent', requestURI: '/apis/apps/v1/namespaces/shop/deployments?dryRun=All' }),
    },
  ],
  timelines: [
    {
      name: 'after a learning week on contoso.azurecr.io, mcr.microsoft.com and Docker Hub, a pod is created from a registry the cluster never used',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('pods', { containers: [container({ name: 'xmr', image: 'registry.gitlab.com/h4x/tools/xmrig:6.21', command: ['/xmrig', '-o', 'pool.example:3333'] })] }, {
          namespace: 'shop',
          name: 'log-rotate',
          sourceIP: '198.51.100.77',
          time: '2026-11-10T02:17:45.660418Z',
          auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b04',
        }),
      ],
    },
    {
      name: 'after the learning week, a Deployment patched to an image from a new registry, then its ReplicaSet\'s pod from it: one report, for the first write',
      expect: 'alert',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, { spec: { template: { spec: { containers: [{ name: 'web', image: 'docker.example.net/web:1.4.2' }] } } } }, {
          time: '2026-11-11T03:06:40.551802Z',
          auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b05',
        }),
        controllerPodEvent(webSpec('docker.example.net/web:1.4.2'), { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-5c8f7d9b4' }, time: '2026-11-11T03:06:42.104417Z', auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b06' }),
      ],
    },
    {
      name: 'after the learning week: new tags and repositories from known registries (Docker Hub under another alias too) are not new registries',
      expect: 'none',
      ...LEARNING,
      events: [
        ...learningWeek,
        workloadEvent('deployments', webSpec('contoso.azurecr.io/payments/api:3.0.0'), { namespace: 'payments', name: 'api', time: '2026-11-10T08:30:00.118204Z', auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b07' }),
        workloadEvent('deployments', webSpec('index.docker.io/library/postgres:16'), { namespace: 'payments', name: 'db', time: '2026-11-10T08:41:19.302117Z', auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b08' }),
      ],
    },
    {
      name: 'a registry first used during the learning week is learned, not reported',
      expect: 'none',
      ...LEARNING,
      events: [...learningWeek, workloadEvent('deployments', webSpec('quay.io/prometheus/node-exporter:v1.8.2'), { namespace: 'monitoring', name: 'node-exporter', time: '2026-11-08T10:00:03.771204Z', auditID: '4b7e2d90-6a1c-4f38-9d25-1c8e7a3f5b09' })],
    },
  ],
});
