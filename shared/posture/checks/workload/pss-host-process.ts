import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding, findingValue, isSetBeyondFalse } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

const HOST_PROCESS = ['securityContext', 'windowsOptions', 'hostProcess'] as const;

export const pssHostProcess = defineWorkloadControl({
  name: 'pss-host-process',
  displayName: 'Windows HostProcess containers should be avoided',
  description:
    'A Windows HostProcess container is not isolated from the node: its processes run directly on the Windows host, in ' +
    'the host\'s network, with the rights of a host account (up to SYSTEM). It is the Windows equivalent of a privileged ' +
    'container. The Pod Security Standards\' baseline level forbids `windowsOptions.hostProcess` other than false or unset, ' +
    'in the pod\'s security context and in every container\'s.',
  remediationDescription:
    'Remove `securityContext.windowsOptions.hostProcess: true` from the pod and its containers. Node management that needs ' +
    'it (CNI, CSI, log agents on Windows nodes) belongs in a namespace labelled `pod-security.kubernetes.io/enforce: ' +
    'privileged`; label the others `pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration, AssessmentThreat.MaliciousInsider],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'HostProcess' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: [],
    azurePolicy: [{ id: '077f0ce1-86d6-4058-bc60-de05067e8622', displayName: 'Kubernetes cluster Windows pods should not run HostProcess containers' }],
    kubescape: ['C-0202'],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
    'https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/',
  ],
  evaluate: (object) => {
    const findings: WorkloadFinding[] = [];
    const podValue = getPath(object.podSpec, ...HOST_PROCESS);
    if (isSetBeyondFalse(podValue)) findings.push({ field: HOST_PROCESS.join('.'), value: findingValue(podValue) });
    for (const container of object.containers) {
      const value = getPath(container.spec, ...HOST_PROCESS);
      if (isSetBeyondFalse(value)) findings.push(containerFinding(object.podSpec, container, HOST_PROCESS.join('.'), value));
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Windows Deployment with ordinary process-isolated containers',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata: { name: iis, namespace: legacy }
spec:
  selector: { matchLabels: { app: iis } }
  template:
    metadata: { labels: { app: iis } }
    spec:
      nodeSelector: { kubernetes.io/os: windows }
      securityContext:
        windowsOptions: { runAsUserName: "ContainerUser" }
      containers:
        - name: iis
          image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
`,
    },
    {
      name: 'a pod that sets hostProcess: false explicitly',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: app, namespace: legacy }
spec:
  nodeSelector: { kubernetes.io/os: windows }
  securityContext:
    windowsOptions: { hostProcess: false }
  containers:
    - name: app
      image: contoso.azurecr.io/legacy/app:4.2
`,
    },
    {
      name: 'a HostProcess DaemonSet as the AKS documentation shows it, outside kube-system',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: privileged-daemonset, namespace: node-tools }
spec:
  selector: { matchLabels: { app: privileged-daemonset } }
  template:
    metadata: { labels: { app: privileged-daemonset } }
    spec:
      nodeSelector: { kubernetes.io/os: windows }
      hostNetwork: true
      securityContext:
        windowsOptions:
          hostProcess: true
          runAsUserName: "NT AUTHORITY\\\\SYSTEM"
      containers:
        - name: powershell
          image: mcr.microsoft.com/powershell:lts-nanoserver-1809
          command: ["pwsh.exe", "-Command", "Start-Sleep 2147483"]
`,
    },
    {
      name: 'a Job whose init container alone asks for hostProcess',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: Job
metadata: { name: install-driver, namespace: node-tools }
spec:
  template:
    spec:
      restartPolicy: Never
      nodeSelector: { kubernetes.io/os: windows }
      hostNetwork: true
      initContainers:
        - name: install
          image: contoso.azurecr.io/tools/driver-installer:1.0
          securityContext:
            windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM" }
      containers:
        - name: done
          image: mcr.microsoft.com/windows/nanoserver:ltsc2022
`,
    },
    {
      name: 'a StatefulSet seen only as a partial patch without a pod spec',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: legacy }
spec:
  replicas: 3
  template:
    metadata: { annotations: { kubectl.kubernetes.io/restartedAt: "2024-05-01T10:00:00Z" } }
`,
    },
  ],
});
