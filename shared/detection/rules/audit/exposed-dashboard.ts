import { auditEvent, serviceEvent, type ServiceExample, servicePatchEvent } from '../../exampleEvents';
import { isKubernetesDashboardService, loadBalancerExposure } from '../../predicates/services';
import { defineRule, Intent, Severity } from '../../rule';

const dashboardSpec = (type: string) => ({
  type,
  selector: { 'k8s-app': 'kubernetes-dashboard' },
  ports: [{ port: 443, targetPort: 8443, protocol: 'TCP' }],
});

/** The dashboard's Service in its own namespace, as its manifests install it, but as a LoadBalancer. */
const exposedDashboardService: ServiceExample = { name: 'kubernetes-dashboard', namespace: 'kubernetes-dashboard', spec: dashboardSpec('LoadBalancer') };
const dashboardLabels = { 'k8s-app': 'kubernetes-dashboard' };

export const exposedDashboard = defineRule({
  id: 'exposed-dashboard',
  alertType: 'K8S_ExposedDashboard',
  displayName: 'Exposed Kubernetes dashboard detected',
  description:
    'A LoadBalancer Service now fronts the Kubernetes dashboard: it is reachable from outside the cluster network. ' +
    'An exposed dashboard is a way into cluster management; with a permissive dashboard service account or skip-login ' +
    'enabled, anyone who finds it can read secrets and run containers.',
  severity: Severity.High,
  intent: Intent.InitialAccess,
  techniques: ['T1133'],
  remediation: [
    'Change the Service back to ClusterIP (or mark the load balancer internal) and reach the dashboard through `kubectl proxy` or port-forward.',
    'If it must be reachable, put it behind an authenticating ingress and restrict `loadBalancerSourceRanges` to known addresses.',
    'Check the dashboard\'s service account rights and the audit log for requests it made while exposed.',
  ],
  falsePositives: ['Test clusters where the dashboard is exposed on purpose, ideally with source ranges restricted.'],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://github.com/kubernetes/dashboard/blob/master/docs/user/accessing-dashboard/README.md',
    'https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer',
  ],
  equivalents: {
    defender: ['K8S_ExposedDashboard'],
    falco: [],
    guardDuty: ['Policy:Kubernetes/ExposedDashboard'],
    elastic: [],
  },
  resources: ['services'],
  ...loadBalancerExposure((service) => (isKubernetesDashboardService(service) ? {} : undefined)),
  examples: [
    {
      name: 'the dashboard Service is created as a LoadBalancer',
      expect: 'alert',
      event: serviceEvent({ ...exposedDashboardService, labels: dashboardLabels }),
    },
    {
      name: 'kubectl patch turns the dashboard Service into a LoadBalancer',
      expect: 'alert',
      event: servicePatchEvent({ ...exposedDashboardService, labels: dashboardLabels }, { spec: { type: 'LoadBalancer' } }),
    },
    {
      name: 'a JSON patch sets the type of the Helm chart\'s kong proxy, only the request logged',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'services',
        namespace: 'kubernetes-dashboard',
        name: 'kubernetes-dashboard-kong-proxy',
        requestObject: [{ op: 'replace', path: '/spec/type', value: 'LoadBalancer' }],
      }),
    },
    {
      name: 'the dashboard Service as ClusterIP',
      expect: 'none',
      event: serviceEvent({ ...exposedDashboardService, spec: dashboardSpec('ClusterIP') }),
    },
    {
      name: 'the dashboard behind an internal Azure load balancer',
      expect: 'none',
      event: serviceEvent({ ...exposedDashboardService, annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }),
    },
    {
      name: 'a shop front-end exposed by a LoadBalancer',
      expect: 'none',
      event: serviceEvent({ name: 'web', namespace: 'shop', spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443, targetPort: 8443 }] } }),
    },
    {
      name: 'a label-only patch of an exposed dashboard Service',
      expect: 'none',
      event: servicePatchEvent(exposedDashboardService, { metadata: { labels: { owner: 'platform' } } }),
    },
    {
      name: 'the AKS addon manager reconciles the dashboard Service',
      expect: 'none',
      event: serviceEvent({ ...exposedDashboardService, namespace: 'kube-system' }, { verb: 'update', user: 'system:serviceaccount:kube-system:addon-manager' }),
    },
    {
      name: 'a refused dashboard LoadBalancer',
      expect: 'none',
      event: serviceEvent(exposedDashboardService, { code: 403 }),
    },
  ],
});
