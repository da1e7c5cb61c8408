import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

// Linux-only: Windows pods cannot set readOnlyRootFilesystem (the API server refuses it).
export const readOnlyRootFilesystem = defineWorkloadControl({
  name: 'read-only-root-filesystem',
  displayName: 'Immutable (read-only) root filesystem should be enforced for containers',
  description:
    'A container whose root filesystem is writable lets whoever runs code in it drop tools and binaries into the image\'s ' +
    'directories (on the PATH), change its configuration, and keep them there for as long as the container lives. Azure ' +
    'Policy\'s built-in definition fails every container and init container whose `securityContext.readOnlyRootFilesystem` ' +
    'is not true; Argus judges ephemeral containers too. Windows pods (`spec.os.name: windows`) cannot set the field and ' +
    'are NotApplicable.',
  remediationDescription:
    'Set `securityContext.readOnlyRootFilesystem: true` on every container and mount an `emptyDir` volume where the ' +
    'application must write (e.g. `/tmp`, a cache directory).',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.MaliciousInsider, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  target: WorkloadTarget.podTemplate,
  linuxOnly: true,
  equivalents: {
    defender: ['Immutable (read-only) root filesystem should be enforced for containers'],
    azurePolicy: [{ id: 'df49d893-a74c-421d-bc95-c663042e5b80', displayName: 'Kubernetes cluster containers should run with a read only root file system' }],
    kubescape: ['C-0017'],
    polaris: ['notReadOnlyRootFilesystem'],
    kubeScore: ['container-security-context-readonlyrootfilesystem'],
  },
  references: [
    'https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Kubernetes/ReadOnlyRootFileSystem.json',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    return outcomeOf(
      object.containers
        .map((container) => ({ container, value: getPath(container.spec, 'securityContext', 'readOnlyRootFilesystem') }))
        .filter(({ value }) => value !== true)
        .map(({ container, value }) => containerFinding(object.podSpec, container, 'securityContext.readOnlyRootFilesystem', value ?? '(absent)')),
    );
  },
  examples: [
    {
      name: 'a Deployment whose containers are read-only and write to an emptyDir',
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
          securityContext: { readOnlyRootFilesystem: true }
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }
          volumeMounts: [{ name: tmp, mountPath: /tmp }]
      volumes:
        - name: tmp
          emptyDir: {}
`,
    },
    {
      name: 'a pod whose container sets no security context',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
`,
    },
    {
      name: 'a CronJob whose init container sets readOnlyRootFilesystem: false',
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
              securityContext: { readOnlyRootFilesystem: false }
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
              securityContext: { readOnlyRootFilesystem: true }
`,
    },
    {
      name: 'a read-only pod with a writable ephemeral debug container',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f8, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      securityContext: { readOnlyRootFilesystem: true }
  ephemeralContainers:
    - name: debugger-x7k2p
      image: contoso.azurecr.io/tools/busybox:1.36
      targetContainerName: api
`,
    },
    {
      name: 'a Windows pod (the field cannot be set there)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: iis, namespace: legacy }
spec:
  os: { name: windows }
  nodeSelector: { kubernetes.io/os: windows }
  containers:
    - name: iis
      image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
`,
    },
  ],
});
