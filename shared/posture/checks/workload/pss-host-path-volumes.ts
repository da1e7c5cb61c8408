import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { asArray, asObject, asString } from '../../../kubernetes/jsonValues';

export const pssHostPathVolumes = defineWorkloadControl({
  name: 'pss-host-path-volumes',
  displayName: 'Pods should not mount hostPath volumes',
  description:
    'A hostPath volume puts a directory or file of the node inside the container: the container runtime\'s socket, the ' +
    'kubelet\'s credentials, /etc or the root file system. A container that can write there owns the node, and one that ' +
    'can read there reads other pods\' secrets. The Pod Security Standards\' baseline level forbids hostPath volumes ' +
    'altogether (`spec.volumes[*].hostPath` must be unset), whatever the path and even read-only.',
  remediationDescription:
    'Replace hostPath volumes with emptyDir, configMap, secret, projected or persistentVolumeClaim volumes (a CSI driver ' +
    'for node-local storage). Node agents that must read the host belong in a namespace labelled ' +
    '`pod-security.kubernetes.io/enforce: privileged`, with the paths they need mounted read-only.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Compute, AssessmentCategory.Data],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration, AssessmentThreat.DataSpillage],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.Moderate,
  podSecurity: { level: PodSecurityLevel.baseline, control: 'HostPath Volumes' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Usage of pod HostPath volume mounts should be restricted to a known list to restrict node access from compromised containers'],
    azurePolicy: [{ id: '098fc59e-46c7-4d99-9b16-64990e543d75', displayName: 'Kubernetes cluster pod hostPath volumes should only use allowed host paths' }],
    kubescape: ['C-0048', 'C-0203'],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline',
    'https://kubernetes.io/docs/concepts/storage/volumes/#hostpath',
  ],
  evaluate: (object) => {
    const findings: WorkloadFinding[] = [];
    // Indexes as written (holes included), so the field path points at the manifest's entry.
    asArray(object.podSpec?.['volumes']).forEach((entry, index) => {
      const hostPath = asObject(entry)?.['hostPath'];
      if (hostPath === undefined || hostPath === null) return;
      const path = asString(asObject(hostPath)?.['path']);
      findings.push(
        path === undefined
          ? { field: `volumes[${index}].hostPath`, value: findingValue(hostPath) }
          : { field: `volumes[${index}].hostPath.path`, value: path },
      );
    });
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Deployment using emptyDir, configMap and a persistent volume claim',
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
          volumeMounts:
            - { name: cache, mountPath: /var/cache/web }
            - { name: config, mountPath: /etc/web }
            - { name: uploads, mountPath: /srv/uploads }
      volumes:
        - { name: cache, emptyDir: {} }
        - { name: config, configMap: { name: web-config } }
        - { name: uploads, persistentVolumeClaim: { claimName: uploads } }
`,
    },
    {
      name: 'a log shipper DaemonSet mounting /var/log read-only',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: fluent-bit, namespace: logging }
spec:
  selector: { matchLabels: { app: fluent-bit } }
  template:
    metadata: { labels: { app: fluent-bit } }
    spec:
      containers:
        - name: fluent-bit
          image: cr.fluentbit.io/fluent/fluent-bit:3.0.4
          volumeMounts:
            - { name: config, mountPath: /fluent-bit/etc }
            - { name: varlog, mountPath: /var/log, readOnly: true }
      volumes:
        - { name: config, configMap: { name: fluent-bit-config } }
        - { name: varlog, hostPath: { path: /var/log } }
`,
    },
    {
      name: 'a CI Job mounting the container runtime socket',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: Job
metadata: { name: image-build, namespace: ci }
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: build
          image: docker.io/moby/buildkit:v0.13.2
          volumeMounts: [{ name: runtime, mountPath: /run/containerd/containerd.sock }]
      volumes:
        - name: runtime
          hostPath: { path: /run/containerd/containerd.sock, type: Socket }
`,
    },
    {
      name: 'a pod seen only as metadata (no spec)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f, namespace: shop, labels: { app: api } }
`,
    },
  ],
});
