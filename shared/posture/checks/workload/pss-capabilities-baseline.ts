import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

/**
 * The capabilities the baseline level lets a container add: the container runtimes' default set. Compared exactly as
 * the Pod Security admission controller does (`CAP_SYS_ADMIN` or `sys_admin` are not on the list, so they fail too).
 */
export const BASELINE_ALLOWED_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const ADD = 'securityContext.capabilities.add';

export const pssCapabilitiesBaseline = defineWorkloadControl({
  name: 'pss-capabilities-baseline',
  displayName: 'Containers should not add capabilities beyond the default set',
  description:
    'Capabilities beyond the container runtime\'s default set give a container pieces of root on the node: SYS_ADMIN ' +
    'mounts file systems and escapes through cgroups, SYS_PTRACE reads other processes, NET_ADMIN and NET_RAW rewrite and ' +
    'spoof the network, SYS_MODULE loads kernel code, and ALL is a privileged container in all but name. The Pod Security ' +
    'Standards\' baseline level lets `securityContext.capabilities.add` hold only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, ' +
    'FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT.',
  remediationDescription:
    'Remove every other capability from `securityContext.capabilities.add` of containers, init containers and ephemeral ' +
    'containers; better, drop ALL and add back only what the process needs (NET_BIND_SERVICE to listen below 1024). ' +
    'Then label the namespace `pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.MaliciousInsider],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'Capabilities' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Least privileged Linux capabilities should be enforced for containers'],
    azurePolicy: [{ id: 'c26596ff-4d70-4e6a-9a30-c2506bd2f80c', displayName: 'Kubernetes cluster containers should only use allowed capabilities' }],
    kubescape: ['C-0046', 'C-0219'],
    polaris: ['dangerousCapabilities'],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
    'https://man7.org/linux/man-pages/man7/capabilities.7.html',
  ],
  evaluate: (object) => {
    const findings: WorkloadFinding[] = [];
    for (const container of object.containers) {
      const added = getPath(container.spec, 'securityContext', 'capabilities', 'add');
      if (added === undefined || added === null) continue;
      if (!Array.isArray(added)) {
        // Not a list: not one of the allowed values, and no way to tell what the runtime would grant.
        findings.push(containerFinding(object.podSpec, container, ADD, added));
        continue;
      }
      added.forEach((capability: unknown, index) => {
        if (typeof capability === 'string' && BASELINE_ALLOWED_CAPABILITIES.has(capability)) return;
        findings.push(containerFinding(object.podSpec, container, `${ADD}[${index}]`, capability));
      });
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment that drops ALL and adds back NET_BIND_SERVICE',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ingress-proxy, namespace: edge }
spec:
  selector: { matchLabels: { app: ingress-proxy } }
  template:
    metadata: { labels: { app: ingress-proxy } }
    spec:
      containers:
        - name: envoy
          image: docker.io/envoyproxy/envoy:v1.30.1
          ports: [{ containerPort: 443 }]
          securityContext:
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] }
`,
    },
    {
      name: 'a pod adding CHOWN, SETUID and SETGID, all in the default set',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: legacy-app, namespace: legacy }
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/legacy/app:4.2
      securityContext:
        capabilities: { add: ["CHOWN", "SETUID", "SETGID"] }
`,
    },
    {
      name: 'a pod with no capabilities block at all',
      expect: AssessmentStatusCode.Healthy,
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
      name: 'a VPN DaemonSet adding NET_ADMIN and SYS_MODULE',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: wireguard, namespace: vpn }
spec:
  selector: { matchLabels: { app: wireguard } }
  template:
    metadata: { labels: { app: wireguard } }
    spec:
      containers:
        - name: wireguard
          image: docker.io/linuxserver/wireguard:1.0.20210914
          securityContext:
            capabilities: { add: ["NET_ADMIN", "SYS_MODULE"] }
`,
    },
    {
      name: 'a StatefulSet whose init container adds ALL',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: elasticsearch, namespace: search }
spec:
  serviceName: elasticsearch
  selector: { matchLabels: { app: elasticsearch } }
  template:
    metadata: { labels: { app: elasticsearch } }
    spec:
      initContainers:
        - name: sysctl
          image: docker.io/library/busybox:1.36
          command: ["sysctl", "-w", "vm.max_map_count=262144"]
          securityContext:
            capabilities: { add: ["ALL"] }
      containers:
        - name: elasticsearch
          image: docker.elastic.co/elasticsearch/elasticsearch:8.13.4
`,
    },
    {
      name: 'an ephemeral debug container adding SYS_PTRACE',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
  ephemeralContainers:
    - name: debugger-r8p2
      image: docker.io/nicolaka/netshoot:v0.12
      targetContainerName: api
      securityContext:
        capabilities: { add: ["SYS_PTRACE"] }
`,
    },
    {
      name: 'a pod adding CAP_CHOWN, the kernel name, which the allowed list does not hold',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: files, namespace: shop }
spec:
  containers:
    - name: files
      image: contoso.azurecr.io/shop/files:1.0
      securityContext:
        capabilities: { add: ["CAP_CHOWN"] }
`,
    },
  ],
});
