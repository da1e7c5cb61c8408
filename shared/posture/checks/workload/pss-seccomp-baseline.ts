import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { asObject, getPath } from '../../../kubernetes/jsonValues';
import { containerPath, findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

/** `seccompProfile.type` values upstream allows when a profile is set (an absent `seccompProfile` is allowed too). */
const ALLOWED_PROFILE_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);

/** The value as found; `(absent)` when the field is missing. */
const foundOrAbsent = (value: unknown): string => (value === undefined ? '(absent)' : findingValue(value));

/** A finding when a security context sets a seccomp profile whose type is not allowed (in practice `Unconfined`). */
function profileFinding(securityContext: unknown, field: string): WorkloadFinding | undefined {
  const profile = asObject(getPath(securityContext, 'seccompProfile'));
  if (profile === undefined) return undefined;
  const type = profile['type'];
  return typeof type === 'string' && ALLOWED_PROFILE_TYPES.has(type) ? undefined : { field, value: foundOrAbsent(type) };
}

export const pssSeccompBaseline = defineWorkloadControl({
  name: 'pss-seccomp-baseline',
  displayName: 'Pods and containers should not disable seccomp (Unconfined)',
  description:
    'A seccomp profile limits the system calls a container may make; the runtime default blocks dozens used in container ' +
    'escapes and kernel exploits (`unshare`, `keyctl`, `bpf`, `ptrace` on older kernels, ...). Setting ' +
    '`securityContext.seccompProfile.type: Unconfined` at pod or container level turns that filter off. The Pod Security ' +
    'Standards (baseline) allow the profile to be unset, `RuntimeDefault` or `Localhost`, never `Unconfined`; a pod-level ' +
    '`Unconfined` fails even when every container overrides it. The legacy `seccomp.security.alpha.kubernetes.io` annotations ' +
    'are not judged: deprecated since Kubernetes 1.19 and no longer applied, and upstream\'s current policy checks the field only.',
  remediationDescription:
    'Remove `seccompProfile` with type `Unconfined` from the pod and container security contexts, or set the type to ' +
    '`RuntimeDefault` (or `Localhost` with a `localhostProfile` installed on the nodes, e.g. with the Security Profiles ' +
    'Operator). Then label the namespace `pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'Seccomp' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: [],
    azurePolicy: [{ id: '975ce327-682c-4f2e-aa46-b9598289b86c', displayName: 'Kubernetes cluster containers should only use allowed seccomp profiles' }],
    kubescape: [],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/pod-security-admission/policy/check_seccompProfile_baseline.go',
    'https://kubernetes.io/docs/tutorials/security/seccomp/',
  ],
  evaluate: (object) => {
    const podSpec = object.podSpec ?? {};
    const findings: WorkloadFinding[] = [];
    const podFinding = profileFinding(podSpec['securityContext'], 'securityContext.seccompProfile.type');
    if (podFinding !== undefined) findings.push(podFinding);
    for (const container of object.containers) {
      const path = `${containerPath(podSpec, container)}.securityContext.seccompProfile.type`;
      const finding = profileFinding(container.spec['securityContext'], path);
      if (finding !== undefined) findings.push({ container: container.name, containerKind: container.kind, ...finding });
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment with RuntimeDefault at pod level',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: api
          image: contoso.azurecr.io/shop/api:3.1.0
`,
    },
    {
      name: 'a pod without any seccomp setting (baseline allows unset)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: plain
  namespace: shop
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
`,
    },
    {
      name: 'a pod whose container uses a Localhost profile',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: audited
  namespace: shop
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
      securityContext:
        seccompProfile:
          type: Localhost
          localhostProfile: profiles/audit.json
`,
    },
    {
      name: 'a pod carrying only the legacy unconfined seccomp annotation (deprecated since Kubernetes 1.19, not judged by current policy)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: legacy-annotation
  namespace: shop
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
`,
    },
    {
      name: 'a pod whose container sets seccompProfile.type Unconfined',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: strace-debug
  namespace: shop
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
      securityContext:
        seccompProfile:
          type: Unconfined
`,
    },
    {
      name: 'a CronJob with Unconfined at pod level although its container overrides it',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  namespace: data
spec:
  schedule: "30 1 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          securityContext:
            seccompProfile:
              type: Unconfined
          containers:
            - name: backup
              image: contoso.azurecr.io/data/backup:1.5.0
              securityContext:
                seccompProfile:
                  type: RuntimeDefault
`,
    },
    {
      name: 'a pod whose ephemeral debug container is Unconfined',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: checkout-7d9f
  namespace: shop
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: checkout
      image: contoso.azurecr.io/shop/checkout:1.8.0
  ephemeralContainers:
    - name: debugger-q4w8z
      image: docker.io/library/busybox:1.36
      targetContainerName: checkout
      securityContext:
        seccompProfile:
          type: Unconfined
`,
    },
    {
      name: 'a Job seen only as a partial object without a pod template',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: data
spec:
  suspend: true
`,
    },
  ],
});
