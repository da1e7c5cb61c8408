import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent, unauthenticatedEvent } from '../../exampleEvents';
import { probedPath } from '../../predicates/enumeration';
import { isAnonymous, isSystemRequest, sourceIp } from '../../predicates/identities';
import { callerLabel, refusalEntities, refusalOf } from '../../predicates/refusals';
import { unauthenticated } from '../../predicates/requests';
import { defineRule, Intent, Severity } from '../../rule';

/**
 * Elastic's "Kubernetes Potential Endpoint Permission Enumeration Attempt by Anonymous User Detected" (ES|QL, every 5
 * minutes): an anonymous or unauthenticated client, per source IP and user agent, with more than 5 distinct request
 * URIs over more than 3 resource kinds and at least one refusal. Argus keeps the 5 minutes and 6 distinct paths and,
 * like api-enumeration-burst, asks for 3 refusals (401 or 403).
 */
const WINDOW_IN_MS = 5 * 60_000;
const DISTINCT_PATHS = 6;
const REFUSED_REQUESTS = 3;

/** No identity was established: an anonymous request, or one whose credentials failed (401, logged without a user). */
function isUnidentifiedCaller(event: AuditEvent): boolean {
  return event.user.username === '' || unauthenticated(event) || isAnonymous(event.user);
}

function isWatched(event: AuditEvent, context: DetectionContext): boolean {
  return isUnidentifiedCaller(event) && !isSystemRequest(event, context) && sourceIp(event) !== undefined && probedPath(event) !== undefined;
}

const SCANNER_IP = '198.51.100.23';
const SCANNER_AGENT = 'python-requests/2.32.3';

interface AnonymousRequestExample {
  path: string;
  code: number;
  auditID: string;
  time: string;
  resource?: string;
  apiGroup?: string;
  sourceIP?: string;
  userAgent?: string;
}

/** An anonymous request as the API server logs it (anonymous authentication on, the AKS and kubeadm default). */
function anonymousRequest(example: AnonymousRequestExample): Record<string, unknown> {
  return auditEvent({
    verb: example.resource === undefined ? 'get' : 'list',
    ...(example.resource === undefined ? {} : { resource: example.resource }),
    ...(example.apiGroup === undefined ? {} : { apiGroup: example.apiGroup }),
    user: 'system:anonymous',
    sourceIP: example.sourceIP ?? SCANNER_IP,
    userAgent: example.userAgent ?? SCANNER_AGENT,
    code: example.code,
    requestURI: example.path,
    auditID: example.auditID,
    time: example.time,
  });
}

