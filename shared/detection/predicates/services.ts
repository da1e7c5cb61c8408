import { type AuditEvent } from '../../kubernetes/auditEvent';
import { asObject, asString, asStringArray, getPath, type JsonObject, objectsAt } from '../../kubernetes/jsonValues';
import { isJsonPatch } from '../../kubernetes/patchDocuments';
import { writtenObject } from '../../kubernetes/workloads';
import { type DetectionContext } from '../detectionContext';
import { type AlertEntity, EntityType } from '../entities';
import { type AuditRuleDefinition } from '../rule';
import { requestEntities } from '../requestEntities';
import { isSystemRequest } from './identities';
import { apiGroupOf, isMainResource, isResource, isWrite, namespaceOf, succeeded } from './requests';
import { memoizeLast } from '../../kubernetes/memoizeLast';

/** Service facts: type, ports, selector and labels, load-balancer reach (internal or public, source ranges). All total. */

export interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}

/** The parts of a Service that say what it exposes and to whom. */
export interface ServiceView {
  name: string | undefined;
  namespace: string | undefined;
  type: string | undefined;
  ports: ServicePort[];
  selector: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** `spec.loadBalancerSourceRanges` as written (empty when absent). */
  loadBalancerSourceRanges: string[];
}

/** The request is about a core-group Service object itself (not its `status`, which the service controller writes). */
export function isServiceResource(event: AuditEvent): boolean {
  return isResource(event, 'services') && isMainResource(event) && apiGroupOf(event) === '';
}

/** The Service as the request wrote it (a patch gives only the fields it sets). */
export function writtenService(event: AuditEvent): ServiceView | undefined {
  const object = writtenObject(event);
  return object === undefined ? undefined : serviceViewOf(object, event);
}

/**
 * The Service as it stands after the request: the object the server returned when it was logged, else
 * what the request wrote. A patch that only sets `spec.type` still shows the ports and selector this way.
 */
export const serviceAfterRequest: (event: AuditEvent) => ServiceView | undefined = memoizeLast((event: AuditEvent) => {
  const response = asObject(event.responseObject);
  const stored = response !== undefined && response.kind !== 'Status' && asObject(response.spec) !== undefined ? response : undefined;
  const object = stored ?? writtenObject(event);
  return object === undefined ? undefined : serviceViewOf(object, event);
});

function serviceViewOf(object: JsonObject, event: AuditEvent): ServiceView {
  const spec = asObject(object.spec);
  return {
    name: asString(getPath(object, 'metadata', 'name')) ?? event.objectRef?.name,
    namespace: namespaceOf(event) ?? asString(getPath(object, 'metadata', 'namespace')),
    type: asString(spec?.type),
    ports: objectsAt(spec, 'ports').map(portOf),
    selector: stringMap(spec?.selector),
    labels: stringMap(getPath(object, 'metadata', 'labels')),
    annotations: stringMap(getPath(object, 'metadata', 'annotations')),
    loadBalancerSourceRanges: asStringArray(spec?.loadBalancerSourceRanges),
  };
}

function portOf(port: JsonObject): ServicePort {
  const out: ServicePort = {};
  const name = asString(port.name);
  if (name !== undefined) out.name = name;
  if (typeof port.port === 'number') out.port = port.port;
  if (typeof port.targetPort === 'number' || typeof port.targetPort === 'string') out.targetPort = port.targetPort;
  if (typeof port.nodePort === 'number') out.nodePort = port.nodePort;
  return out;
}

function stringMap(value: unknown): Record<string, string> {
  const object = asObject(value);
  if (object === undefined) return {};
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(object)) if (typeof item === 'string') out[key] = item;
  return out;
}

/**
 * The request can change what the Service exposes: it writes the spec or the annotations (an
 * internal-load-balancer annotation removed makes a load balancer public). A label-only patch cannot.
 */
