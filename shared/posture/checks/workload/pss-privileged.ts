import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding, isSetBeyondFalse } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

export const pssPrivileged = defineWorkloadControl({
  name: 'pss-privileged',
  displayName: 'Privileged containers should be avoided',
  description:
    'A privileged container runs with every capability and sees every device of the node; seccomp, AppArmor and the ' +
    'device cgroup no longer confine it. Whoever controls it can mount the host\'s disk, load kernel modules and take over ' +
    'the node, and from the node the cluster. The Pod Security Standards\' baseline level forbids ' +
    '`securityContext.privileged` other than false or unset in containers, init containers and ephemeral containers.',
  remediationDescription:
    'Remove `securityContext.privileged: true` (or set it to false) and add only the capabilities the container needs ' +
    '(`securityContext.capabilities.add`). Node agents that truly need it belong in a namespace labelled ' +
    '`pod-security.kubernetes.io/enforce: privileged`; label the others `pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration, AssessmentThreat.MaliciousInsider],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'Privileged Containers' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Privileged containers should be avoided'],
    azurePolicy: [{ id: '95edb821-ddaf-4404-9732-666045e056b4', displayName: 'Kubernetes cluster should not allow privileged containers' }],
    kubescape: ['C-0057', 'C-0213'],
    polaris: ['runAsPrivileged'],
    kubeScore: ['container-security-context-privileged'],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) =>
    outcomeOf(
      object.containers
        .filter((container) => isSetBeyondFalse(getPath(container.spec, 'securityContext', 'privileged')))
        .map((container) => containerFinding(object.podSpec, container, 'securityContext.privileged', getPath(container.spec, 'securityContext', 'privileged'))),
    ),
  examples: [
    {
      name: 'a Deployment whose containers set no security context',
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
          ports: [{ containerPort: 8080 }]
`,
    },
    {
      name: 'a pod that sets privileged: false explicitly',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      securityContext: { privileged: false, allowPrivilegeEscalation: false }
`,
    },
    {
      name: 'a privileged DaemonSet (a node agent outside kube-system)',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: node-agent, namespace: monitoring }
spec:
  selector: { matchLabels: { app: node-agent } }
  template:
    metadata: { labels: { app: node-agent } }
    spec:
      containers:
        - name: agent
          image: docker.io/example/node-agent:0.9
          securityContext: { privileged: true }
`,
    },
    {
      name: 'a CronJob whose init container is privileged and whose main container is not',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly-report, namespace: finance }
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          initContainers:
            - name: fetch
              image: contoso.azurecr.io/tools/fetch:1.0
            - name: tune-sysctl
              image: docker.io/library/busybox:1.36
              command: ["sh", "-c", "sysctl -w net.core.somaxconn=1024"]
              securityContext: { privileged: true }
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
`,
    },
    {
      name: 'a debugging ephemeral container added as privileged',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
  ephemeralContainers:
    - name: debugger-x2k4
      image: docker.io/library/busybox:1.36
      targetContainerName: api
      securityContext: { privileged: true }
`,
    },
    {
      name: 'a Deployment seen only as a scale patch (no pod template)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 5
`,
    },
  ],
});
