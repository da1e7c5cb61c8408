import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { asArray, asString, getPath } from '../../../kubernetes/jsonValues';

/** Why the control cannot judge: an `Ingress` of another API group (a CRD) is not a Kubernetes Ingress. */
export const NOT_KUBERNETES_INGRESS = 'notKubernetesIngress';

/** The annotation Azure Policy requires to be "false" (honoured by ingress controllers that serve HTTP by default). */
export const ALLOW_HTTP_ANNOTATION = 'kubernetes.io/ingress.allow-http';

/** The API groups of Kubernetes' Ingress, as Azure Policy's template matches them (`networking.k8s.io`, `extensions`). */
const ingressApiVersion = /^(networking\.k8s\.io|extensions)\//;

export const httpsOnlyIngress = defineWorkloadControl({
  name: 'https-only-ingress',
  displayName: 'Kubernetes clusters should be accessible only over HTTPS',
  description:
    'An Ingress that serves plain HTTP lets anyone on the path read and change the traffic: session cookies, tokens and ' +
    'personal data in transit. Azure Policy\'s built-in definition (template `k8sazureingresshttpsonly`) passes an Ingress ' +
    'only when `spec.tls` lists at least one entry and the annotation `kubernetes.io/ingress.allow-http` is "false"; Argus ' +
    'applies the same two conditions and names each one that fails.',
  remediationDescription:
    'Add a `spec.tls` entry with the hosts and the Secret holding their certificate (cert-manager can issue it), and set ' +
    'the annotation `kubernetes.io/ingress.allow-http: "false"` so the controller serves no HTTP listener (with ' +
    'ingress-nginx, also keep `nginx.ingress.kubernetes.io/ssl-redirect` on, its default when TLS is set).',
  severity: AssessmentSeverity.High,
  categories: [AssessmentCategory.Data, AssessmentCategory.Networking],
  threats: [AssessmentThreat.DataExfiltration, AssessmentThreat.AccountBreach, AssessmentThreat.DataSpillage],
  userImpact: ImpactLevel.Moderate,
  implementationEffort: ImpactLevel.Moderate,
  target: WorkloadTarget.ingress,
  equivalents: {
    defender: ['Kubernetes clusters should be accessible only over HTTPS'],
    azurePolicy: [{ id: '1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d', displayName: 'Kubernetes clusters should be accessible only over HTTPS' }],
    kubescape: ['C-0263'],
    polaris: ['tlsSettingsMissing'],
    kubeScore: [],
  },
  references: [
    'https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Kubernetes/IngressHttpsOnly.json',
    'https://github.com/Azure/azure-policy/blob/master/built-in-references/Kubernetes/ingress-https-only/template.yaml',
    'https://kubernetes.io/docs/concepts/services-networking/ingress/#tls',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object) => {
    const apiVersion = asString(object.object['apiVersion']);
    if (apiVersion !== undefined && !ingressApiVersion.test(apiVersion)) {
      return { code: AssessmentStatusCode.NotApplicable, cause: NOT_KUBERNETES_INGRESS, description: `${apiVersion} Ingress is not a Kubernetes Ingress.` };
    }
    const findings: WorkloadFinding[] = [];
    const tls = getPath(object.object, 'spec', 'tls');
    if (!Array.isArray(tls) || asArray(tls).length === 0) findings.push({ field: 'spec.tls', value: tls === undefined ? '(absent)' : findingValue(tls) });
    const allowHttp = getPath(object.object, 'metadata', 'annotations', ALLOW_HTTP_ANNOTATION);
    if (allowHttp !== 'false') {
      findings.push({ field: `metadata.annotations[${JSON.stringify(ALLOW_HTTP_ANNOTATION)}]`, value: allowHttp === undefined ? '(absent)' : findingValue(allowHttp) });
    }
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'an Ingress with TLS and allow-http "false"',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
  annotations:
    kubernetes.io/ingress.allow-http: "false"
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  ingressClassName: nginx
  tls:
    - hosts: [shop.contoso.com]
      secretName: shop-tls
  rules:
    - host: shop.contoso.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: web, port: { number: 80 } } }
`,
    },
    {
      name: 'an Ingress that serves plain HTTP only',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: shop, namespace: shop }
spec:
  ingressClassName: nginx
  rules:
    - host: shop.contoso.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: web, port: { number: 80 } } }
`,
    },
    {
      name: 'an Ingress with TLS that still allows HTTP (no allow-http annotation)',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: api, namespace: shop }
spec:
  tls:
    - hosts: [api.contoso.com]
      secretName: api-tls
  rules:
    - host: api.contoso.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: api, port: { number: 8080 } } }
`,
    },
    {
      name: 'a legacy extensions/v1beta1 Ingress with allow-http "false" but an empty tls list',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: legacy
  namespace: legacy
  annotations: { kubernetes.io/ingress.allow-http: "false" }
spec:
  tls: []
  backend: { serviceName: legacy, servicePort: 80 }
`,
    },
    {
      name: 'an Ingress custom resource of another API group',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: example.contoso.com/v1
kind: Ingress
metadata: { name: edge, namespace: shop }
spec:
  entryPoints: [web]
`,
    },
  ],
});
