import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { getPath } from '../../../kubernetes/jsonValues';
import { containerPath, findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

/** Where a container names a host the kubelet connects to: each handler and its two network actions. */
const HANDLERS: readonly (readonly string[])[] = [['livenessProbe'], ['readinessProbe'], ['startupProbe'], ['lifecycle', 'postStart'], ['lifecycle', 'preStop']];
const ACTIONS: readonly string[] = ['httpGet', 'tcpSocket'];

export const pssProbeLifecycleHost = defineWorkloadControl({
  name: 'pss-probe-lifecycle-host',
  displayName: 'Probes and lifecycle hooks should not target another host',
  description:
    'The kubelet runs HTTP and TCP probes and lifecycle hooks from the node, towards the pod IP unless the handler names a ' +
    '`host`. A pod that sets `httpGet.host` or `tcpSocket.host` on a liveness, readiness or startup probe or on a postStart or ' +
    'preStop hook makes the kubelet connect, from the node\'s network position, to any address it chooses: node-local services, ' +
    'the instance metadata endpoint, other pods past their network policies. The Pod Security Standards (baseline, policy ' +
    'version 1.34 and later) allow the host to be unset or empty only.',
  remediationDescription:
    'Remove `host` from the probes\' and lifecycle hooks\' `httpGet` and `tcpSocket` (the kubelet then targets the pod IP); to ' +
    'set a virtual host, send an `httpHeaders` entry named `Host` instead. Then label the namespace ' +
    '`pod-security.kubernetes.io/enforce: baseline`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Networking],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'Host Probes / Lifecycle Hooks' },
  target: WorkloadTarget.podTemplate,
  equivalents: { defender: [], azurePolicy: [], kubescape: [], polaris: [], kubeScore: [] },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/pod-security-admission/policy/check_hostProbesAndhostLifecycle.go',
    'https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#http-probes',
  ],
  evaluate: (object) => {
    const podSpec = object.podSpec ?? {};
    const findings: WorkloadFinding[] = [];
    for (const container of object.containers) {
      for (const handler of HANDLERS) {
        for (const action of ACTIONS) {
          const host = getPath(container.spec, ...handler, action, 'host');
          if (host === undefined || host === null || host === '') continue;
          findings.push({
            container: container.name,
            containerKind: container.kind,
            field: `${containerPath(podSpec, container)}.${handler.join('.')}.${action}.host`,
            value: findingValue(host),
          });
        }
      }
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment whose probes target the pod itself',
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
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
              httpHeaders:
                - name: Host
                  value: shop.contoso.com
          readinessProbe:
            tcpSocket:
              port: 8080
          lifecycle:
            preStop:
              httpGet:
                path: /drain
                port: 8080
`,
    },
    {
      name: 'a pod whose probe sets an empty host (allowed upstream)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: empty-host
  namespace: shop
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
      startupProbe:
        httpGet:
          host: ""
          path: /started
          port: 8080
`,
    },
    {
      name: 'a pod whose liveness probe points the kubelet at the instance metadata endpoint',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: probe-ssrf
  namespace: shop
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
      livenessProbe:
        httpGet:
          host: 169.254.169.254
          path: /metadata/identity/oauth2/token
          port: 80
`,
    },
    {
      name: 'a Deployment whose preStop hook opens a TCP connection to a node-local port',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: jobs
spec:
  selector:
    matchLabels: { app: worker }
  template:
    metadata:
      labels: { app: worker }
    spec:
      containers:
        - name: worker
          image: contoso.azurecr.io/jobs/worker:4.0.1
          lifecycle:
            preStop:
              tcpSocket:
                host: 127.0.0.1
                port: 10250
`,
    },
    {
      name: 'a pod whose sidecar init container probes another service by name',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: with-sidecar
  namespace: shop
spec:
  initContainers:
    - name: proxy
      image: contoso.azurecr.io/shop/proxy:1.1.0
      restartPolicy: Always
      readinessProbe:
        tcpSocket:
          host: payments.finance.svc.cluster.local
          port: 443
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
`,
    },
    {
      name: 'a Deployment seen only as a scale patch (no pod template to judge)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: jobs
spec:
  replicas: 0
`,
    },
  ],
});
