import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent } from '../../exampleEvents';
import { isLookingAround, isRefusedProbe, probedPath } from '../../predicates/enumeration';
import { isAnonymous, isSystemRequest, sourceIp } from '../../predicates/identities';
import { refusalOf } from '../../predicates/refusals';
import { unauthenticated } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/**
 * Elastic's "Kubernetes Potential Endpoint Permission Enumeration Attempt Detected" (ES|QL, run every 5 minutes over
 * the last 6): one user and source IP with more than 5 distinct request URIs over more than 3 resource kinds, some
 * allowed and some forbidden, in fewer than 75 requests. Argus keeps the 5 minutes and the 6 distinct paths, and asks
 * for 3 refusals instead of Elastic's 1, because it cannot also demand a low request count (which keeps Elastic's
 * rule off busy dashboards and controllers) and a person's mistyped namespace costs one or two refusals.
 */
const WINDOW_IN_MS = 5 * 60_000;
const DISTINCT_PATHS = 6;
const REFUSED_REQUESTS = 3;

/** An authenticated caller: anonymous and unauthenticated clients are counted per source IP by api-enumeration-burst-by-source-ip. */
function isAuthenticatedCaller(event: AuditEvent): boolean {
  return event.user.username !== '' && !unauthenticated(event) && !isAnonymous(event.user);
}

/** A refused request counts when it is a probe (not a platform component's refused read); any other request when it looks around. */
function isWatched(event: AuditEvent, context: DetectionContext): boolean {
  if (!isAuthenticatedCaller(event) || isSystemRequest(event, context) || probedPath(event) === undefined) return false;
  return refusalOf(event) === undefined ? isLookingAround(event) : isRefusedProbe(event, context);
}

/** The same request at another time (timelines reuse a probe). */
function retimed(event: Record<string, unknown>, auditID: string, time: string): Record<string, unknown> {
  return { ...event, auditID, requestReceivedTimestamp: time, stageTimestamp: time };
}

const STOLEN_TOKEN = 'system:serviceaccount:shop:web';
const WEB_POD_IP = '10.244.2.17';
const KUBECTL = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
const forbidden = (verb: string, resource: string, scope: string): Record<string, unknown> => ({
  metadata: {},
  status: 'Failure',
  reason: 'Forbidden',
  code: 403,
  message: `${resource} is forbidden: User "${STOLEN_TOKEN}" cannot ${verb} resource "${resource}" in API group "" ${scope}`,
});

/** What the web pod's token does once someone has it: check its rights, then try the cluster, 7 paths and 4 refusals in 2 minutes. */
const probeByStolenToken = [
  auditEvent({
    verb: 'create',
    resource: 'selfsubjectrulesreviews',
    apiGroup: 'authorization.k8s.io',
    user: STOLEN_TOKEN,
    sourceIP: WEB_POD_IP,
    userAgent: KUBECTL,
    auditID: '0b6c1f7e-2a41-4d7b-9e35-6a8f0c2d4e11',
    time: '2026-11-02T14:02:11.204117Z',
  }),
  auditEvent({
    verb: 'list',
    resource: 'pods',
    namespace: 'shop',
    user: STOLEN_TOKEN,
    sourceIP: WEB_POD_IP,
    userAgent: KUBECTL,
    requestURI: '/api/v1/namespaces/shop/pods?limit=500',
    auditID: '1c7d2e8f-3b52-4e8c-8f46-7b9a1d3e5f22',
    time: '2026-11-02T14:02:19.881504Z',
  }),
  auditEvent({
    verb: 'list',
    resource: 'secrets',
    user: STOLEN_TOKEN,
    sourceIP: WEB_POD_IP,
    userAgent: KUBECTL,
    code: 403,
    requestURI: '/api/v1/secrets?limit=500',
    responseObject: forbidden('list', 'secrets', 'at the cluster scope'),
    auditID: '2d8e3f90-4c63-4f9d-9057-8cab2e4f6033',
    time: '2026-11-02T14:02:31.440218Z',
  }),
  auditEvent({
    verb: 'list',
    resource: 'namespaces',
    user: STOLEN_TOKEN,
    sourceIP: WEB_POD_IP,
    userAgent: KUBECTL,
    code: 403,
    requestURI: '/api/v1/namespaces?limit=500',
    auditID: '3e9f4a01-5d74-4a0e-8168-9dbc3f5a7144',
    time: '2026-11-02T14:02:44.017339Z',
  }),
  auditEvent({
    verb: 'list',
    resource: 'nodes',
    user: STOLEN_TOKEN,
    sourceIP: WEB_POD_IP,
    userAgent: KUBECTL,
    code: 403,
    requestURI: '/api/v1/nodes?limit=500',
    auditID: '4fa05b12-6e85-4b1f-9279-aecd4a6b8255',
    time: '2026-11-02T14:02:58.662940Z',
  }),
  auditEvent({
    verb: 'list',
    resource: 'configmaps',
    namespace: 'shop',
    user: STOLEN_TOKEN,
    sourceIP: WEB_POD_IP,
    userAgent: KUBECTL,
    requestURI: '/api/v1/namespaces/shop/configmaps?limit=500',
    auditID: '5ab16c23-7f96-4c20-838a-bfde5b7c9366',
    time: '2026-11-02T14:03:20.305771Z',
  }),
  auditEvent({
    verb: 'list',
    resource: 'clusterrolebindings',
    apiGroup: 'rbac.authorization.k8s.io',
    user: STOLEN_TOKEN,
    sourceIP: WEB_POD_IP,
    userAgent: KUBECTL,
    code: 403,
    requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=500',
    auditID: '6bc27d34-80a7-4d31-94ab-c0ef6c8da477',
    time: '2026-11-02T14:04:02.958402Z',
  }),
];

