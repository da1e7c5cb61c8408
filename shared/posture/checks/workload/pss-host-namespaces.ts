import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { findingValue, isSetBeyondFalse } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

/** The pod spec fields that share a node's namespace with the pod. */
const HOST_NAMESPACE_FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

export const pssHostNamespaces = defineWorkloadControl({
  name: 'pss-host-namespaces',
  displayName: 'Containers sharing host namespaces should be avoided',
  description:
    'A pod with `hostPID` sees and can signal every process of the node (and read their environment and memory through ' +
    '/proc); with `hostIPC` it shares the node\'s shared memory; with `hostNetwork` it listens and sniffs on the node\'s ' +
    'interfaces, reaches services bound to localhost and bypasses network policies. The Pod Security Standards\' baseline ' +
    'level forbids `hostNetwork`, `hostPID` and `hostIPC` other than false or unset.',
  remediationDescription:
    'Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec (or set them to false). Expose ports through a Service ' +
    'instead of the node\'s network; node agents that need the host\'s namespaces belong in a namespace labelled ' +
    '`pod-security.kubernetes.io/enforce: privileged`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute, AssessmentCategory.Networking],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration, AssessmentThreat.MaliciousInsider],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'Host Namespaces' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Containers sharing sensitive host namespaces should be avoided', 'Usage of host networking and ports should be restricted'],
    azurePolicy: [
      { id: '47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8', displayName: 'Kubernetes cluster containers should not share host process ID or host IPC namespace' },
      { id: '82985f06-dc18-4a48-bc1c-b9f4f0098cfe', displayName: 'Kubernetes cluster pods should only use approved host network and port range' },
    ],
    kubescape: ['C-0038', 'C-0041', 'C-0214', 'C-0215', 'C-0216'],
    polaris: ['hostNetworkSet', 'hostPIDSet', 'hostIPCSet'],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    const findings: WorkloadFinding[] = [];
    for (const field of HOST_NAMESPACE_FIELDS) {
      const value = object.podSpec?.[field];
      if (isSetBeyondFalse(value)) findings.push({ field, value: findingValue(value) });
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment that shares no host namespace',
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
`,
    },
    {
      name: 'a pod that sets all three to false explicitly',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  hostNetwork: false
  hostPID: false
  hostIPC: false
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
`,
    },
    {
      name: 'a monitoring DaemonSet on the host network and the host PID namespace',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: node-exporter, namespace: monitoring }
spec:
  selector: { matchLabels: { app: node-exporter } }
  template:
    metadata: { labels: { app: node-exporter } }
    spec:
      hostNetwork: true
      hostPID: true
      containers:
        - name: node-exporter
          image: quay.io/prometheus/node-exporter:v1.8.1
          args: ["--path.rootfs=/host"]
`,
    },
    {
      name: 'a CronJob sharing the host IPC namespace',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: shm-cleanup, namespace: batch }
spec:
  schedule: "*/30 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          hostIPC: true
          containers:
            - name: cleanup
              image: docker.io/library/busybox:1.36
              command: ["ipcrm", "--all"]
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
  replicas: 2
`,
    },
  ],
});
