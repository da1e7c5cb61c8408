import { type AuditEvent } from '../../../../shared/kubernetes/auditEvent';
import { defaultDetectionContext } from '../../../../shared/detection/detectionContext';
import { EntityType } from '../../../../shared/detection/entities';
import { type AuditEventOverrides, serviceEvent, serviceObject } from '../../../../shared/detection/exampleEvents';
import {
  exposedLoadBalancer,
  firstAppMatch,
  isBroadlyReachable,
  isBroadSourceRange,
  isInternalLoadBalancer,
  isIstioIngressGateway,
  isKubeflowService,
  isKubernetesDashboardService,
  isLoadBalancerService,
  isServiceResource,
  loadBalancerExposure,
  matchApp,
  POSTGRES_APP,
  REDIS_APP,
  SENSITIVE_APPS,
  serviceAfterRequest,
  serviceDetails,
  servicePortNumbers,
  type ServiceView,
  sourceRangesOf,
  writesServiceExposure,
  writtenService,
} from '../../../../shared/detection/predicates/services';
import { recordOf } from '../../../support/ruleHarness';

function view(fields: Partial<ServiceView> = {}): ServiceView {
  return {
    name: 'svc',
    namespace: 'shop',
    type: 'LoadBalancer',
    ports: [],
    selector: {},
    labels: {},
    annotations: {},
    loadBalancerSourceRanges: [],
    ...fields,
  };
}

const lbSpec = { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443, targetPort: 8443 }] };

function serviceWrite(fields: AuditEventOverrides = {}): AuditEvent {
  return recordOf(serviceEvent({ name: 'web', namespace: 'shop', spec: lbSpec }, fields)).event;
}