export function writesServiceExposure(event: AuditEvent): boolean {
  const request = event.requestObject;
  if (isJsonPatch(request)) {
    return request.some((operation) => {
      const path = asString(asObject(operation)?.path) ?? '';
      return path.startsWith('/spec') || path.startsWith('/metadata/annotations');
    });
  }
  const object = writtenObject(event);
  return asObject(object?.spec) !== undefined || getPath(object, 'metadata', 'annotations') !== undefined;
}

/** Annotations (and their values, lower-case) that make a cloud load balancer private to the network. */
const internalLoadBalancerAnnotations: Readonly<Record<string, readonly string[]>> = {
  'service.beta.kubernetes.io/azure-load-balancer-internal': ['true'],
  'service.beta.kubernetes.io/aws-load-balancer-internal': ['true', '0.0.0.0/0'],
  'service.beta.kubernetes.io/aws-load-balancer-scheme': ['internal'],
  'networking.gke.io/load-balancer-type': ['internal'],
  'cloud.google.com/load-balancer-type': ['internal'],
};

export function isInternalLoadBalancer(service: ServiceView): boolean {
  return Object.entries(internalLoadBalancerAnnotations).some(([annotation, values]) => {
    const value = service.annotations[annotation];
    return value !== undefined && values.includes(value.trim().toLowerCase());
  });
}

/** A LoadBalancer Service whose load balancer is not marked internal: reachable from outside the network. */
export function isLoadBalancerService(service: ServiceView | undefined): service is ServiceView {
  return service?.type === 'LoadBalancer' && !isInternalLoadBalancer(service);
}

/**
 * The Service after a successful write by someone other than the cluster, when that write can change its
 * exposure and it is an external load balancer; undefined otherwise. The common start of every exposure rule.
 */
export function exposedLoadBalancer(event: AuditEvent, context: DetectionContext): ServiceView | undefined {
  if (!isWrite(event) || !isServiceResource(event) || !succeeded(event) || !writesServiceExposure(event)) return undefined;
  if (isSystemRequest(event, context)) return undefined;
  const service = serviceAfterRequest(event);
  return isLoadBalancerService(service) ? service : undefined;
}

/** Port numbers the Service listens on and numeric target ports it sends to. */
export function servicePortNumbers(service: ServiceView): number[] {
  const numbers = new Set<number>();
  for (const port of service.ports) {
    if (port.port !== undefined) numbers.add(port.port);
    if (typeof port.targetPort === 'number') numbers.add(port.targetPort);
  }
  return [...numbers];
}

export function exposesPort(service: ServiceView, ports: readonly number[]): boolean {
  return servicePortNumbers(service).some((port) => ports.includes(port));
}

/** Label and selector keys that name the application (a release or instance name often does not). */
const applicationKeys: readonly string[] = [
  'app',
  'app.kubernetes.io/name',
  'app.kubernetes.io/component',
  'k8s-app',
  'component',
  'name',
];

/** Lower-case values of the Service's application labels and selector. */
export function applicationValues(service: ServiceView): string[] {
  const values: string[] = [];
  for (const map of [service.selector, service.labels]) {
    for (const key of applicationKeys) {
      const value = map[key];
      if (value !== undefined) values.push(value.toLowerCase());
    }
  }
  return values;
}

/** Every lower-case label value, selector value and the Service name: for names specific enough to trust anywhere. */
export function allServiceValues(service: ServiceView): string[] {
  return [...Object.values(service.selector), ...Object.values(service.labels), ...(service.name === undefined ? [] : [service.name])].map(
    (value) => value.toLowerCase(),
  );
}

/** An application recognized by the names in its labels or by its well-known ports. */
export interface ExposedApp {
  app: string;
  /** Lower-case fragments of label, selector or Service names. */
  nameFragments: readonly string[];
  /** Ports specific enough to name the application on their own. */
  ports: readonly number[];
}

export interface AppMatch {
  app: string;
  /** `label`, `port` or `name`. */
  matchedBy: string;
}

/**
 * Whether the Service fronts the application: its application labels or selector name it, or it uses one
 * of its ports; the Service name counts only when the Service has no application labels (a release name
 * such as `kube-prometheus-stack-grafana` would otherwise mislead).
 */
