import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { asObject, getPath } from '../../../kubernetes/jsonValues';
import { containerPath, findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

/** `securityContext.appArmorProfile.type` values upstream allows (an absent `appArmorProfile` is allowed too). */
const ALLOWED_PROFILE_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);

/** The deprecated (beta) per-container annotation; upstream still checks it. */
const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** The value as found; `(absent)` when the field is missing. */
const foundOrAbsent = (value: unknown): string => (value === undefined ? '(absent)' : findingValue(value));

/** Annotation values upstream allows: empty, `runtime/default` or a `localhost/<profile>`. */
function isAllowedAnnotationValue(value: string): boolean {
  return value === '' || value === 'runtime/default' || value.startsWith('localhost/');
}

/** A finding when a security context sets an AppArmor profile whose type is not allowed. */
function profileFinding(securityContext: unknown, field: string): WorkloadFinding | undefined {
  const profile = asObject(getPath(securityContext, 'appArmorProfile'));
  if (profile === undefined) return undefined;
  const type = profile['type'];
  return typeof type === 'string' && ALLOWED_PROFILE_TYPES.has(type) ? undefined : { field, value: foundOrAbsent(type) };
}

export const pssApparmor = defineWorkloadControl({
  name: 'pss-apparmor',
  displayName: 'Overriding or disabling of containers AppArmor profile should be restricted',
  description:
    'On nodes with AppArmor (Ubuntu, the AKS default), the container runtime confines every container with its default AppArmor ' +
    'profile. A pod that sets the profile to `Unconfined`, through `securityContext.appArmorProfile.type` at pod or container ' +
    'level or the deprecated `container.apparmor.security.beta.kubernetes.io/<container>` annotation, removes that layer: a ' +
    'compromised process may then write to /proc and /sys, mount file systems and reach kernel interfaces the default profile ' +
    'denies. The Pod Security Standards (baseline) allow only `RuntimeDefault` and `Localhost` profiles.',
  remediationDescription:
    'Remove `appArmorProfile` from the pod and container security contexts (the runtime default applies), or set its `type` to ' +
    '`RuntimeDefault` or to `Localhost` with a `localhostProfile` loaded on the nodes; remove `unconfined` AppArmor annotations. ' +
    'Then label the namespace `pod-security.kubernetes.io/enforce: baseline` to refuse new pods that disable AppArmor.',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.Low,
  implementationEffort: ImpactLevel.Low,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'AppArmor' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Overriding or disabling of containers AppArmor profile should be restricted'],
    azurePolicy: [{ id: '511f5417-5d12-434d-ab2e-816901e72a5e', displayName: 'Kubernetes cluster containers should only use allowed AppArmor profiles' }],
    kubescape: [],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/pod-security-admission/policy/check_appArmorProfile.go',
    'https://kubernetes.io/docs/tutorials/security/apparmor/',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    const podSpec = object.podSpec ?? {};
    const findings: WorkloadFinding[] = [];
    const podFinding = profileFinding(podSpec['securityContext'], 'securityContext.appArmorProfile.type');
    if (podFinding !== undefined) findings.push(podFinding);
    for (const container of object.containers) {
      const path = `${containerPath(podSpec, container)}.securityContext.appArmorProfile.type`;
      const finding = profileFinding(container.spec['securityContext'], path);
      if (finding !== undefined) findings.push({ container: container.name, containerKind: container.kind, ...finding });
    }
    for (const [key, value] of Object.entries(asObject(object.podMetadata?.['annotations']) ?? {})) {
      if (!key.startsWith(ANNOTATION_PREFIX) || typeof value !== 'string' || isAllowedAnnotationValue(value)) continue;
      const name = key.slice(ANNOTATION_PREFIX.length);
      const container = object.containers.find((candidate) => candidate.name === name);
      findings.push({ container: name, ...(container === undefined ? {} : { containerKind: container.kind }), field: `metadata.annotations['${key}']`, value });
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment without any AppArmor setting (the runtime default applies)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
          ports:
            - containerPort: 8080
`,
    },
    {
      name: 'a pod with RuntimeDefault at pod level and a Localhost profile on one container',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: hardened
  namespace: shop
spec:
  securityContext:
    appArmorProfile:
      type: RuntimeDefault
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
      securityContext:
        appArmorProfile:
          type: Localhost
          localhostProfile: k8s-apparmor-deny-write
`,
    },
    {
      name: 'a pod whose legacy annotations ask for runtime/default and a localhost profile',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: legacy-annotations
  namespace: shop
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: runtime/default
    container.apparmor.security.beta.kubernetes.io/sidecar: localhost/k8s-apparmor-deny-write
spec:
  containers:
    - name: app
      image: contoso.azurecr.io/shop/app:2.0.0
    - name: sidecar
      image: contoso.azurecr.io/shop/proxy:1.1.0
`,
    },
    {
      name: 'a pod whose container sets appArmorProfile.type Unconfined',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: debug-tools
  namespace: shop
spec:
  containers:
    - name: tools
      image: docker.io/nicolaka/netshoot:v0.13
      securityContext:
        appArmorProfile:
          type: Unconfined
`,
    },
    {
      name: 'a DaemonSet whose pod template disables AppArmor at pod level',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
  namespace: monitoring
spec:
  selector:
    matchLabels: { app: node-agent }
  template:
    metadata:
      labels: { app: node-agent }
    spec:
      securityContext:
        appArmorProfile:
          type: Unconfined
      containers:
        - name: agent
          image: contoso.azurecr.io/monitoring/agent:5.1.0
`,
    },
    {
      name: 'a CronJob whose pod template annotation makes the init container unconfined',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-report
  namespace: finance
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            container.apparmor.security.beta.kubernetes.io/fetch: unconfined
        spec:
          restartPolicy: OnFailure
          initContainers:
            - name: fetch
              image: contoso.azurecr.io/finance/fetch:0.9.1
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.2.0
`,
    },
    {
      name: 'a pod whose ephemeral debug container is unconfined',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata:
  name: checkout-7d9f
  namespace: shop
spec:
  containers:
    - name: checkout
      image: contoso.azurecr.io/shop/checkout:1.8.0
  ephemeralContainers:
    - name: debugger-x7k2p
      image: docker.io/library/busybox:1.36
      targetContainerName: checkout
      securityContext:
        appArmorProfile:
          type: Unconfined
`,
    },
    {
      name: 'a Deployment seen only as a scale patch (no pod template to judge)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 5
`,
    },
  ],
});