const DEVELOPER = 'dana@contoso.com';
const OFFICE_IP = '203.0.113.24';

export const apiEnumerationBurst = defineRule({
  id: 'api-enumeration-burst',
  alertType: 'K8S_ApiEnumerationBurst',
  displayName: 'API enumeration burst by one identity',
  description:
    'One authenticated identity (a person or a service account) looked at 6 or more different API paths within 5 minutes and was ' +
    'refused by authorization (403) at least 3 times while doing so. Someone who has obtained a token or a kubeconfig maps what it can reach ' +
    'before using it: its own rights, the pods and config of its namespace, then secrets, namespaces, nodes and RBAC across the ' +
    'cluster, which the account usually may not read (the Microsoft threat matrix\'s "Access Kubernetes API server", Discovery). The ' +
    'thresholds follow Elastic\'s "Kubernetes Potential Endpoint Permission Enumeration Attempt Detected" (more than 5 request URIs ' +
    'with both allowed and forbidden answers, over a 5-minute run), with 3 refusals instead of 1 because Argus cannot also require ' +
    'Elastic\'s low request count. Counted: reads of API objects (leases excluded), permission checks, non-resource paths other than ' +
    'health and discovery, and every refused request; paths without their query. Listed system identities are not watched, nor are a ' +
    'platform service account\'s refused reads (its informers after an API-server restart). Anonymous and ' +
    'unauthenticated clients are counted per source IP by api-enumeration-burst-by-source-ip.',
  // New alert type (Defender has none). Medium, as Elastic's: refusals across the cluster in a few minutes are rarely routine.
  severity: Severity.Medium,
  intent: Intent.Discovery,
  techniques: ['T1613', 'T1069.003', 'T1087.004'],
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Look at the alert\'s paths and the identity\'s other requests from the same source IP and user agent: a service account whose requests come from a kubectl, curl or script user agent, or from an address that is not its pod\'s, is a stolen token.',
    'If the identity was not expected to look around, revoke its credentials (delete the pod and rotate the service account\'s tokens; revoke the person\'s sessions and kubeconfig certificates) and review what the allowed requests returned.',
    'Keep read rights narrow (namespace Roles, no cluster-wide list) and restrict network access to the API server (authorized IP ranges, private cluster).',
  ],
  falsePositives: [
    'People with namespace-only rights opening a cluster browser (k9s, Lens, Headlamp, the Kubernetes Dashboard) that lists resources across the cluster and is refused several of them.',
    'Operators installed with RBAC that lags their code, refused several resources at start-up until their role is fixed.',
  ],
  references: [
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Access%20the%20K8S%20API%20server/',
    'https://github.com/elastic/detection-rules/blob/main/rules/integrations/kubernetes/discovery_endpoint_permission_enumeration_by_user_and_srcip.toml',
    'https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-whether-a-request-is-allowed-or-denied',
    'https://attack.mitre.org/techniques/T1613/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Potential Endpoint Permission Enumeration Attempt Detected', 'Kubernetes Multi-Resource Discovery'],
  },
  match: isWatched,
  stateful: {
    kind: 'burst',
    key: (event) => event.user.username,
    value: probedPath,
    refused: (event) => refusalOf(event) !== undefined,
    windowInMs: WINDOW_IN_MS,
    distinct: DISTINCT_PATHS,
    refusedCount: REFUSED_REQUESTS,
    valueName: 'API path',
  },
  entities: (event) => requestEntities(event),
  details: (event) => ({ userAgent: event.userAgent ?? '', verb: event.verb, path: probedPath(event) ?? '' }),
  // One probing session of one identity from one place is one alert.
  dedupKey: (event) => `${event.user.username}|${sourceIp(event) ?? ''}`,
  examples: [
    {
      name: 'one refused cluster-wide list of secrets (a burst needs several paths)',
      expect: 'none',
      event: probeByStolenToken[2] ?? {},
    },
    {
      name: 'a load balancer health probe',
      expect: 'none',
      event: auditEvent({ verb: 'get', user: 'system:anonymous', requestURI: '/readyz', sourceIP: '168.63.129.16', userAgent: 'Go-http-client/1.1' }),
    },
  ],
  timelines: [
    {
      name: "the web pod's token checks its rights, then lists secrets, namespaces, nodes and bindings across the cluster (7 paths, 4 refused, 2 minutes)",
      expect: 'alert',
      events: probeByStolenToken,
    },
    {
      name: 'a developer works in their namespace and is refused twice (8 paths, 2 refusals)',
      expect: 'none',
      events: [
        auditEvent({ verb: 'list', resource: 'pods', namespace: 'shop', user: DEVELOPER, sourceIP: OFFICE_IP, requestURI: '/api/v1/namespaces/shop/pods?limit=500', auditID: '7cd38e45-91b8-4e42-a5bc-d1f07d9eb588', time: '2026-11-02T09:10:03.118200Z' }),
        auditEvent({ verb: 'list', resource: 'pods', user: DEVELOPER, sourceIP: OFFICE_IP, code: 403, requestURI: '/api/v1/pods?limit=500', auditID: '8de49f56-a2c9-4f53-b6cd-e2018eafc699', time: '2026-11-02T09:10:41.502913Z' }),
        auditEvent({ verb: 'get', resource: 'pods', namespace: 'shop', name: 'web-7d9f8c6b5-x2k4q', user: DEVELOPER, sourceIP: OFFICE_IP, auditID: '9ef5a067-b3da-4064-87de-f3129fbd07aa', time: '2026-11-02T09:11:02.774410Z' }),
        auditEvent({ verb: 'list', resource: 'events', namespace: 'shop', user: DEVELOPER, sourceIP: OFFICE_IP, requestURI: '/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dweb-7d9f8c6b5-x2k4q', auditID: 'a0f6b178-c4eb-4175-98ef-04230ae118bb', time: '2026-11-02T09:11:03.021377Z' }),
        auditEvent({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web-7d9f8c6b5-x2k4q', user: DEVELOPER, sourceIP: OFFICE_IP, auditID: 'b107c289-d5fc-4286-a9f0-15341bf229cc', time: '2026-11-02T09:11:35.660821Z' }),
        auditEvent({ verb: 'get', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', user: DEVELOPER, sourceIP: OFFICE_IP, auditID: 'c218d39a-e60d-4397-b001-26452c033add', time: '2026-11-02T09:12:10.093559Z' }),
        auditEvent({ verb: 'list', resource: 'nodes', user: DEVELOPER, sourceIP: OFFICE_IP, code: 403, requestURI: '/api/v1/nodes?limit=500', auditID: 'd329e4ab-f71e-44a8-8112-37563d144bee', time: '2026-11-02T09:12:48.337102Z' }),
        auditEvent({ verb: 'list', resource: 'services', namespace: 'shop', user: DEVELOPER, sourceIP: OFFICE_IP, requestURI: '/api/v1/namespaces/shop/services?limit=500', auditID: 'e43af5bc-0829-45b9-9223-48674e255cff', time: '2026-11-02T09:13:15.905664Z' }),
      ],
    },
    {
      name: 'the same probes spread over 9 minutes (no 5-minute span holds 6 paths)',
      expect: 'none',
      events: [
        ...probeByStolenToken.slice(0, 3).map((event, index) => retimed(event, `f54b06cd-193a-46ca-8334-59785360000${index}`, `2026-11-02T15:0${index}:10.118204Z`)),
        ...probeByStolenToken.slice(3, 6).map((event, index) => retimed(event, `065c17de-2a4b-47db-9445-6a896470000${index}`, `2026-11-02T15:0${index + 7}:20.440917Z`)),
      ],
    },
    {
      name: "a platform operator's informers are refused their first lists after an API-server restart",
      expect: 'none',
      events: ['pods', 'services', 'endpoints', 'namespaces', 'nodes', 'configmaps'].map((resource, index) =>
        auditEvent({
          verb: 'list',
          resource,
          user: 'system:serviceaccount:kube-system:cilium-operator',
          sourceIP: '10.224.0.5',
          userAgent: 'cilium-operator-generic/v1.16.1 (linux/amd64) kubernetes/$Format',
          code: index < 5 ? 403 : 200,
          requestURI: `/api/v1/${resource}?limit=500&resourceVersion=0`,
          auditID: `176d28ef-3b5c-48ec-a556-7b9a758${String(index).padStart(5, '0')}`,
          time: `2026-11-02T03:41:0${index}.250000Z`,
        }),
      ),
    },
  ],
});
