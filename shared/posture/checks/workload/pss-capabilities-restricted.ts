import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { type WorkloadObject, WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

/** The only capability the restricted level lets a container add back. */
export const RESTRICTED_ADDABLE_CAPABILITIES: ReadonlySet<string> = new Set(['NET_BIND_SERVICE']);

/**
 * Upstream (check_capabilities_restricted.go): every container's `capabilities.drop` must include exactly "ALL" (the
 * comparison is case-sensitive: `all` fails), and `capabilities.add` may hold only NET_BIND_SERVICE.
 */
function capabilityFindings(object: WorkloadObject): WorkloadFinding[] {
  const findings: WorkloadFinding[] = [];
  for (const container of object.containers) {
    const drop = getPath(container.spec, 'securityContext', 'capabilities', 'drop');
    if (!(Array.isArray(drop) && drop.includes('ALL'))) {
      findings.push(containerFinding(object.podSpec, container, 'securityContext.capabilities.drop', drop ?? '(absent)'));
    }
    const add = getPath(container.spec, 'securityContext', 'capabilities', 'add');
    if (Array.isArray(add)) {
      add.forEach((capability, index) => {
        if (typeof capability !== 'string' || !RESTRICTED_ADDABLE_CAPABILITIES.has(capability)) {
          findings.push(containerFinding(object.podSpec, container, `securityContext.capabilities.add[${index}]`, capability));
        }
      });
    } else if (add !== undefined && add !== null) {
      findings.push(containerFinding(object.podSpec, container, 'securityContext.capabilities.add', add));
    }
  }
  return findings;
}

export const pssCapabilitiesRestricted = defineWorkloadControl({
  name: 'pss-capabilities-restricted',
  displayName: 'Least privileged Linux capabilities should be enforced for containers',
  description:
    'Container runtimes grant a default set of Linux capabilities (CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_RAW, ' +
    'MKNOD, KILL, ...) that most applications never use: NET_RAW lets a container spoof and sniff traffic on the node\'s ' +
    'network, DAC_OVERRIDE ignores file permissions, and each one widens what an intruder can do and which kernel bugs ' +
    'they can reach. The Pod Security Standards\' restricted level requires every container, init container and ' +
    'ephemeral container to drop ALL capabilities and add back at most NET_BIND_SERVICE. Windows pods ' +
    '(`spec.os.name: windows`) are exempt since Kubernetes 1.25.',
  remediationDescription:
    'Set `securityContext.capabilities.drop: ["ALL"]` (upper case) on every container, init container and ephemeral ' +
    'container, and remove every `capabilities.add` entry except NET_BIND_SERVICE (better still, listen on a port above ' +
    '1024 and add nothing). Then label the namespace `pod-security.kubernetes.io/enforce: restricted`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.restricted, control: 'Capabilities' },
  target: WorkloadTarget.podTemplate,
  linuxOnly: true,
  equivalents: {
    defender: ['Least privileged Linux capabilities should be enforced for containers'],
    // Matches when assigned with requiredDropCapabilities [ALL] and allowedCapabilities [NET_BIND_SERVICE].
    azurePolicy: [{ id: 'c26596ff-4d70-4e6a-9a30-c2506bd2f80c', displayName: 'Kubernetes cluster containers should only use allowed capabilities' }],
    kubescape: ['C-0046'],
    polaris: ['insecureCapabilities', 'dangerousCapabilities'],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    return outcomeOf(capabilityFindings(object));
  },
  examples: [
    {
      name: 'a Deployment whose container drops ALL',
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
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: { drop: [ALL] }
`,
    },
    {
      name: 'a pod whose init container drops ALL and whose web server adds back NET_BIND_SERVICE to listen on port 80',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: edge, namespace: shop }
spec:
  initContainers:
    - name: render-config
      image: contoso.azurecr.io/shop/render:1.0
      securityContext:
        capabilities: { drop: [ALL] }
  containers:
    - name: nginx
      image: docker.io/library/nginx:1.25
      ports: [{ containerPort: 80 }]
      securityContext:
        capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }
`,
    },
    {
      name: 'a Deployment whose container keeps the runtime default capabilities',
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
      name: 'a pod that drops ALL but adds NET_ADMIN and NET_RAW to a VPN sidecar',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      securityContext:
        capabilities: { drop: [ALL] }
    - name: vpn
      image: docker.io/example/wireguard:1.0
      securityContext:
        capabilities: { drop: [ALL], add: [NET_BIND_SERVICE, NET_ADMIN, NET_RAW] }
`,
    },
    {
      name: 'a CronJob that drops "all" in lower case (upstream compares exactly "ALL")',
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
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
              securityContext:
                capabilities: { drop: [all] }
`,
    },
    {
      name: 'a hardened pod with a debugging ephemeral container that drops nothing and adds SYS_PTRACE',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      securityContext:
        capabilities: { drop: [ALL] }
  ephemeralContainers:
    - name: debugger-x2k4
      image: docker.io/library/busybox:1.36
      targetContainerName: api
      securityContext:
        capabilities: { add: [SYS_PTRACE] }
`,
    },
    {
      name: 'a Windows pod (spec.os.name: windows) that sets no capabilities',
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
