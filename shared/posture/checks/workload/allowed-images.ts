import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { containerFinding } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

/** Why the control cannot judge: nobody said which registries are allowed. */
export const NO_ALLOWED_IMAGES_CONFIGURED = 'noAllowedImagesConfigured';

/** Characters that end a registry or repository name inside an image reference. */
const nameBoundaries = new Set(['/', ':', '@']);

/**
 * Whether an image comes from an allowed prefix. A prefix ending in `/`, `:` or `@` matches as it is; any other prefix
 * must end at a name boundary, so `contoso.azurecr.io` allows `contoso.azurecr.io/web:1` but not
 * `contoso.azurecr.io.evil.example/web:1`.
 */
export function isAllowedImage(image: string, allowedPrefixes: readonly string[]): boolean {
  return allowedPrefixes.some((prefix) => {
    if (prefix.length === 0 || !image.startsWith(prefix)) return false;
    const next = image.charAt(prefix.length);
    return next === '' || nameBoundaries.has(prefix.charAt(prefix.length - 1)) || nameBoundaries.has(next);
  });
}

export const allowedImages = defineWorkloadControl({
  name: 'allowed-images',
  displayName: 'Container images should be deployed from trusted registries only',
  description:
    'Every image a pod runs should come from a registry the organisation controls and scans. An image pulled from anywhere ' +
    'else (a public registry, a typo-squatted name, an attacker\'s registry) may carry known vulnerabilities, a crypto miner ' +
    'or a backdoor that no scan has seen. Azure Policy\'s built-in definition matches each container\'s image against a ' +
    'regular expression; Argus matches it against the named list `allowedImagePrefixes` (registries or repository ' +
    'prefixes, ending at a name boundary), which is empty by default: until it is set, this control says NotApplicable. ' +
    'Containers, init containers and ephemeral containers are judged (Azure Policy\'s template reads the first two).',
  remediationDescription:
    'Push the images to your own registry (for example `az acr import -n <registry> --source docker.io/library/nginx:1.27`) ' +
    'and reference them from there, then list that registry in `allowedImagePrefixes` (e.g. `contoso.azurecr.io/`). ' +
    'Enforce it at admission with the Azure Policy definition "Kubernetes cluster containers should only use allowed images".',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.MaliciousInsider, AssessmentThreat.DataExfiltration, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.Moderate,
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Container images should be deployed from trusted registries only'],
    azurePolicy: [{ id: 'febd0533-8e55-448f-b837-bd0e06f16469', displayName: 'Kubernetes cluster containers should only use allowed images' }],
    kubescape: ['C-0078'],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Kubernetes/ContainerAllowedImages.json',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object, settings) => {
    if (settings.allowedImagePrefixes.length === 0) {
      return {
        code: AssessmentStatusCode.NotApplicable,
        cause: NO_ALLOWED_IMAGES_CONFIGURED,
        description: 'No allowed registries are configured (allowedImagePrefixes is empty): there is nothing to enforce.',
      };
    }
    // A container without an image cannot run (the API server refuses it); a partial object from a patch shows none.
    return outcomeOf(
      object.containers
        .filter((container) => container.image !== undefined && !isAllowedImage(container.image, settings.allowedImagePrefixes))
        .map((container) => containerFinding(object.podSpec, container, 'image', container.image)),
    );
  },
  examples: [
    {
      name: 'a Deployment whose images all come from the allowed registry',
      expect: AssessmentStatusCode.Healthy,
      settings: { allowedImagePrefixes: ['contoso.azurecr.io/'] },
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      initContainers:
        - name: migrate
          image: contoso.azurecr.io/shop/migrate:1.4.2
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
        - name: proxy
          image: contoso.azurecr.io/mirror/envoy@sha256:4f2a3c5d9e8b7a6f1e0d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f
`,
    },
    {
      name: 'a pod pulling from Docker Hub beside the allowed registry',
      expect: AssessmentStatusCode.Unhealthy,
      settings: { allowedImagePrefixes: ['contoso.azurecr.io/'] },
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
    - name: cache
      image: redis:7.2
`,
    },
    {
      name: 'a CronJob whose init container comes from a look-alike host',
      expect: AssessmentStatusCode.Unhealthy,
      settings: { allowedImagePrefixes: ['contoso.azurecr.io'] },
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: report, namespace: finance }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          initContainers:
            - name: fetch
              image: contoso.azurecr.io.evil.example/tools/fetch:1.0
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
`,
    },
    {
      name: 'a pod with an ephemeral debug container from a public image',
      expect: AssessmentStatusCode.Unhealthy,
      settings: { allowedImagePrefixes: ['contoso.azurecr.io/'] },
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-7d9f8, namespace: shop }
spec:
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
  ephemeralContainers:
    - name: debugger-x7k2p
      image: docker.io/library/busybox:1.36
      targetContainerName: api
`,
    },
    {
      name: 'a repository prefix allows that repository only',
      expect: AssessmentStatusCode.Healthy,
      settings: { allowedImagePrefixes: ['mcr.microsoft.com/oss/kubernetes/', 'docker.io/library/nginx'] },
      manifest: `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: edge, namespace: ingress }
spec:
  serviceName: edge
  selector: { matchLabels: { app: edge } }
  template:
    metadata: { labels: { app: edge } }
    spec:
      containers:
        - name: nginx
          image: docker.io/library/nginx:1.27
        - name: metrics
          image: mcr.microsoft.com/oss/kubernetes/kube-state-metrics:v2.13.0
`,
    },
    {
      name: 'no allowed registries are configured (the default)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: cache, namespace: shop }
spec:
  containers:
    - name: cache
      image: redis:7.2
`,
    },
  ],
});
