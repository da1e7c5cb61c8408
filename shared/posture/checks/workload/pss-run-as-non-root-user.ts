import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { type WorkloadObject, WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

/** Upstream (check_runAsUser.go): neither the pod nor any container may set runAsUser: 0; unset passes. */
function rootUserFindings(object: WorkloadObject): WorkloadFinding[] {
  const findings: WorkloadFinding[] = [];
  if (getPath(object.podSpec, 'securityContext', 'runAsUser') === 0) findings.push({ field: 'securityContext.runAsUser', value: '0' });
  for (const container of object.containers) {
    if (getPath(container.spec, 'securityContext', 'runAsUser') === 0) findings.push(containerFinding(object.podSpec, container, 'securityContext.runAsUser', 0));
  }
  return findings;
}

export const pssRunAsNonRootUser = defineWorkloadControl({
  name: 'pss-run-as-non-root-user',
  displayName: 'Containers should not set runAsUser to 0 (root)',
  description:
    '`runAsUser: 0` runs the container\'s processes as root whatever user the image names (together with ' +
    '`runAsNonRoot: true` the kubelet refuses to start the container). Root in a container is root on the node\'s ' +
    'kernel, one misconfiguration or kernel bug away from the node. The Pod Security Standards\' ' +
    'restricted level (Kubernetes 1.23+) forbids `runAsUser: 0` in the pod\'s security context and in every container, ' +
    'init container and ephemeral container; any non-zero value, or none, is allowed.',
  remediationDescription:
    'Remove `runAsUser: 0` or set a non-zero UID (for example 10001) and make the image work as that user (file ownership, ' +
    'ports above 1024). Then label the namespace `pod-security.kubernetes.io/enforce: restricted`.',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.MaliciousInsider, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  podSecurity: { level: PodSecurityLevel.restricted, control: 'Running as Non-root user' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    // The definition's default rule (MustRunAsNonRoot) fails runAsUser: 0 and also an unset runAsUser without
    // runAsNonRoot: true, so it covers this control and pss-run-as-non-root together.
    defender: ['Running containers as root user should be avoided'],
    azurePolicy: [{ id: 'f06ddb64-5fa3-4b77-b166-acb36f7f6042', displayName: 'Kubernetes cluster pods and containers should only run with approved user and group IDs' }],
    kubescape: ['C-0013'],
    polaris: ['runAsRootAllowed'],
    kubeScore: ['container-security-context-user-group-id'],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => outcomeOf(rootUserFindings(object)),
  examples: [
    {
      name: 'a Deployment that runs as UID 10001',
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
      securityContext: { runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true }
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
`,
    },
    {
      name: 'a pod that sets no user at all (upstream allows an unset runAsUser)',
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
      name: 'a pod running as root in another namespace (runAsUser: 0 for the whole pod)',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: toolbox, namespace: ops }
spec:
  securityContext: { runAsUser: 0 }
  containers:
    - name: toolbox
      image: docker.io/library/ubuntu:24.04
      command: ["sleep", "infinity"]
`,
    },
    {
      name: 'a DaemonSet whose init container switches to root to fix file ownership',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: log-agent, namespace: monitoring }
spec:
  selector: { matchLabels: { app: log-agent } }
  template:
    metadata: { labels: { app: log-agent } }
    spec:
      securityContext: { runAsUser: 10001, runAsNonRoot: true }
      initContainers:
        - name: chown-buffer
          image: docker.io/library/busybox:1.36
          command: ["chown", "-R", "10001:10001", "/buffer"]
          securityContext: { runAsUser: 0, runAsNonRoot: false }
      containers:
        - name: agent
          image: docker.io/fluent/fluent-bit:3.0
`,
    },
    {
      name: 'a CronJob whose container runs as root while the pod sets a non-root user',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: backup, namespace: ops }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          securityContext: { runAsUser: 1000 }
          containers:
            - name: backup
              image: contoso.azurecr.io/ops/backup:4.2
              securityContext: { runAsUser: 0 }
`,
    },
    {
      name: 'a debugging ephemeral container added as root',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f, namespace: shop }
spec:
  securityContext: { runAsUser: 10001 }
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
  ephemeralContainers:
    - name: debugger-x2k4
      image: docker.io/library/busybox:1.36
      targetContainerName: api
      securityContext: { runAsUser: 0 }
`,
    },
  ],
});
