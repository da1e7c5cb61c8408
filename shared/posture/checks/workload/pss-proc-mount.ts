import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { getPath } from '../../../kubernetes/jsonValues';
import { containerPath, findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

/** The only `securityContext.procMount` value upstream allows besides unset: the masked, read-only default. */
const DEFAULT_PROC_MOUNT = 'Default';

export const pssProcMount = defineWorkloadControl({
  name: 'pss-proc-mount',
  displayName: 'Containers should keep the default masked /proc mount',
  description:
    'The runtime mounts /proc into each container with sensitive paths masked or read-only (/proc/kcore, /proc/sys, ' +
    '/proc/sysrq-trigger, ...). `securityContext.procMount: Unmasked` removes those masks, so a process that shares the host ' +
    'user namespace can read kernel memory and change kernel settings that apply to the whole node. The Pod Security Standards ' +
    '(baseline, policy version 1.35 and later) allow only `Default` or unset, except for pods in their own user namespace ' +
    '(`hostUsers: false`), where the unmasked /proc belongs to that namespace.',
  remediationDescription:
    'Remove `securityContext.procMount` from the containers (or set it to `Default`). A nested container runtime that needs an ' +
    'unmasked /proc should run in a user namespace: set `spec.hostUsers: false` on the pod. Then label the namespace ' +
    '`pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: '/proc Mount Type' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: [],
    azurePolicy: [{ id: 'f85eb0dd-92ee-40e9-8a76-db25a507d6d3', displayName: 'Kubernetes cluster containers should only use allowed ProcMountType' }],
    kubescape: [],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/pod-security-admission/policy/check_procMount_baseline.go',
    'https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/',
  ],
  evaluate: (object) => {
    const podSpec = object.podSpec ?? {};
    // Upstream (policy 1.35+) relaxes this control for pods in their own user namespace.
    if (podSpec['hostUsers'] === false) return outcomeOf([]);
    const findings: WorkloadFinding[] = [];
    for (const container of object.containers) {
      const procMount = getPath(container.spec, 'securityContext', 'procMount');
      if (procMount === undefined || procMount === null || procMount === DEFAULT_PROC_MOUNT) continue;
      findings.push({
        container: container.name,
        containerKind: container.kind,
        field: `${containerPath(podSpec, container)}.securityContext.procMount`,
        value: findingValue(procMount),
      });
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment whose containers leave procMount unset',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
`,
    },
    {
      name: 'a pod that sets procMount Default explicitly',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: explicit-default
  namespace: shop
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
      securityContext:
        procMount: Default
`,
    },
    {
      name: 'a pod in its own user namespace (hostUsers false) with an unmasked /proc for a nested runtime',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: nested-builder
  namespace: ci
spec:
  hostUsers: false
  containers:
    - name: buildkit
      image: docker.io/moby/buildkit:v0.16.0-rootless
      securityContext:
        procMount: Unmasked
`,
    },
    {
      name: 'a pod sharing the host user namespace with an unmasked /proc',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: kernel-tuner
  namespace: ops
spec:
  hostUsers: true
  containers:
    - name: tuner
      image: contoso.azurecr.io/ops/tuner:1.2.0
      securityContext:
        procMount: Unmasked
`,
    },
    {
      name: 'a StatefulSet whose init container asks for an unmasked /proc',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cache
  namespace: shop
spec:
  serviceName: cache
  selector:
    matchLabels: { app: cache }
  template:
    metadata:
      labels: { app: cache }
    spec:
      initContainers:
        - name: sysctl-check
          image: docker.io/library/busybox:1.36
          securityContext:
            procMount: Unmasked
      containers:
        - name: redis
          image: docker.io/library/redis:7.4
`,
    },
    {
      name: 'a StatefulSet seen only as a partial object without a pod template',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cache
  namespace: shop
spec:
  replicas: 3
`,
    },
  ],
});