describe('services', () => {
  describe('isServiceResource', () => {
    it('when the request is about a core Service, then it is a Service', () => {
      expect(isServiceResource(serviceWrite())).toBe(true);
    });

    it('when it is the status subresource or a Service of another API group (Knative), then it is not', () => {
      expect(isServiceResource(serviceWrite({ subresource: 'status' }))).toBe(false);
      expect(isServiceResource(serviceWrite({ apiGroup: 'serving.knative.dev' }))).toBe(false);
    });
  });

  describe('serviceAfterRequest', () => {
    it('when a patch was logged with the resulting Service, then the result is read from the response', () => {
      const event = serviceWrite({
        verb: 'patch',
        name: 'web',
        requestObject: { spec: { type: 'LoadBalancer' } },
        responseObject: serviceObject('web', 'shop', lbSpec, { labels: { app: 'web' } }),
      });
      expect(writtenService(event)?.ports).toEqual([]);
      expect(serviceAfterRequest(event)).toMatchObject({ name: 'web', type: 'LoadBalancer', ports: [{ port: 443, targetPort: 8443 }], labels: { app: 'web' } });
    });

    it('when only a JSON patch was logged, then the result is what it writes and the name comes from the objectRef', () => {
      const event = serviceWrite({ verb: 'patch', name: 'web', requestObject: [{ op: 'replace', path: '/spec/type', value: 'LoadBalancer' }] });
      expect(serviceAfterRequest(event)).toMatchObject({ name: 'web', namespace: 'shop', type: 'LoadBalancer', ports: [] });
    });

    it('when the response is a Status and the body too big, then there is no Service', () => {
      expect(serviceAfterRequest(serviceWrite({ requestObject: 'skipped-too-big-size-object', responseObject: { kind: 'Status' } }))).toBeUndefined();
    });

    it('when fields have the wrong types, then they are dropped without throwing', () => {
      const event = serviceWrite({ requestObject: { spec: { type: 3, ports: [{ port: '80', targetPort: 'http' }, 'x'], selector: { app: 1, tier: 'db' } } } });
      expect(serviceAfterRequest(event)).toMatchObject({ type: undefined, ports: [{ targetPort: 'http' }], selector: { tier: 'db' } });
    });
  });

  describe('writesServiceExposure', () => {
    it.each([
      ['a create', serviceWrite(), true],
      ['a merge patch of the spec', serviceWrite({ verb: 'patch', requestObject: { spec: { type: 'LoadBalancer' } } }), true],
      ['a merge patch of annotations', serviceWrite({ verb: 'patch', requestObject: { metadata: { annotations: { a: null } } } }), true],
      ['a JSON patch removing an annotation', serviceWrite({ verb: 'patch', requestObject: [{ op: 'remove', path: '/metadata/annotations/x' }] }), true],
      ['a JSON patch of labels', serviceWrite({ verb: 'patch', requestObject: [{ op: 'add', path: '/metadata/labels/a', value: 'b' }] }), false],
      ['a merge patch of labels', serviceWrite({ verb: 'patch', requestObject: { metadata: { labels: { a: 'b' } } } }), false],
    ])('when the request is %s, then it can change exposure: %s', (_name, event, expected) => {
      expect(writesServiceExposure(event)).toBe(expected);
    });
  });

  describe('load balancer reach', () => {
    it('when an internal-load-balancer annotation is set (any cloud, any case), then the load balancer is internal', () => {
      expect(isInternalLoadBalancer(view({ annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }))).toBe(true);
      expect(isInternalLoadBalancer(view({ annotations: { 'networking.gke.io/load-balancer-type': 'Internal' } }))).toBe(true);
      expect(isInternalLoadBalancer(view({ annotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' } }))).toBe(true);
      expect(isInternalLoadBalancer(view({ annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'false' } }))).toBe(false);
    });

    it('when the Service is a public LoadBalancer, then it is a load-balancer service; ClusterIP or internal is not', () => {
      expect(isLoadBalancerService(view())).toBe(true);
      expect(isLoadBalancerService(view({ type: 'ClusterIP' }))).toBe(false);
      expect(isLoadBalancerService(view({ annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }))).toBe(false);
      expect(isLoadBalancerService(undefined)).toBe(false);
    });

    it('when a user writes a public LoadBalancer, then it is exposed; refused, system-written or ClusterIP ones are not', () => {
      const context = defaultDetectionContext;
      expect(exposedLoadBalancer(serviceWrite(), context)?.name).toBe('web');
      expect(exposedLoadBalancer(serviceWrite({ code: 403 }), context)).toBeUndefined();
      expect(exposedLoadBalancer(serviceWrite({ user: 'system:serviceaccount:kube-system:addon-manager' }), context)).toBeUndefined();
      expect(exposedLoadBalancer(serviceWrite({ requestObject: serviceObject('web', 'shop', { ...lbSpec, type: 'ClusterIP' }) }), context)).toBeUndefined();
      expect(exposedLoadBalancer(serviceWrite({ verb: 'get' }), context)).toBeUndefined();
    });
  });

  describe('recognizing applications', () => {
    it('when ports and numeric target ports are listed, then both count and named target ports do not', () => {
      expect(servicePortNumbers(view({ ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 'https' }] })).sort()).toEqual([443, 80, 8080]);
    });

    it('when an application label names the app, then it is recognized by label', () => {
      expect(matchApp(view({ selector: { 'app.kubernetes.io/name': 'redis' } }), REDIS_APP)).toEqual({ app: 'Redis', matchedBy: 'label' });
    });

    it('when only the port is known, then it is recognized by port', () => {
      expect(matchApp(view({ ports: [{ port: 5432 }] }), POSTGRES_APP)).toEqual({ app: 'PostgreSQL', matchedBy: 'port' });
    });

    it('when the Service has no application labels, then its name counts; when it has some, the name is ignored', () => {
      expect(matchApp(view({ name: 'orders-postgres' }), POSTGRES_APP)).toEqual({ app: 'PostgreSQL', matchedBy: 'name' });
      expect(firstAppMatch(view({ name: 'kube-prometheus-stack-grafana', labels: { 'app.kubernetes.io/name': 'grafana' } }), SENSITIVE_APPS)).toBeUndefined();
    });

    it('when a label names a sensitive application, then the first listed one is returned', () => {
      expect(firstAppMatch(view({ labels: { app: 'jupyterhub' }, ports: [{ port: 9090 }] }), SENSITIVE_APPS)).toEqual({ app: 'Jupyter', matchedBy: 'label' });
      expect(firstAppMatch(view({ ports: [{ port: 80, targetPort: 2375 }] }), SENSITIVE_APPS)).toEqual({ app: 'Docker API', matchedBy: 'port' });
    });

    it('when a label, selector or name says kubernetes-dashboard, or its namespace serves 8443, then it is the dashboard', () => {
      expect(isKubernetesDashboardService(view({ selector: { 'k8s-app': 'kubernetes-dashboard' } }))).toBe(true);
      expect(isKubernetesDashboardService(view({ name: 'kubernetes-dashboard-kong-proxy', selector: { 'app.kubernetes.io/name': 'kong' } }))).toBe(true);
      expect(isKubernetesDashboardService(view({ namespace: 'kubernetes-dashboard', ports: [{ port: 443, targetPort: 8443 }] }))).toBe(true);
      expect(isKubernetesDashboardService(view({ ports: [{ port: 443, targetPort: 8443 }] }))).toBe(false);
    });

    it('when a Service is in kubeflow or names a Kubeflow component, then it is Kubeflow; the Istio gateway is recognized apart', () => {
      expect(isKubeflowService(view({ namespace: 'kubeflow' }))).toBe(true);
      expect(isKubeflowService(view({ selector: { app: 'ml-pipeline-ui' } }))).toBe(true);
      expect(isKubeflowService(view({ namespace: 'istio-system', selector: { istio: 'ingressgateway' } }))).toBe(false);
      expect(isIstioIngressGateway(view({ namespace: 'istio-system', selector: { istio: 'ingressgateway' } }))).toBe(true);
    });
  });

  describe('source ranges', () => {
    it('when the spec lists ranges, then they are used; else the older annotations (comma-separated)', () => {
      expect(sourceRangesOf(view({ loadBalancerSourceRanges: [' 203.0.113.0/24 '] }))).toEqual(['203.0.113.0/24']);
      expect(sourceRangesOf(view({ annotations: { 'service.beta.kubernetes.io/load-balancer-source-ranges': '198.51.100.0/24, 203.0.113.5/32' } }))).toEqual([
        '198.51.100.0/24',
        '203.0.113.5/32',
      ]);
      expect(sourceRangesOf(view({ annotations: { 'service.beta.kubernetes.io/azure-allowed-ip-ranges': '10.0.0.0/8' } }))).toEqual(['10.0.0.0/8']);
      expect(sourceRangesOf(view())).toEqual([]);
    });

    it.each([
      ['0.0.0.0/0', true],
      ['::/0', true],
      ['0.0.0.0/1', true],
      ['64.0.0.0/7', true],
      ['10.0.0.0/8', false],
      ['203.0.113.0/24', false],
      ['2001:db8::/15', true],
      ['2001:db8::/32', false],
      ['203.0.113.7', false],
      ['not-a-range/x', false],
      ['', false],
    ])('when the range is "%s", then broad is %s', (range, expected) => {
      expect(isBroadSourceRange(range)).toBe(expected);
    });

    it('when there are no ranges or one is broad, then anyone can connect; narrow ranges only admit those', () => {
      expect(isBroadlyReachable(view())).toBe(true);
      expect(isBroadlyReachable(view({ loadBalancerSourceRanges: ['203.0.113.0/24', '0.0.0.0/0'] }))).toBe(true);
      expect(isBroadlyReachable(view({ loadBalancerSourceRanges: ['203.0.113.0/24'] }))).toBe(false);
    });
  });

  describe('alert parts', () => {
    it('when details are built, then type, ports, selector and source ranges are stated', () => {
      expect(serviceDetails(view({ ports: [{ port: 443, targetPort: 8443 }, { port: 80 }], selector: { app: 'web' } }))).toEqual({
        serviceType: 'LoadBalancer',
        ports: '443->8443, 80',
        selector: 'app=web',
        sourceRanges: 'any (no loadBalancerSourceRanges)',
      });
    });

    it('when an exposure check recognizes the Service, then the rule parts match and add its facts and the Service entity', () => {
      const parts = loadBalancerExposure((service) => (service.selector.app === 'web' ? { application: 'web' } : undefined));
      const context = defaultDetectionContext;
      const event = serviceWrite();
      expect(parts.match(event, context)).toBe(true);
      expect(parts.details?.(event, context)).toMatchObject({ application: 'web', serviceType: 'LoadBalancer' });
      expect(parts.entities(event, context)).toContainEqual({ type: EntityType.service, name: 'web', namespace: 'shop' });
      expect(parts.dedupKey(event, context)).toBe('shop|web|dana@contoso.com');
      expect(parts.match(serviceWrite({ requestObject: serviceObject('db', 'shop', { ...lbSpec, selector: { app: 'db' } }) }), context)).toBe(false);
    });
  });
});
