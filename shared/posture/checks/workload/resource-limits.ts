import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';
import { ContainerKind } from '../../../kubernetes/workloads';

/** The limits every container must set. */
const requiredLimits = ['cpu', 'memory'] as const;

/** A Kubernetes quantity as the API server accepts it (`500m`, `1.5`, `512Mi`, `1e3`). */
const quantity = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;

/** Whether a limit is set to something the API server would take: a number or a quantity string. */
function isQuantity(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && quantity.test(value));
}

export const resourceLimits = defineWorkloadControl({
  name: 'resource-limits',
  displayName: 'Container CPU and memory limits should be enforced',
  description:
    'A container without a CPU or memory limit can take the whole node: a memory leak, a traffic spike or a compromised ' +
    'process mining crypto starves every other pod scheduled there, and the kubelet evicts them (a denial of service). ' +
    'Azure Policy\'s built-in definition requires `resources.limits.cpu` and `resources.limits.memory` on every container and ' +
    'init container and, where the assignment sets maxima, that they stay below them; Argus checks that both are set to a ' +
    'valid quantity. Ephemeral containers are not judged: the API server forbids resources on them.',
  remediationDescription:
    'Set `resources.limits.cpu` and `resources.limits.memory` on every container and init container (e.g. ' +
    '`resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: 500m, memory: 256Mi } }`), sized from observed ' +
    'usage (`kubectl top pod`). A LimitRange in the namespace gives defaults to containers that set none.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.DenialOfService],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.Low,
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Container CPU and memory limits should be enforced'],
    azurePolicy: [{ id: 'e345eecc-fa47-480f-9e88-67dcc122b164', displayName: 'Kubernetes cluster containers CPU and memory resource limits should not exceed the specified limits' }],
    kubescape: ['C-0009', 'C-0270', 'C-0271'],
    polaris: ['cpuLimitsMissing', 'memoryLimitsMissing'],
    kubeScore: ['container-resources'],
  },
  references: [
    'https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Kubernetes/ContainerResourceLimits.json',
    'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    const findings: WorkloadFinding[] = [];
    for (const container of object.containers) {
      if (container.kind === ContainerKind.ephemeralContainer) continue;
      for (const resource of requiredLimits) {
        const limit = getPath(container.spec, 'resources', 'limits', resource);
        if (!isQuantity(limit)) {
          findings.push(containerFinding(object.podSpec, container, `resources.limits.${resource}`, limit ?? '(absent)'));
        }
      }
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment whose containers and init containers all set CPU and memory limits',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      initContainers:
        - name: migrate
          image: contoso.azurecr.io/shop/migrate:1.4.2
          resources: { limits: { cpu: "1", memory: 256Mi } }
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 0.5, memory: 512Mi }
`,
    },
    {
      name: 'a pod whose container sets requests but no limits',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      resources:
        requests: { cpu: 250m, memory: 256Mi }
`,
    },
    {
      name: 'a CronJob whose init container sets a memory limit only',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: report, namespace: finance }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          initContainers:
            - name: fetch
              image: contoso.azurecr.io/tools/fetch:1.0
              resources: { limits: { memory: 64Mi } }
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
              resources: { limits: { cpu: 200m, memory: 256Mi } }
`,
    },
    {
      name: 'a pod with an ephemeral debug container (the API forbids resources on it)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f8, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      resources: { limits: { cpu: 500m, memory: 256Mi } }
  ephemeralContainers:
    - name: debugger-x7k2p
      image: contoso.azurecr.io/tools/busybox:1.36
      targetContainerName: api
`,
    },
  ],
});