export function matchApp(service: ServiceView, app: ExposedApp): AppMatch | undefined {
  const values = applicationValues(service);
  const named = (value: string): boolean => app.nameFragments.some((fragment) => value.includes(fragment));
  if (values.some(named)) return { app: app.app, matchedBy: 'label' };
  if (exposesPort(service, app.ports)) return { app: app.app, matchedBy: 'port' };
  if (values.length === 0 && service.name !== undefined && named(service.name.toLowerCase())) return { app: app.app, matchedBy: 'name' };
  return undefined;
}

/** The first of the applications the Service fronts. */
export function firstAppMatch(service: ServiceView, apps: readonly ExposedApp[]): AppMatch | undefined {
  for (const app of apps) {
    const match = matchApp(service, app);
    if (match !== undefined) return match;
  }
  return undefined;
}

export const REDIS_APP: ExposedApp = { app: 'Redis', nameFragments: ['redis'], ports: [6379, 26379] };
export const POSTGRES_APP: ExposedApp = { app: 'PostgreSQL', nameFragments: ['postgres'], ports: [5432] };

/**
 * Applications that allow high-impact operations (run code or containers, read or change data) and often
 * run without authentication. Redis, PostgreSQL, the Kubernetes dashboard and Kubeflow have their own rules.
 */
export const SENSITIVE_APPS: readonly ExposedApp[] = [
  { app: 'Jupyter', nameFragments: ['jupyter'], ports: [8888] },
  { app: 'Argo Workflows', nameFragments: ['argo-server', 'argo-workflows'], ports: [2746] },
  { app: 'Ray', nameFragments: ['ray-head', 'kuberay'], ports: [8265, 10001] },
  { app: 'Apache Spark', nameFragments: ['spark-master'], ports: [7077, 6066] },
  { app: 'Jenkins', nameFragments: ['jenkins'], ports: [50000] },
  { app: 'Docker API', nameFragments: ['dind', 'docker-daemon'], ports: [2375, 2376] },
  { app: 'kubelet', nameFragments: ['kubelet'], ports: [10250, 10255] },
  { app: 'etcd', nameFragments: ['etcd'], ports: [2379, 2380] },
  { app: 'Consul', nameFragments: ['consul'], ports: [8500] },
  { app: 'Elasticsearch', nameFragments: ['elasticsearch'], ports: [9200] },
  { app: 'Kibana', nameFragments: ['kibana'], ports: [5601] },
  { app: 'MongoDB', nameFragments: ['mongo'], ports: [27017] },
  { app: 'Prometheus', nameFragments: ['prometheus'], ports: [9090] },
];

const dashboardName = 'kubernetes-dashboard';

/** The Service fronts the Kubernetes dashboard: a label, selector or name says so, or it serves 8443/9090 in its namespace. */
export function isKubernetesDashboardService(service: ServiceView): boolean {
  if (allServiceValues(service).some((value) => value.includes(dashboardName))) return true;
  return service.namespace === dashboardName && exposesPort(service, [8443, 9090]);
}

const kubeflowFragments: readonly string[] = ['kubeflow', 'centraldashboard', 'ml-pipeline-ui'];
const istioIngressFragments: readonly string[] = ['istio-ingressgateway', 'ingressgateway'];

/** The Service is Istio's ingress gateway (what fronts Kubeflow's dashboard). */
export function isIstioIngressGateway(service: ServiceView): boolean {
  return allServiceValues(service).some((value) => istioIngressFragments.some((fragment) => value.includes(fragment)));
}

/** The Service fronts a Kubeflow component: it lives in `kubeflow` or a label, selector or name says so. */
export function isKubeflowService(service: ServiceView): boolean {
  if (service.namespace === 'kubeflow') return true;
  return allServiceValues(service).some((value) => kubeflowFragments.some((fragment) => value.includes(fragment)));
}

