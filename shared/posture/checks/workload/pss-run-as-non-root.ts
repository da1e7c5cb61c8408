import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding, findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { type WorkloadObject, WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

/**
 * Upstream (check_runAsNonRoot.go): the pod must not set runAsNonRoot other than true; every container that sets it
 * must set true; a container that leaves it unset passes only when the pod sets true. Pod Security Admission relaxes
 * this for pods with `hostUsers: false` only when the alpha UserNamespacesPodSecurityStandards feature gate is on; off
 * by default, so Argus does not relax it.
 */
function runAsNonRootFindings(object: WorkloadObject): WorkloadFinding[] {
  const findings: WorkloadFinding[] = [];
  const podValue = getPath(object.podSpec, 'securityContext', 'runAsNonRoot');
  const podSet = podValue !== undefined && podValue !== null;
  if (podSet && podValue !== true) findings.push({ field: 'securityContext.runAsNonRoot', value: findingValue(podValue) });
  for (const container of object.containers) {
    const value = getPath(container.spec, 'securityContext', 'runAsNonRoot');
    if (value !== undefined && value !== null) {
      if (value !== true) findings.push(containerFinding(object.podSpec, container, 'securityContext.runAsNonRoot', value));
    } else if (podValue !== true) {
      findings.push(containerFinding(object.podSpec, container, 'securityContext.runAsNonRoot', '(absent)'));
    }
  }
  return findings;
}

export const pssRunAsNonRoot = defineWorkloadControl({
  name: 'pss-run-as-non-root',
  displayName: 'Containers should be required to run as non-root users',
  description:
    'Without `runAsNonRoot: true` a container runs as whatever user its image names, and most images name root. Root in ' +
    'a container is root on the node\'s kernel: with one misconfiguration or kernel bug (a writable host mount, a ' +
    'container escape such as CVE-2022-0185 or CVE-2024-21626) it is root on the node. With `runAsNonRoot: true` the ' +
    'kubelet refuses to start a container whose user is 0. The Pod Security Standards\' restricted level requires it: true ' +
    'at pod level (`spec.securityContext.runAsNonRoot`) or on every container, init container and ephemeral container, ' +
    'and never false.',
  remediationDescription:
    'Set `securityContext.runAsNonRoot: true` in the pod\'s security context (and remove any container-level `false`). Use ' +
    'an image whose USER is a numeric non-root UID, or set `runAsUser` to one. Then label the namespace ' +
    '`pod-security.kubernetes.io/enforce: restricted`.',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.MaliciousInsider, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  podSecurity: { level: PodSecurityLevel.restricted, control: 'Running as Non-root' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    // Defender's recommendation and its definition (runAsUserRule MustRunAsNonRoot by default) accept runAsNonRoot: true
    // or a non-zero runAsUser: they cover this control and pss-run-as-non-root-user together, not either one alone.
    defender: ['Running containers as root user should be avoided'],
    azurePolicy: [{ id: 'f06ddb64-5fa3-4b77-b166-acb36f7f6042', displayName: 'Kubernetes cluster pods and containers should only run with approved user and group IDs' }],
    kubescape: ['C-0013'],
    polaris: ['runAsRootAllowed'],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => outcomeOf(runAsNonRootFindings(object)),
  examples: [
    {
      name: 'a Deployment that sets runAsNonRoot: true for the whole pod',
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
      securityContext: { runAsNonRoot: true, runAsUser: 10001 }
      initContainers:
        - name: wait-db
          image: docker.io/library/busybox:1.36
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
`,
    },
    {
      name: 'a pod without a pod-level setting whose every container sets runAsNonRoot: true',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  initContainers:
    - name: migrate
      image: contoso.azurecr.io/shop/migrate:2.0.0
      securityContext: { runAsNonRoot: true }
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      securityContext: { runAsNonRoot: true }
`,
    },
    {
      name: 'a Deployment that says nothing about the user (the image decides, usually root)',
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
          image: docker.io/library/nginx:1.25
`,
    },
    {
      name: 'a pod that sets runAsNonRoot: true but one sidecar overrides it with false',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  securityContext: { runAsNonRoot: true }
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
    - name: log-shipper
      image: docker.io/fluent/fluent-bit:3.0
      securityContext: { runAsNonRoot: false, runAsUser: 0 }
`,
    },
    {
      name: 'a CronJob that sets runAsNonRoot: true on its container but not on its init container',
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
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
              securityContext: { runAsNonRoot: true }
`,
    },
    {
      name: 'a hardened pod with a debugging ephemeral container added without a security context (the pod-level true covers it)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f, namespace: shop }
spec:
  securityContext: { runAsNonRoot: true }
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
      name: 'a pod that sets runAsNonRoot: false for the whole pod',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: legacy, namespace: legacy }
spec:
  securityContext: { runAsNonRoot: false }
  containers:
    - name: app
      image: contoso.azurecr.io/legacy/app:0.9
      securityContext: { runAsNonRoot: true }
`,
    },
  ],
});
