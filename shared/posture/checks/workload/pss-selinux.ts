import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { asObject, getPath } from '../../../kubernetes/jsonValues';
import { containerPath, findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

/**
 * `seLinuxOptions.type` values upstream allows (policy 1.31+; unset or empty is allowed too): the container types of
 * the container-selinux policy.
 */
const ALLOWED_SELINUX_TYPES: ReadonlySet<string> = new Set(['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** Unset (absent, null or empty) as upstream reads a string field. */
const isUnset = (value: unknown): boolean => value === undefined || value === null || value === '';

/** What a security context's seLinuxOptions set that upstream forbids: a type off the list, any user or role. */
function seLinuxFindings(securityContext: unknown, prefix: string): WorkloadFinding[] {
  const options = asObject(getPath(securityContext, 'seLinuxOptions'));
  if (options === undefined) return [];
  const findings: WorkloadFinding[] = [];
  const type = options['type'];
  if (!isUnset(type) && !(typeof type === 'string' && ALLOWED_SELINUX_TYPES.has(type))) findings.push({ field: `${prefix}.seLinuxOptions.type`, value: findingValue(type) });
  for (const key of ['user', 'role'] as const) {
    if (!isUnset(options[key])) findings.push({ field: `${prefix}.seLinuxOptions.${key}`, value: findingValue(options[key]) });
  }
  return findings;
}

export const pssSelinux = defineWorkloadControl({
  name: 'pss-selinux',
  displayName: 'Pods and containers should not set custom SELinux users, roles or types',
  description:
    'On SELinux nodes (Azure Linux, RHEL-based images) the runtime labels each container `container_t`, which confines it even ' +
    'as root. A pod that sets `seLinuxOptions` with another type (`spc_t`, `unconfined_t`), or any SELinux user or role, at pod ' +
    'or container level, runs its processes outside that confinement with host-level access to files and devices. The Pod ' +
    'Security Standards (baseline) allow only the container types `container_t`, `container_init_t`, `container_kvm_t` and ' +
    '`container_engine_t`, and no user or role.',
  remediationDescription:
    'Remove `seLinuxOptions.user` and `seLinuxOptions.role` from the pod and container security contexts and leave `type` unset ' +
    'or set it to `container_t` (or `container_init_t`, `container_kvm_t`, `container_engine_t`); `level` may stay for MCS ' +
    'labels. Then label the namespace `pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'SELinux' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: [],
    azurePolicy: [{ id: 'e1e6c427-07d9-46ab-9689-bfa85431e636', displayName: 'Kubernetes cluster pods and containers should only use allowed SELinux options' }],
    kubescape: [],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/pod-security-admission/policy/check_seLinuxOptions.go',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#assign-selinux-labels-to-a-container',
  ],
  evaluate: (object) => {
    const podSpec = object.podSpec ?? {};
    const findings: WorkloadFinding[] = seLinuxFindings(podSpec['securityContext'], 'securityContext');
    for (const container of object.containers) {
      const prefix = `${containerPath(podSpec, container)}.securityContext`;
      for (const finding of seLinuxFindings(container.spec['securityContext'], prefix)) {
        findings.push({ container: container.name, containerKind: container.kind, ...finding });
      }
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment without seLinuxOptions',
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
      containers:
        - name: api
          image: contoso.azurecr.io/shop/api:3.1.0
`,
    },
    {
      name: 'a pod with an MCS level and the allowed container types (container_engine_t for a nested runtime)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: builder
  namespace: ci
spec:
  securityContext:
    seLinuxOptions:
      level: "s0:c123,c456"
  initContainers:
    - name: prepare
      image: contoso.azurecr.io/ci/prepare:1.0.0
      securityContext:
        seLinuxOptions:
          type: container_init_t
  containers:
    - name: buildah
      image: quay.io/buildah/stable:v1.37
      securityContext:
        seLinuxOptions:
          type: container_engine_t
`,
    },
    {
      name: 'a pod whose container runs as the super-privileged spc_t type',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: host-inspector
  namespace: ops
spec:
  containers:
    - name: inspector
      image: contoso.azurecr.io/ops/inspector:0.4.0
      securityContext:
        seLinuxOptions:
          type: spc_t
`,
    },
    {
      name: 'a StatefulSet whose pod template sets an SELinux user and role at pod level',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: data
spec:
  serviceName: db
  selector:
    matchLabels: { app: db }
  template:
    metadata:
      labels: { app: db }
    spec:
      securityContext:
        seLinuxOptions:
          user: system_u
          role: system_r
          type: container_t
      containers:
        - name: postgres
          image: docker.io/library/postgres:16.4
`,
    },
    {
      name: 'a Job whose init container sets unconfined_t',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: data
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
        - name: wait
          image: docker.io/library/busybox:1.36
        - name: fix-permissions
          image: docker.io/library/busybox:1.36
          securityContext:
            seLinuxOptions:
              type: unconfined_t
      containers:
        - name: migrate
          image: contoso.azurecr.io/data/migrate:2.3.0
`,
    },
    {
      name: 'a pod seen only as metadata (no spec to judge)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: api-5c7b9
  namespace: shop
`,
    },
  ],
});
