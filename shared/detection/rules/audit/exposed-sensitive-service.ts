import { serviceEvent, servicePatchEvent } from '../../exampleEvents';
import {
  firstAppMatch,
  isKubeflowService,
  isKubernetesDashboardService,
  loadBalancerExposure,
  SENSITIVE_APPS,
} from '../../predicates/services';
import { defineRule, Intent, Severity } from '../../rule';

export const exposedSensitiveService = defineRule({
  id: 'exposed-sensitive-service',
  alertType: 'K8S_ExposedService',
  displayName: 'Exposed sensitive Kubernetes service detected',
  description:
    'A LoadBalancer Service now exposes an application that allows high-impact operations and often runs without ' +
    'authentication: Jupyter, Argo Workflows, Ray, Spark, Jenkins, a Docker API, a kubelet, etcd, Consul, Elasticsearch, ' +
    'Kibana, MongoDB or Prometheus, recognized by its labels, selector or well-known port. Attackers scan for these to run ' +
    'code or containers in the cluster or to read its data.',
  severity: Severity.Medium,
  intent: Intent.InitialAccess,
  techniques: ['T1133', 'T1190'],
  remediation: [
    'Change the Service to ClusterIP (or mark the load balancer internal) unless the application must be public.',
    'If it must be reachable, require authentication in front of it and restrict `loadBalancerSourceRanges` to known addresses.',
    'Check the application\'s logs for access from unknown addresses while it was exposed.',
  ],
  falsePositives: [
    'Applications published on purpose with their own authentication (Jenkins, Kibana or Elasticsearch with security enabled).',
    'Services that reuse a well-known port (9090, 8888, 9200) for something else.',
  ],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer',
    'https://attack.mitre.org/techniques/T1133/',
  ],
  equivalents: { defender: ['K8S_ExposedService'], falco: [], guardDuty: [], elastic: [] },
  // The dashboard and Kubeflow have their own rules; Redis and PostgreSQL are not in SENSITIVE_APPS.
  resources: ['services'],
  ...loadBalancerExposure((service) => {
    if (isKubernetesDashboardService(service) || isKubeflowService(service)) return undefined;
    const match = firstAppMatch(service, SENSITIVE_APPS);
    return match === undefined ? undefined : { application: match.app, recognizedBy: match.matchedBy };
  }),
  examples: [
    {
      name: 'a Jupyter notebook server exposed by a LoadBalancer',
      expect: 'alert',
      event: serviceEvent({
        name: 'notebook',
        namespace: 'data-science',
        spec: { type: 'LoadBalancer', selector: { app: 'jupyter-notebook' }, ports: [{ port: 80, targetPort: 8888 }] },
      }),
    },
    {
      name: 'a Docker API port published by a LoadBalancer, recognized by port',
      expect: 'alert',
      event: serviceEvent({ name: 'builder', namespace: 'ci', spec: { type: 'LoadBalancer', selector: { run: 'builder' }, ports: [{ port: 2375 }] } }),
    },
    {
      name: 'kubectl patch makes an Argo Workflows server a LoadBalancer',
      expect: 'alert',
      event: servicePatchEvent(
        {
          name: 'argo-server',
          namespace: 'argo',
          spec: { type: 'LoadBalancer', selector: { app: 'argo-server' }, ports: [{ name: 'web', port: 2746, targetPort: 2746 }] },
        },
        { spec: { type: 'LoadBalancer' } },
      ),
    },
    {
      name: 'Grafana of kube-prometheus-stack exposed (the release name is not the application)',
      expect: 'none',
      event: serviceEvent({
        name: 'kube-prometheus-stack-grafana',
        namespace: 'monitoring',
        spec: {
          type: 'LoadBalancer',
          selector: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'kube-prometheus-stack' },
          ports: [{ port: 80, targetPort: 3000 }],
        },
        labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'kube-prometheus-stack' },
      }),
    },
    {
      name: 'Elasticsearch behind an internal Azure load balancer',
      expect: 'none',
      event: serviceEvent({
        name: 'elasticsearch',
        namespace: 'logging',
        spec: { type: 'LoadBalancer', selector: { app: 'elasticsearch' }, ports: [{ port: 9200 }] },
        annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' },
      }),
    },
    {
      name: 'Prometheus as ClusterIP',
      expect: 'none',
      event: serviceEvent({ name: 'prometheus', namespace: 'monitoring', spec: { type: 'ClusterIP', selector: { app: 'prometheus' }, ports: [{ port: 9090 }] } }),
    },
    {
      name: 'the AKS addon manager reconciles a Prometheus LoadBalancer',
      expect: 'none',
      event: serviceEvent(
        { name: 'prometheus', namespace: 'kube-system', spec: { type: 'LoadBalancer', selector: { app: 'prometheus' }, ports: [{ port: 9090 }] } },
        { verb: 'update', user: 'system:serviceaccount:kube-system:addon-manager' },
      ),
    },
    {
      name: 'a refused Jupyter LoadBalancer',
      expect: 'none',
      event: serviceEvent(
        { name: 'notebook', namespace: 'data-science', spec: { type: 'LoadBalancer', selector: { app: 'jupyter' }, ports: [{ port: 8888 }] } },
        { code: 403 },
      ),
    },
  ],
});
