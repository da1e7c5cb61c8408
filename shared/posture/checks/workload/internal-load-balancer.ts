import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { findingValue } from '../../containerFinding';
import { defineWorkloadControl, outcomeOf } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { getPath } from '../../../kubernetes/jsonValues';

/** The annotation that makes AKS' cloud provider create an internal (private IP) load balancer. */
export const INTERNAL_LOAD_BALANCER_ANNOTATION = 'service.beta.kubernetes.io/azure-load-balancer-internal';

export const internalLoadBalancer = defineWorkloadControl({
  name: 'internal-load-balancer',
  displayName: 'Kubernetes clusters should use internal load balancers',
  description:
    'A Service of type LoadBalancer gets a public IP on the cluster\'s Azure load balancer unless it asks for an internal ' +
    'one: whatever it serves is then reachable from the internet, outside the virtual network\'s controls. Azure Policy\'s ' +
    'built-in definition (template `k8sazureloadbalancernopublicips`) fails a LoadBalancer Service unless its annotation ' +
    '`service.beta.kubernetes.io/azure-load-balancer-internal` is "true", and passes Services of every other type; Argus ' +
    'does the same.',
  remediationDescription:
    'Annotate the Service with `service.beta.kubernetes.io/azure-load-balancer-internal: "true"` (optionally ' +
    '`azure-load-balancer-internal-subnet` to pick the subnet) and publish what must be public through an ingress ' +
    'controller or Application Gateway with a WAF instead; exempt the one edge Service that must stay public.',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Networking],
  threats: [AssessmentThreat.DataExfiltration, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.Moderate,
  target: WorkloadTarget.service,
  equivalents: {
    defender: [],
    azurePolicy: [{ id: '3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e', displayName: 'Kubernetes clusters should use internal load balancers' }],
    kubescape: [],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Kubernetes/LoadbalancerNoPublicIPs.json',
    'https://github.com/Azure/azure-policy/blob/master/built-in-references/Kubernetes/load-balancer-no-public-ips/template.yaml',
    'https://learn.microsoft.com/azure/aks/internal-lb',
  ],
  evaluate: (object) => {
    if (getPath(object.object, 'spec', 'type') !== 'LoadBalancer') return outcomeOf([]);
    const internal = getPath(object.object, 'metadata', 'annotations', INTERNAL_LOAD_BALANCER_ANNOTATION);
    return outcomeOf(
      internal === 'true'
        ? []
        : [{ field: `metadata.annotations[${JSON.stringify(INTERNAL_LOAD_BALANCER_ANNOTATION)}]`, value: internal === undefined ? '(absent)' : findingValue(internal) }],
    );
  },
  examples: [
    {
      name: 'an internal LoadBalancer Service',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
  annotations:
    service.beta.kubernetes.io/azure-load-balancer-internal: "true"
spec:
  type: LoadBalancer
  selector: { app: api }
  ports: [{ port: 443, targetPort: 8443 }]
`,
    },
    {
      name: 'a public LoadBalancer Service',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`,
    },
    {
      name: 'a LoadBalancer Service whose internal annotation is "false"',
      expect: AssessmentStatusCode.Unhealthy,
      manifest: `
apiVersion: v1
kind: Service
metadata:
  name: admin
  namespace: shop
  annotations: { service.beta.kubernetes.io/azure-load-balancer-internal: "false" }
spec:
  type: LoadBalancer
  selector: { app: admin }
  ports: [{ port: 443 }]
`,
    },
    {
      name: 'a ClusterIP Service (the default type, no load balancer)',
      expect: AssessmentStatusCode.Healthy,
      manifest: `
apiVersion: v1
kind: Service
metadata: { name: cache, namespace: shop }
spec:
  selector: { app: cache }
  ports: [{ port: 6379 }]
`,
    },
  ],
});
