import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { asArray, asObject, getPath } from '../../../kubernetes/jsonValues';
import { findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

/**
 * The sysctls the Pod Security Standards (baseline) allow, as of the newest policy version: namespaced per pod and
 * isolated from other pods on the node. Upstream grows this list with policy versions (`sysctlsAllowedV1Dot<minor>`);
 * an older cluster's Pod Security Admission refuses the newer names, and so does its kubelet unless allowed there.
 */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  // policy 1.0
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  // policy 1.27
  'net.ipv4.ip_local_reserved_ports',
  // policy 1.29
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  // policy 1.32
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
  // policy 1.37
  'net.ipv4.tcp_slow_start_after_idle',
  'net.ipv4.tcp_notsent_lowat',
]);

/** The value as found; `(absent)` when the field is missing. */
const foundOrAbsent = (value: unknown): string => (value === undefined ? '(absent)' : findingValue(value));

export const pssSysctls = defineWorkloadControl({
  name: 'pss-sysctls',
  displayName: 'Pods should set only safe sysctls',
  description:
    'Sysctls set in `spec.securityContext.sysctls` change kernel parameters for the pod. Only a small set is both namespaced ' +
    'and isolated from other pods on the node; the others (`kernel.msg*`, `kernel.sem`, `net.core.somaxconn`, ' +
    '`net.ipv4.ip_forward`, ...) can starve or reconfigure the node and its neighbours, or turn off protections. The Pod ' +
    'Security Standards (baseline) allow only the safe set: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, ' +
    'net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, ' +
    'net.ipv4.ip_local_reserved_ports, the tcp_keepalive_* and tcp_fin_timeout sysctls, net.ipv4.tcp_rmem, ' +
    'net.ipv4.tcp_wmem, net.ipv4.tcp_slow_start_after_idle and net.ipv4.tcp_notsent_lowat (the last ones with newer policy ' +
    'versions).',
  remediationDescription:
    'Remove the unsafe sysctls from `spec.securityContext.sysctls`. A workload that really needs one belongs on a dedicated, ' +
    'tainted node pool whose kubelet allows it (`--allowed-unsafe-sysctls`, on AKS a custom node configuration), in a namespace ' +
    'whose Pod Security level is set accordingly. Then label the other namespaces `pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DenialOfService],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Moderate,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'Sysctls' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: [],
    azurePolicy: [
      { id: '56d0a13f-712f-466b-8416-56fb354fb823', displayName: 'Kubernetes cluster containers should not use forbidden sysctl interfaces' },
      { id: '5e5a0673-649e-4d50-bf9d-5a387a4e2081', displayName: '[Preview]: Kubernetes cluster containers should use only allowed sysctl interfaces' },
    ],
    kubescape: [],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/pod-security-admission/policy/check_sysctls.go',
    'https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/',
    'https://learn.microsoft.com/azure/aks/custom-node-configuration',
  ],
  evaluate: (object) => {
    const findings: WorkloadFinding[] = [];
    asArray(getPath(object.podSpec, 'securityContext', 'sysctls')).forEach((item, index) => {
      const sysctl = asObject(item);
      if (sysctl === undefined) return;
      const name = sysctl['name'];
      if (typeof name === 'string' && SAFE_SYSCTLS.has(name)) return;
      findings.push({ field: `securityContext.sysctls[${index}].name`, value: foundOrAbsent(name) });
    });
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment without sysctls',
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
      name: 'a pod that widens its local port range and shortens keepalives (safe sysctls)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: gateway
  namespace: edge
spec:
  securityContext:
    sysctls:
      - name: net.ipv4.ip_local_port_range
        value: "1024 65535"
      - name: net.ipv4.tcp_keepalive_time
        value: "300"
      - name: net.ipv4.ip_unprivileged_port_start
        value: "80"
  containers:
    - name: envoy
      image: docker.io/envoyproxy/envoy:v1.31.2
`,
    },
    {
      name: 'a StatefulSet that raises net.core.somaxconn and kernel.msgmax (unsafe sysctls)',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: queue
  namespace: data
spec:
  serviceName: queue
  selector:
    matchLabels: { app: queue }
  template:
    metadata:
      labels: { app: queue }
    spec:
      securityContext:
        sysctls:
          - name: kernel.shm_rmid_forced
            value: "1"
          - name: net.core.somaxconn
            value: "1024"
          - name: kernel.msgmax
            value: "65536"
      containers:
        - name: broker
          image: docker.io/library/rabbitmq:3.13
`,
    },
    {
      name: 'a CronJob that turns on IP forwarding',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata:
  name: tunnel-check
  namespace: ops
spec:
  schedule: "*/15 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          securityContext:
            sysctls:
              - name: net.ipv4.ip_forward
                value: "1"
          containers:
            - name: check
              image: contoso.azurecr.io/ops/tunnel-check:0.2.0
`,
    },
    {
      name: 'a pod that writes a safe sysctl with slashes instead of dots (upstream compares names exactly)',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: slash-names
  namespace: shop
spec:
  securityContext:
    sysctls:
      - name: net/ipv4/ip_local_port_range
        value: "1024 65535"
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
`,
    },
    {
      name: 'a pod seen only as metadata (no spec to judge)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: queue-0
  namespace: data
`,
    },
  ],
});