export const apiEnumerationBurstBySourceIp = defineRule({
  id: 'api-enumeration-burst-by-source-ip',
  alertType: 'K8S_ApiEnumerationBurstBySourceIp',
  displayName: 'API enumeration burst by an unauthenticated source address',
  description:
    'Clients without a valid identity (anonymous requests, and requests whose credentials the API server rejected with 401) from one ' +
    'source IP looked at 6 or more different API paths within 5 minutes and were refused (401 or 403) at least 3 times. Scanners and ' +
    'attack tools (kube-hunter, Peirates, scripts trying leaked tokens) probe an exposed API server this way, looking for anonymous ' +
    'access or a credential that works (the Microsoft threat matrix\'s "Access Kubernetes API server", Discovery). Keyed by address, ' +
    'since there is no identity to key by. The thresholds follow Elastic\'s "Kubernetes Potential Endpoint Permission Enumeration ' +
    'Attempt by Anonymous User Detected" (more than 5 request URIs with a refusal, over a 5-minute run), with 3 refusals instead of ' +
    '1 as in api-enumeration-burst. Health probes (/healthz, /livez, /readyz) are not counted; discovery paths (/api, /apis, ' +
    '/version) are, since an unauthenticated client has no discovery cache to fill. Authenticated identities are counted by ' +
    'api-enumeration-burst.',
  // New alert type (Defender has none). Low: an API server reachable from the Internet is probed all the time; the alert
  // says that it is reachable and by whom, and joins an incident when the same address does more.
  severity: Severity.Low,
  intent: Intent.Probing,
  techniques: ['T1595.003', 'T1613'],
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Check whether the source address is yours (a VPN, a build agent, a node with a broken kubeconfig); if not, it is a scanner or an attacker trying credentials.',
    'Restrict network access to the API server (AKS authorized IP ranges or a private cluster) so that it is not reachable from the Internet at all.',
    'Check that anonymous requests are allowed nothing beyond the health and version endpoints (no RBAC binding to system:anonymous or system:unauthenticated), and rotate any credential the client may have tried if a request from the same address later succeeded.',
  ],
  falsePositives: [
    'A workload or node whose token has expired or whose service-account signing key was rotated (after `az aks rotate-certs`) retrying its requests with the rejected token.',
    'Internal vulnerability scanners and penetration tests run against the API server.',
  ],
  references: [
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Access%20the%20K8S%20API%20server/',
    'https://github.com/elastic/detection-rules/blob/main/rules/integrations/kubernetes/discovery_endpoint_permission_enumeration_by_anonymous_user.toml',
    'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests',
    'https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Potential Endpoint Permission Enumeration Attempt by Anonymous User Detected'],
  },
  match: isWatched,
  stateful: {
    kind: 'burst',
    key: sourceIp,
    value: probedPath,
    refused: (event) => refusalOf(event) !== undefined,
    windowInMs: WINDOW_IN_MS,
    distinct: DISTINCT_PATHS,
    refusedCount: REFUSED_REQUESTS,
    valueName: 'API path',
  },
  entities: (event) => refusalEntities(event),
  details: (event) => ({ caller: callerLabel(event), userAgent: event.userAgent ?? '', path: probedPath(event) ?? '' }),
  dedupKey: (event) => sourceIp(event) ?? '',
  examples: [
    {
      name: 'one anonymous request for the version',
      expect: 'none',
      event: anonymousRequest({ path: '/version', code: 200, auditID: '2f0a6b3c-8d1e-4c57-a9b2-3e4f5a6b7c80', time: '2026-11-02T21:14:03.551020Z' }),
    },
    {
      name: 'a person refused a list (an identity: counted by api-enumeration-burst)',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', code: 403, requestURI: '/api/v1/secrets?limit=500' }),
    },
  ],
  timelines: [
    {
      name: 'an Internet scanner probes version, discovery, namespaces, pods, secrets, deployments and metrics anonymously (7 paths, 6 refused)',
      expect: 'alert',
      events: [
        anonymousRequest({ path: '/healthz', code: 200, auditID: '3a1b7c4d-9e2f-4d68-b0c3-4f5a6b7c8d91', time: '2026-11-02T21:14:01.020114Z' }),
        anonymousRequest({ path: '/version', code: 200, auditID: '4b2c8d5e-0f3a-4e79-81d4-5a6b7c8d9ea2', time: '2026-11-02T21:14:01.338702Z' }),
        anonymousRequest({ path: '/api', code: 403, auditID: '5c3d9e6f-1a4b-4f8a-92e5-6b7c8d9eafb3', time: '2026-11-02T21:14:01.702551Z' }),
        anonymousRequest({ path: '/api/v1/namespaces', code: 403, auditID: '6d4eaf70-2b5c-4a9b-a3f6-7c8d9eafb0c4', time: '2026-11-02T21:14:02.110937Z', resource: 'namespaces' }),
        anonymousRequest({ path: '/api/v1/pods', code: 403, auditID: '7e5fb081-3c6d-4bac-b407-8d9eafb0c1d5', time: '2026-11-02T21:14:02.514288Z', resource: 'pods' }),
        anonymousRequest({ path: '/api/v1/secrets', code: 403, auditID: '8f60c192-4d7e-4cbd-8518-9eafb0c1d2e6', time: '2026-11-02T21:14:02.930416Z', resource: 'secrets' }),
        anonymousRequest({ path: '/apis/apps/v1/deployments', code: 403, auditID: '9071d2a3-5e8f-4dce-9629-afb0c1d2e3f7', time: '2026-11-02T21:14:03.347063Z', resource: 'deployments', apiGroup: 'apps' }),
        anonymousRequest({ path: '/metrics', code: 403, auditID: 'a182e3b4-6f90-4edf-a73a-b0c1d2e3f408', time: '2026-11-02T21:14:03.761840Z' }),
      ],
    },
    {
      name: 'a leaked, revoked token is tried against six APIs from one address (401s, logged without a user)',
      expect: 'alert',
      events: [
        ['/api/v1/namespaces/kube-system/secrets', 'secrets', 'kube-system'],
        ['/api/v1/namespaces/kube-system/pods', 'pods', 'kube-system'],
        ['/api/v1/namespaces/default/secrets', 'secrets', 'default'],
        ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', 'clusterrolebindings', undefined],
        ['/api/v1/nodes', 'nodes', undefined],
        ['/api/v1/namespaces', 'namespaces', undefined],
      ].map(([path, resource, namespace], index) =>
        unauthenticatedEvent({
          verb: 'list',
          ...(resource === undefined ? {} : { resource }),
          ...(namespace === undefined ? {} : { namespace }),
          ...(resource === 'clusterrolebindings' ? { apiGroup: 'rbac.authorization.k8s.io' } : {}),
          requestURI: `${path ?? '/'}?limit=500`,
          sourceIP: '185.220.101.47',
          userAgent: 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9',
          auditID: `b293f4c5-7a01-4fe0-b84b-c1d2e3f4051${index}`,
          time: `2026-11-02T22:40:1${index}.418305Z`,
        }),
      ),
    },
    {
      name: "Azure's load balancer probes health endpoints and the version every few seconds",
      expect: 'none',
      events: ['/healthz', '/livez', '/readyz', '/readyz/etcd', '/version', '/healthz', '/livez', '/readyz'].map((path, index) =>
        anonymousRequest({
          path,
          code: 200,
          auditID: `c3a4051d-8b12-4f01-95c6-d2e3f405162${index}`,
          time: `2026-11-02T21:20:0${index}.005117Z`,
          sourceIP: '168.63.129.16',
          userAgent: 'Go-http-client/1.1',
        }),
      ),
    },
    {
      name: 'a developer whose kubeconfig token expired runs kubectl three times (discovery refused, 2 paths)',
      expect: 'none',
      events: [0, 1, 2].flatMap((run) => [
        unauthenticatedEvent({ verb: 'get', requestURI: '/api?timeout=32s', sourceIP: '203.0.113.24', auditID: `d4b5162e-9c23-4012-a6d7-e3f40516273${run}`, time: `2026-11-02T08:5${run}:14.220418Z` }),
        unauthenticatedEvent({ verb: 'get', requestURI: '/apis?timeout=32s', sourceIP: '203.0.113.24', auditID: `e5c6273f-0d34-4123-b7e8-f4051627384${run}`, time: `2026-11-02T08:5${run}:14.301957Z` }),
      ]),
    },
  ],
});
