import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';

export const automountServiceAccountToken = defineWorkloadControl({
  name: 'automount-service-account-token',
  displayName: 'Kubernetes clusters should disable automounting API credentials',
  description:
    'Unless the pod spec says `automountServiceAccountToken: false`, Kubernetes mounts a token of the pod\'s service ' +
    'account into every container (`/var/run/secrets/kubernetes.io/serviceaccount`). Whoever gets code execution in the ' +
    'container then talks to the API server with that identity: reads secrets, lists pods, or creates new ones if the ' +
    'account can. Azure Policy\'s built-in definition fails pods that set it to true, and pods that leave it unset while a ' +
    'container mounts the token (what the service-account admission plugin adds unless the ServiceAccount itself disables ' +
    'automounting). Argus requires false on the pod spec: the ServiceAccount\'s own setting is not part of the pod, so a pod ' +
    'that relies on it is reported and can be exempted.',
  remediationDescription:
    'Set `automountServiceAccountToken: false` in the pod spec (the Deployment\'s template, the CronJob\'s job template). A ' +
    'workload that does call the Kubernetes API should mount a token explicitly with a projected `serviceAccountToken` ' +
    'volume, bound to a dedicated ServiceAccount with the least RBAC it needs.',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.IdentityAndAccess],
  threats: [AssessmentThreat.ElevationOfPrivilege, AssessmentThreat.AccountBreach, AssessmentThreat.DataExfiltration],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Low,
  target: WorkloadTarget.podTemplate,
  equivalents: {
    defender: ['Kubernetes clusters should disable automounting API credentials'],
    azurePolicy: [{ id: '423dd1ba-798e-40e4-9c4d-b6902674b423', displayName: 'Kubernetes clusters should disable automounting API credentials' }],
    kubescape: ['C-0034', 'C-0190'],
    polaris: ['automountServiceAccountToken'],
    kubeScore: [],
  },
  references: [
    'https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Kubernetes/BlockAutomountToken.json',
    'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    const automount = object.podSpec?.['automountServiceAccountToken'];
    return outcomeOf(automount === false ? [] : [{ field: 'automountServiceAccountToken', value: automount === undefined ? '(absent)' : findingValue(automount) }]);
  },
  examples: [
    {
      name: 'a Deployment that opts out of the token',
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
      automountServiceAccountToken: false
      containers:
        - name: web
          image: contoso.azurecr.io/shop/web:1.4.2
`,
    },
    {
      name: 'a pod that asks for the token explicitly',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: operator, namespace: shop }
spec:
  serviceAccountName: shop-operator
  automountServiceAccountToken: true
  containers:
    - name: operator
      image: contoso.azurecr.io/shop/operator:0.9.0
`,
    },
    {
      name: 'a CronJob that leaves automounting to the default',
      expect: AssessmentStatusCode.Unhealthy,
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
          containers:
            - name: report
              image: contoso.azurecr.io/finance/report:3.1
`,
    },
    {
      name: 'a pod as the API server returns it, with the token volume the admission plugin added',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Pod
metadata: { name: api-6c7b9-x2l4q, namespace: shop }
spec:
  serviceAccountName: default
  containers:
    - name: api
      image: contoso.azurecr.io/shop/api:2.0.0
      volumeMounts:
        - name: kube-api-access-5x9zt
          mountPath: /var/run/secrets/kubernetes.io/serviceaccount
          readOnly: true
  volumes:
    - name: kube-api-access-5x9zt
      projected:
        sources:
          - serviceAccountToken: { expirationSeconds: 3607, path: token }
`,
    },
  ],
});
