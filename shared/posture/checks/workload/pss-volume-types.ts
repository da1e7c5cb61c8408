import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, PodSecurityLevel, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { asArray, asObject, asString, type JsonObject } from '../../../kubernetes/jsonValues';

/**
 * The volume sources the restricted level allows (pod-security-admission's check_restrictedVolumes.go). `image` (OCI
 * image volumes) is allowed by Pod Security Admission since Kubernetes 1.33 (kubernetes/kubernetes#130394), although
 * the Pod Security Standards page does not list it yet (kubernetes/website#55370).
 */
export const RESTRICTED_VOLUME_SOURCES: ReadonlySet<string> = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** A volume's sources as written: every key but `name` whose value is set. */
function sourcesOf(volume: JsonObject): string[] {
  return Object.keys(volume).filter((key) => key !== 'name' && volume[key] !== undefined && volume[key] !== null);
}

function volumeFindings(podSpec: JsonObject | undefined): WorkloadFinding[] {
  const findings: WorkloadFinding[] = [];
  asArray(podSpec?.['volumes']).forEach((item, index) => {
    const volume = asObject(item);
    if (volume === undefined) return;
    const sources = sourcesOf(volume);
    // Upstream allows a volume as soon as one allowed source is set. A volume with no source at all is defaulted to
    // emptyDir by the API server, so it is allowed too.
    if (sources.length === 0 || sources.some((source) => RESTRICTED_VOLUME_SOURCES.has(source))) return;
    for (const source of sources) {
      const name = asString(volume['name']);
      findings.push({ field: `volumes[${index}].${source}`, value: `${name === undefined ? '' : `${name}: `}${findingValue(volume[source])}` });
    }
  });
  return findings;
}

export const pssVolumeTypes = defineWorkloadControl({
  name: 'pss-volume-types',
  displayName: 'Pods should only use the volume types the restricted Pod Security level allows',
  description:
    'Volumes other than configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and ' +
    'secret reach past the pod: hostPath mounts the node\'s file system, and the in-tree network and cloud disk types ' +
    '(nfs, iscsi, rbd, cephfs, azureDisk, azureFile, gitRepo, flexVolume, ...) let a workload attach storage directly, ' +
    'bypassing the PersistentVolume objects an administrator controls; gitRepo has run code on the node. The Pod Security ' +
    'Standards\' restricted level allows only the listed types, in every item of `spec.volumes`.',
  remediationDescription:
    'Replace hostPath and in-tree volume types with a PersistentVolumeClaim bound to a PersistentVolume (or a CSI driver), ' +
    'and gitRepo with an init container that clones into an emptyDir. Then label the namespace ' +
    '`pod-security.kubernetes.io/enforce: restricted`.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Data, AssessmentCategory.Compute],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.DataExfiltration, AssessmentThreat.DataSpillage],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  podSecurity: { level: PodSecurityLevel.restricted, control: 'Volume Types' },
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: [],
    azurePolicy: [{ id: '16697877-1118-4fb1-9b65-9898ec2509ec', displayName: 'Kubernetes cluster pods should only use allowed volume types' }],
    kubescape: [],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted',
    'https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/pod-security-admission/policy/check_restrictedVolumes.go',
    'https://kubernetes.io/docs/concepts/storage/volumes/',
  ],
  evaluate: (object) => outcomeOf(volumeFindings(object.podSpec)),
  examples: [
    {
      name: 'a Deployment with configMap, secret, emptyDir, projected and PVC volumes',
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
            - { name: config, mountPath: /etc/web }
            - { name: tls, mountPath: /etc/tls }
            - { name: cache, mountPath: /var/cache/web }
            - { name: token, mountPath: /var/run/secrets/tokens }
            - { name: uploads, mountPath: /srv/uploads }
      volumes:
        - { name: config, configMap: { name: web-config } }
        - { name: tls, secret: { secretName: web-tls } }
        - { name: cache, emptyDir: { sizeLimit: 1Gi } }
        - name: token
          projected:
            sources: [{ serviceAccountToken: { path: token, audience: api, expirationSeconds: 3600 } }]
        - { name: uploads, persistentVolumeClaim: { claimName: web-uploads } }
`,
    },
    {
      name: 'a StatefulSet with a CSI inline volume, a generic ephemeral volume and a downward API volume',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: ledger, namespace: finance }
spec:
  serviceName: ledger
  selector: { matchLabels: { app: ledger } }
  template:
    metadata: { labels: { app: ledger } }
    spec:
      containers:
        - name: ledger
          image: contoso.azurecr.io/finance/ledger:5.0
      volumes:
        - name: secrets-store
          csi: { driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: { secretProviderClass: ledger-kv } }
        - name: scratch
          ephemeral:
            volumeClaimTemplate:
              spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 10Gi } } }
        - name: podinfo
          downwardAPI: { items: [{ path: labels, fieldRef: { fieldPath: metadata.labels } }] }
`,
    },
    {
      name: 'a pod with a volume that names no source (the API server defaults it to emptyDir)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: batch-1, namespace: jobs }
spec:
  containers:
    - name: work
      image: contoso.azurecr.io/jobs/work:1.0
      volumeMounts: [{ name: scratch, mountPath: /tmp }]
  volumes:
    - name: scratch
`,
    },
    {
      name: 'a pod mounting the container runtime socket through hostPath',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: builder, namespace: ci }
spec:
  containers:
    - name: builder
      image: docker.io/library/docker:24-cli
      volumeMounts: [{ name: runtime, mountPath: /var/run/containerd/containerd.sock }]
  volumes:
    - name: runtime
      hostPath: { path: /run/containerd/containerd.sock, type: Socket }
`,
    },
    {
      name: 'a Deployment with an NFS volume and an Azure File volume next to an allowed configMap',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata: { name: media, namespace: shop }
spec:
  selector: { matchLabels: { app: media } }
  template:
    metadata: { labels: { app: media } }
    spec:
      containers:
        - name: media
          image: contoso.azurecr.io/shop/media:2.2
      volumes:
        - { name: config, configMap: { name: media-config } }
        - { name: archive, nfs: { server: 10.0.4.12, path: /exports/media } }
        - { name: assets, azureFile: { secretName: assets-storage, shareName: assets, readOnly: true } }
`,
    },
    {
      name: 'a CronJob cloning its scripts with the deprecated gitRepo volume',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: sync, namespace: ops }
spec:
  schedule: "*/30 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: sync
              image: contoso.azurecr.io/ops/sync:1.1
          volumes:
            - name: scripts
              gitRepo: { repository: "https://github.com/contoso/ops-scripts.git", revision: main }
`,
    },
    {
      name: 'a Deployment seen only as a scale patch (no pod template)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata: { name: media, namespace: shop }
spec:
  replicas: 3
`,
    },
  ],
});
