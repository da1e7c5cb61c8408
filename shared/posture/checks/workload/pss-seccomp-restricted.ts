import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding, findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { type WorkloadObject, WorkloadTarget } from '../../workloadObject';
import { asObject, getPath } from '../../../kubernetes/jsonValues';

/** The seccomp profile types the restricted level allows. */
export const RESTRICTED_SECCOMP_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);

function isAllowedType(type: unknown): boolean {
  return typeof type === 'string' && RESTRICTED_SECCOMP_TYPES.has(type);
}

/**
 * Upstream (check_seccompProfile_restricted.go): a seccompProfile that is set (pod or container) must have an allowed
 * type; a container that sets none passes only when the pod sets an allowed one.
 */
function seccompFindings(object: WorkloadObject): WorkloadFinding[] {
  const findings: WorkloadFinding[] = [];
  const podProfile = asObject(getPath(object.podSpec, 'securityContext', 'seccompProfile'));
  const podAllowed = podProfile !== undefined && isAllowedType(podProfile['type']);
  if (podProfile !== undefined && !podAllowed) findings.push({ field: 'securityContext.seccompProfile.type', value: findingValue(podProfile['type'] ?? '(absent)') });
  for (const container of object.containers) {
    const profile = asObject(getPath(container.spec, 'securityContext', 'seccompProfile'));
    if (profile !== undefined) {
      if (!isAllowedType(profile['type'])) {
        findings.push(containerFinding(object.podSpec, container, 'securityContext.seccompProfile.type', profile['type'] ?? '(absent)'));
      }
    } else if (!podAllowed) {
      findings.push(containerFinding(object.podSpec, container, 'securityContext.seccompProfile.type', '(absent)'));
    }
  }
  return findings;
}

export const pssSeccompRestricted = defineWorkloadControl({
  name: 'pss-seccomp-restricted',
  displayName: 'Containers should run with the RuntimeDefault or a Localhost seccomp profile',
  description:
    'Unless a seccomp profile is set, Kubernetes runs containers Unconfined (the kubelet\'s seccompDefault is off by ' +
    'default): every system call is open, including the ones most container escapes start from (unshare, keyctl, ' +
    'mount, bpf, userfaultfd). The Pod Security Standards\' restricted level requires the seccomp profile type to be set ' +
    'explicitly to RuntimeDefault or Localhost, at pod level (`spec.securityContext.seccompProfile.type`) or on every ' +
    'container, init container and ephemeral container; Unconfined and the absence of a profile both fail. Windows pods ' +
    '(`spec.os.name: windows`) are exempt since Kubernetes 1.25.',
  remediationDescription:
    'Set `securityContext.seccompProfile.type: RuntimeDefault` in the pod\'s security context (or `Localhost` with a ' +
    '`localhostProfile` installed on the nodes), and remove container-level `Unconfined`. Then label the namespace ' +
    '`pod-security.kubernetes.io/enforce: restricted`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.restricted, control: 'Seccomp' },
  target: WorkloadTarget.podTemplate,
  linuxOnly: true,
  equivalents: {
    defender: [],
    // Matches when assigned with allowedProfiles RuntimeDefault and Localhost (its default list is empty).
    azurePolicy: [{ id: '975ce327-682c-4f2e-aa46-b9598289b86c', displayName: 'Kubernetes cluster containers should only use allowed seccomp profiles' }],
    kubescape: ['C-0210'],
    polaris: [],
    kubeScore: ['container-seccomp-profile'],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
    'https://kubernetes.io/docs/tutorials/security/seccomp/',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-the-seccomp-profile-for-a-container',
  ],
  evaluate: (object) => {
    return outcomeOf(seccompFindings(object));
  },
  examples: [
    {
      name: 'a Deployment that sets RuntimeDefault for the whole pod',
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
      securityContext:
        seccompProfile: { type: RuntimeDefault }
      initContainers:
        - name: wait-db
          image: docker.io/library/busybox:1.36
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
`,
    },
    {
      name: 'a pod with no pod-level profile whose containers use RuntimeDefault and a Localhost profile',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      securityContext:
        seccompProfile: { type: RuntimeDefault }
    - name: proxy
      image: contoso.azurecr.io/shop/proxy:1.0
      securityContext:
        seccompProfile: { type: Localhost, localhostProfile: profiles/proxy.json }
`,
    },
    {
      name: 'a Deployment that sets no seccomp profile (Unconfined by default)',
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
      name: 'a pod that sets RuntimeDefault but whose sidecar opts out with Unconfined',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  securityContext:
    seccompProfile: { type: RuntimeDefault }
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
    - name: tracer
      image: docker.io/example/ebpf-tracer:0.3
      securityContext:
        seccompProfile: { type: Unconfined }
`,
    },
    {
      name: 'a CronJob whose init container sets RuntimeDefault and whose main container sets nothing',
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
              securityContext:
                seccompProfile: { type: RuntimeDefault }
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
`,
    },
    {
      name: 'a pod whose profile is Unconfined at pod level though every container sets RuntimeDefault',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: batch-1, namespace: jobs }
spec:
  securityContext:
    seccompProfile: { type: Unconfined }
  containers:
    - name: work
      image: contoso.azurecr.io/jobs/work:1.0
      securityContext:
        seccompProfile: { type: RuntimeDefault }
`,
    },
    {
      name: 'a hardened pod with a debugging ephemeral container (the pod-level RuntimeDefault covers it)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f, namespace: shop }
spec:
  securityContext:
    seccompProfile: { type: RuntimeDefault }
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
  ephemeralContainers:
    - name: debugger-x2k4
      image: docker.io/library/busybox:1.36
      targetContainerName: api
`,
    },
    {
      name: 'a Windows pod (spec.os.name: windows) without a seccomp profile',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: iis, namespace: legacy }
spec:
  os: { name: windows }
  containers:
    - name: iis
      image: mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022
`,
    },
  ],
});
