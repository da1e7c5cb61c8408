import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

export const pssPrivilegeEscalation = defineWorkloadControl({
  name: 'pss-privilege-escalation',
  displayName: 'Container with privilege escalation should be avoided',
  description:
    'Unless `allowPrivilegeEscalation` is false, a process in the container can gain more privileges than its parent: ' +
    'set-user-ID and set-group-ID binaries (sudo, su, a planted copy of bash) and file capabilities work, so code that ' +
    'broke in as an unprivileged user can become root in the container. Kubernetes defaults it to true. The Pod Security ' +
    'Standards\' restricted level requires `securityContext.allowPrivilegeEscalation: false` on every container, init ' +
    'container and ephemeral container; Windows pods (`spec.os.name: windows`) are exempt since Kubernetes 1.25.',
  remediationDescription:
    'Set `securityContext.allowPrivilegeEscalation: false` on every container, init container and ephemeral container (it ' +
    'cannot be set for the whole pod). Then label the namespace `pod-security.kubernetes.io/enforce: restricted`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.MaliciousInsider],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.restricted, control: 'Privilege Escalation' },
  target: WorkloadTarget.podTemplate,
  linuxOnly: true,
  equivalents: {
    defender: ['Container with privilege escalation should be avoided'],
    // With forcePrivilegeEscalationToBeFalse: true the definition follows the restricted level exactly; by default it
    // accepts an unset field when runAsUser is non-zero.
    azurePolicy: [{ id: '1c6e92c9-99f0-4e55-9cf2-0c234dc48f99', displayName: 'Kubernetes clusters should not allow container privilege escalation' }],
    kubescape: ['C-0016'],
    polaris: ['privilegeEscalationAllowed'],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    return outcomeOf(
      object.containers
        .filter((container) => getPath(container.spec, 'securityContext', 'allowPrivilegeEscalation') !== false)
        .map((container) =>
          containerFinding(object.podSpec, container, 'securityContext.allowPrivilegeEscalation', getPath(container.spec, 'securityContext', 'allowPrivilegeEscalation') ?? '(absent)'),
        ),
    );
  },
  examples: [
    {
      name: 'a Deployment whose container sets allowPrivilegeEscalation: false',
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
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true }
`,
    },
    {
      name: 'a pod with init and main containers that all set allowPrivilegeEscalation: false',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  initContainers:
    - name: migrate
      image: contoso.azurecr.io/shop/migrate:2.0.0
      securityContext: { allowPrivilegeEscalation: false }
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      securityContext: { allowPrivilegeEscalation: false }
`,
    },
    {
      name: 'a Deployment whose container sets no security context (Kubernetes defaults to true)',
      expect: AssessmentStatusCode.Unhealthy,
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
      name: 'a CronJob whose main container hardens but whose init container allows escalation explicitly',
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
              securityContext: { allowPrivilegeEscalation: true }
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
              securityContext: { allowPrivilegeEscalation: false }
`,
    },
    {
      name: 'a hardened pod with a debugging ephemeral container added without a security context',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      securityContext: { allowPrivilegeEscalation: false }
  ephemeralContainers:
    - name: debugger-x2k4
      image: docker.io/library/busybox:1.36
      targetContainerName: api
`,
    },
    {
      name: 'a Windows pod (spec.os.name: windows) without allowPrivilegeEscalation',
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
