import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { asArray, asObject } from '../../../kubernetes/jsonValues';

export const pssHostPorts = defineWorkloadControl({
  name: 'pss-host-ports',
  displayName: 'Containers should not bind host ports',
  description:
    'A `hostPort` opens a port on the node\'s own addresses and forwards it to the container: the workload is reachable ' +
    'from wherever the node is, around Services, load balancers and often network policies, and the port is taken on ' +
    'every node the pod lands on. The Pod Security Standards\' baseline level allows `ports[*].hostPort` only unset or 0, ' +
    'in containers, init containers and ephemeral containers.',
  remediationDescription:
    'Remove `hostPort` from the container\'s ports and expose the workload through a Service (ClusterIP, or an internal ' +
    'LoadBalancer or an Ingress when it must be reached from outside the cluster). Then label the namespace ' +
    '`pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Networking],
  threats: [AssessmentThreat.DataExfiltration, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'Host Ports' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Usage of host networking and ports should be restricted'],
    azurePolicy: [{ id: '82985f06-dc18-4a48-bc1c-b9f4f0098cfe', displayName: 'Kubernetes cluster pods should only use approved host network and port range' }],
    kubescape: ['C-0044', 'C-0204'],
    polaris: ['hostPortSet'],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
    'https://kubernetes.io/docs/concepts/configuration/overview/#services',
  ],
  evaluate: (object) => {
    const findings: WorkloadFinding[] = [];
    for (const container of object.containers) {
      // Indexes as written (holes included), so the field path points at the manifest's entry.
      asArray(container.spec['ports']).forEach((entry, index) => {
        const hostPort = asObject(entry)?.['hostPort'];
        if (hostPort === undefined || hostPort === null || hostPort === 0) return;
        findings.push(containerFinding(object.podSpec, container, `ports[${index}].hostPort`, hostPort));
      });
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment with container ports only',
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
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
          ports:
            - { name: http, containerPort: 8080, protocol: TCP }
            - { name: metrics, containerPort: 9090, protocol: TCP }
`,
    },
    {
      name: 'a pod with hostPort: 0, which upstream allows',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      ports: [{ containerPort: 8080, hostPort: 0 }]
`,
    },
    {
      name: 'an ingress controller DaemonSet binding 80 and 443 on every node',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: ingress-nginx-controller, namespace: ingress-nginx }
spec:
  selector: { matchLabels: { app: ingress-nginx } }
  template:
    metadata: { labels: { app: ingress-nginx } }
    spec:
      containers:
        - name: controller
          image: registry.k8s.io/ingress-nginx/controller:v1.10.1
          ports:
            - { name: http, containerPort: 80, hostPort: 80 }
            - { name: https, containerPort: 443, hostPort: 443 }
            - { name: metrics, containerPort: 10254 }
`,
    },
    {
      name: 'a StatefulSet whose second container exposes a debug port on the node',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: redis, namespace: cache }
spec:
  serviceName: redis
  selector: { matchLabels: { app: redis } }
  template:
    metadata: { labels: { app: redis } }
    spec:
      containers:
        - name: redis
          image: docker.io/library/redis:7.2
          ports: [{ containerPort: 6379 }]
        - name: exporter
          image: docker.io/oliver006/redis_exporter:v1.59.0
          ports: [{ containerPort: 9121, hostPort: 9121 }]
`,
    },
    {
      name: 'a ReplicaSet seen only as a partial object without a pod template',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: web-6c9f8d7b5, namespace: shop }
spec:
  replicas: 0
`,
    },
  ],
});
