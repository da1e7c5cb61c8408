import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineWorkloadControl, outcomeOf } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { asString, getPath } from '../../../kubernetes/jsonValues';

/** Why the control cannot judge: the object names no namespace, so where it lands depends on `kubectl -n` or the context. */
export const NAMESPACE_NOT_SET = 'namespaceNotSet';

const DEFAULT_NAMESPACE = 'default';

export const defaultNamespace = defineWorkloadControl({
  name: 'default-namespace',
  displayName: 'Kubernetes clusters should not use the default namespace',
  description:
    'Workloads in the `default` namespace share it with everything created without a namespace: RBAC granted there, ' +
    'network policies written for it and secrets kept in it reach all of them, and nobody owns the namespace. Azure ' +
    'Policy\'s built-in definition fails Pods, Services and ServiceAccounts in `default` (except the `default` ' +
    'ServiceAccount and the `kubernetes` Service). Argus judges pods and the controllers that template them; a manifest ' +
    'that names no namespace is NotApplicable, since `kubectl apply -n` or the current context decides where it goes.',
  remediationDescription:
    'Create a namespace per application or team (`kubectl create namespace shop`), set `metadata.namespace` in the ' +
    'manifests (or `helm install -n shop`), move the workloads there and give each namespace its own RBAC, network ' +
    'policies, quotas and Pod Security label.',
  severity: AssessmentSeverity.Low,
  categories: [AssessmentCategory.Compute],
  threats: [AssessmentThreat.MaliciousInsider, AssessmentThreat.DataSpillage, AssessmentThreat.ElevationOfPrivilege],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Kubernetes clusters should not use the default namespace'],
    azurePolicy: [{ id: '9f061a12-e40d-4183-a00e-171812443373', displayName: 'Kubernetes clusters should not use the default namespace' }],
    kubescape: ['C-0061', 'C-0212'],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Kubernetes/BlockDefaultNamespace.json',
    'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    const namespace = asString(getPath(object.object, 'metadata', 'namespace'));
    if (namespace === undefined || namespace === '') {
      return {
        code: AssessmentStatusCode.NotApplicable,
        cause: NAMESPACE_NOT_SET,
        description: 'The object names no namespace: where it is created depends on `kubectl apply -n` or the current context.',
      };
    }
    return outcomeOf(namespace === DEFAULT_NAMESPACE ? [{ field: 'metadata.namespace', value: namespace }] : []);
  },
  examples: [
    {
      name: 'a Deployment in its own namespace',
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
`,
    },
    {
      name: 'a pod created in the default namespace',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: debug-shell, namespace: default }
spec:
  containers:
    - name: shell
      image: contoso.azurecr.io/tools/busybox:1.36
      command: ["sleep", "3600"]
`,
    },
    {
      name: 'a CronJob in the default namespace',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: cleanup, namespace: default }
spec:
  schedule: "*/30 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: cleanup
              image: contoso.azurecr.io/tools/cleanup:1.0
`,
    },
    {
      name: 'a Helm-rendered Deployment that names no namespace',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-web
  labels: { app.kubernetes.io/managed-by: Helm }
spec:
  selector: { matchLabels: { app: shop-web } }
  template:
    metadata: { labels: { app: shop-web } }
    spec:
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
`,
    },
  ],
});
