import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { writtenObject } from '../../../kubernetes/workloads';
import { serviceEvent, type ServiceExample, servicePatchEvent } from '../../exampleEvents';
import { isIstioIngressGateway, isKubeflowService, loadBalancerExposure, writtenService } from '../../predicates/services';
import { defineRule, Intent, Severity } from '../../rule';

/**
 * A patch that sets only what it changes (`kubectl patch`/`edit`) and makes the Service a LoadBalancer: how
 * Kubeflow's Istio ingress gets exposed. A full manifest (create, update, server-side apply) is how Istio is
 * installed, with its ingress gateway a LoadBalancer by default, so it says nothing about Kubeflow.
 */
function patchSetsLoadBalancer(event: AuditEvent): boolean {
  return event.verb === 'patch' && writtenService(event)?.type === 'LoadBalancer' && writtenObject(event)?.kind === undefined;
}

const gatewayLabels = { app: 'istio-ingressgateway', istio: 'ingressgateway' };

/** Istio's ingress gateway as it installs it: a LoadBalancer. */
const ingressGateway: ServiceExample = {
  name: 'istio-ingressgateway',
  namespace: 'istio-system',
  spec: {
    type: 'LoadBalancer',
    selector: gatewayLabels,
    ports: [
      { name: 'http2', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 8443 },
    ],
  },
  labels: gatewayLabels,
};

export const exposedKubeflow = defineRule({
  id: 'exposed-kubeflow',
  alertType: 'K8S_ExposedKubeflow',
  displayName: 'Exposed Kubeflow dashboard detected',
  description:
    'A LoadBalancer Service now exposes Kubeflow: the Istio ingress gateway was patched into a LoadBalancer, or a Service in the ' +
    '`kubeflow` namespace or for a Kubeflow component (central dashboard, pipelines UI) is one. Attackers who reach an exposed ' +
    'Kubeflow dashboard can run notebooks and pipelines, that is containers and code, in the cluster.',
  severity: Severity.Medium,
  intent: Intent.InitialAccess,
  techniques: ['T1133'],
  remediation: [
    'Change the Service back to ClusterIP (or mark the load balancer internal) and reach Kubeflow through `kubectl port-forward`.',
    'If Kubeflow must be reachable, put it behind authentication (Dex/OIDC through the gateway) and restrict `loadBalancerSourceRanges`.',
    'Review notebooks, pipelines and pods created while it was exposed.',
  ],
  falsePositives: [
    'Kubeflow deployments published on purpose behind the gateway\'s own authentication.',
    'A `kubectl patch` of an Istio ingress gateway on a cluster that does not run Kubeflow.',
  ],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://aka.ms/exposedkubeflow-blog',
    'https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer',
  ],
  equivalents: {
    defender: ['K8S_ExposedKubeflow'],
    falco: [],
    guardDuty: ['Policy:Kubernetes/KubeflowDashboardExposed'],
    elastic: [],
  },
  resources: ['services'],
  ...loadBalancerExposure((service, event) => {
    if (isKubeflowService(service)) return { exposedBy: 'Kubeflow service' };
    if (!isIstioIngressGateway(service) || !patchSetsLoadBalancer(event)) return undefined;
    return { exposedBy: 'Istio ingress gateway patched to LoadBalancer' };
  }),
  examples: [
    {
      name: 'kubectl patch makes the Istio ingress gateway a LoadBalancer',
      expect: 'alert',
      event: servicePatchEvent(ingressGateway, { spec: { type: 'LoadBalancer' } }),
    },
    {
      name: 'the central dashboard gets its own LoadBalancer in the kubeflow namespace',
      expect: 'alert',
      event: serviceEvent({
        name: 'centraldashboard-public',
        namespace: 'kubeflow',
        spec: { type: 'LoadBalancer', selector: { app: 'centraldashboard' }, ports: [{ port: 80, targetPort: 8082 }] },
      }),
    },
    {
      name: 'istioctl installs the default ingress gateway as a LoadBalancer',
      expect: 'none',
      event: serviceEvent(ingressGateway),
    },
    {
      name: 'the pipelines UI as ClusterIP',
      expect: 'none',
      event: serviceEvent({ name: 'ml-pipeline-ui', namespace: 'kubeflow', spec: { type: 'ClusterIP', selector: { app: 'ml-pipeline-ui' }, ports: [{ port: 80 }] } }),
    },
    {
      name: 'the gateway patched to an internal Azure load balancer',
      expect: 'none',
      event: servicePatchEvent(
        { ...ingressGateway, annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } },
        { metadata: { annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }, spec: { type: 'LoadBalancer' } },
      ),
    },
    {
      name: 'a system identity patches the gateway',
      expect: 'none',
      event: servicePatchEvent(ingressGateway, { spec: { type: 'LoadBalancer' } }, { user: 'system:serviceaccount:kube-system:service-controller' }),
    },
  ],
});