/** Source ranges the load balancer admits: the spec field, else the older annotations (comma-separated). */
export function sourceRangesOf(service: ServiceView): string[] {
  if (service.loadBalancerSourceRanges.length > 0) return service.loadBalancerSourceRanges.map((range) => range.trim());
  for (const annotation of ['service.beta.kubernetes.io/load-balancer-source-ranges', 'service.beta.kubernetes.io/azure-allowed-ip-ranges']) {
    const value = service.annotations[annotation];
    if (value !== undefined && value.trim() !== '') {
      return value
        .split(',')
        .map((range) => range.trim())
        .filter((range) => range !== '');
    }
  }
  return [];
}

/** Shortest prefix still considered narrow: an IPv4 /8 (16.7 million addresses) or an IPv6 /16. */
const NARROWEST_BROAD_IPV4_PREFIX = 8;
const NARROWEST_BROAD_IPV6_PREFIX = 16;

/** A source range that admits a large part of the internet: `0.0.0.0/0`, `::/0`, or a prefix shorter than /8 (IPv6 /16). */
export function isBroadSourceRange(range: string): boolean {
  const [address, prefixText] = range.trim().split('/');
  if (address === undefined || address === '') return false;
  if (prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) return false;
  const ipv6 = address.includes(':');
  const prefix = Number(prefixText);
  return prefix < (ipv6 ? NARROWEST_BROAD_IPV6_PREFIX : NARROWEST_BROAD_IPV4_PREFIX);
}

/** The load balancer admits anyone: no source ranges at all, or a broad one among them. */
export function isBroadlyReachable(service: ServiceView): boolean {
  const ranges = sourceRangesOf(service);
  return ranges.length === 0 || ranges.some(isBroadSourceRange);
}

/** Request entities plus the Service. */
export function serviceEntities(event: AuditEvent, service: ServiceView): AlertEntity[] {
  const entities = requestEntities(event);
  if (service.name !== undefined) {
    entities.push({ type: EntityType.service, name: service.name, ...(service.namespace === undefined ? {} : { namespace: service.namespace }) });
  }
  return entities;
}

/** The facts every exposure alert states: type, ports, selector and who may connect. */
export function serviceDetails(service: ServiceView): Record<string, string> {
  const ranges = sourceRangesOf(service);
  return {
    serviceType: service.type ?? '',
    ports: service.ports
      .map((port) => `${port.port ?? '?'}${port.targetPort === undefined ? '' : `->${port.targetPort}`}`)
      .join(', '),
    selector: Object.entries(service.selector)
      .map(([key, value]) => `${key}=${value}`)
      .join(', '),
    sourceRanges: ranges.length === 0 ? 'any (no loadBalancerSourceRanges)' : ranges.join(', '),
  };
}

/** Dedup key shared by Service rules: the Service and who wrote it. */
export function serviceDedupKey(event: AuditEvent): string {
  const service = serviceAfterRequest(event);
  return `${namespaceOf(event) ?? ''}|${service?.name ?? event.objectRef?.name ?? ''}|${event.user.username}`;
}


/** What an exposure rule recognizes in an exposed Service: facts for the alert's details, or undefined when it is not its concern. */
export type ExposureCheck = (service: ServiceView, event: AuditEvent) => Record<string, string> | undefined;

/**
 * The match, entities, details and dedup key of a rule about an external load balancer in front of some
 * application: {@link exposedLoadBalancer} and then the rule's own check.
 */
export function loadBalancerExposure(check: ExposureCheck): Pick<AuditRuleDefinition, 'match' | 'entities' | 'details' | 'dedupKey'> {
  const found = (event: AuditEvent, context: DetectionContext): { service: ServiceView; facts: Record<string, string> } | undefined => {
    const service = exposedLoadBalancer(event, context);
    const facts = service === undefined ? undefined : check(service, event);
    return service === undefined || facts === undefined ? undefined : { service, facts };
  };
  return {
    match: (event, context) => found(event, context) !== undefined,
    entities: (event, context) => {
      const hit = found(event, context);
      return hit === undefined ? requestEntities(event) : serviceEntities(event, hit.service);
    },
    details: (event, context) => {
      const hit = found(event, context);
      return hit === undefined ? {} : { ...serviceDetails(hit.service), ...hit.facts };
    },
    dedupKey: serviceDedupKey,
  };
}
