import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { auditEvent, container, podObject } from '../../exampleEvents';
import { isAnonymous, sourceIp } from '../../predicates/identities';
import { isDelete, isResource, isWrite, requestPath, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** Paths every cluster serves to anonymous clients by design (the `system:public-info-viewer` role, OIDC discovery). */
const PUBLIC_PATHS: readonly string[] = ['/healthz', '/livez', '/readyz', '/version', '/.well-known/openid-configuration', '/openid/v1/jwks'];

/** Health checks (`/readyz/etcd`) and `/version/` are the same public information. */
function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.some((publicPath) => path === publicPath || path.startsWith(`${publicPath}/`));
}

/**
 * kubeadm's `cluster-info` ConfigMap in kube-public: `kubeadm join` reads it anonymously by design
 * (it holds only the cluster's public CA and address, bound to anonymous by kubeadm itself).
 */
function isClusterInfoRead(event: AuditEvent): boolean {
  return event.verb === 'get' && isResource(event, 'configmaps') && event.objectRef?.namespace === 'kube-public' && event.objectRef.name === 'cluster-info';
}

/** The request changes the cluster (writes, deletes, exec): what makes anonymous access an impact rather than discovery. */
function changesCluster(event: AuditEvent): boolean {
  return isWrite(event) || isDelete(event);
}

export const anonymousRequestAllowed = defineRule({
  id: 'anonymous-request-allowed',
  alertType: 'K8S_AnonymousRequestAllowed',
  displayName: 'Anonymous request to the API server allowed',
  description:
    'The API server allowed a request from an unauthenticated (anonymous) client to something other than the public health and ' +
    'version endpoints. Anonymous access means anyone who can reach the API server has the permissions bound to system:anonymous ' +
    'or system:unauthenticated; attackers scan for such clusters to list workloads, read secrets and run containers.',
  // No Defender equivalent; GuardDuty rates SuccessfulAnonymousAccess Medium for discovery and High for impact (writes).
  severity: Severity.Medium,
  severityFor: (event) => (changesCluster(event) || isResource(event, 'secrets') ? Severity.High : Severity.Medium),
  intent: Intent.InitialAccess,
  techniques: ['T1078.001'],
  remediation: [
    'Find the binding that gives anonymous access: `kubectl get clusterrolebindings,rolebindings -A -o wide | grep -E "system:(anonymous|unauthenticated)"`, and delete it.',
    'Disable anonymous authentication on the API server (`--anonymous-auth=false`) or limit it to the health endpoints with an authentication configuration.',
    'Restrict network access to the API server (authorized IP ranges or a private cluster).',
    'Review what the anonymous client did from the same source IP and rotate any secret it could read.',
  ],
  falsePositives: [
    'Clusters that deliberately expose a non-resource endpoint (for example metrics) to anonymous clients; prefer an authenticated scraper.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests',
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-finding-types-eks-audit-logs.html',
    'https://attack.mitre.org/techniques/T1078/001/',
    'https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml',
  ],
  equivalents: {
    defender: [],
    falco: ['Anonymous Request Allowed'],
    guardDuty: ['Discovery:Kubernetes/SuccessfulAnonymousAccess', 'Impact:Kubernetes/SuccessfulAnonymousAccess'],
    elastic: ['Kubernetes Anonymous Request Authorized', 'Kubernetes Anonymous User Create/Update/Patch Pods Request'],
  },
  // An anonymous exec only ever logs ResponseStarted.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  match: (event) => isAnonymous(event.user) && succeeded(event) && !isPublicPath(requestPath(event)) && !isClusterInfoRead(event),
  entities: (event) => requestEntities(event),
  details: (event) => ({
    verb: event.verb,
    path: redactText(requestPath(event)),
    authorizationReason: redactText(event.annotations['authorization.k8s.io/reason'] ?? ''),
  }),
  dedupKey: (event) => `${sourceIp(event) ?? ''}|${changesCluster(event) ? 'write' : 'read'}`,
  examples: [
    {
      name: 'an anonymous client lists secrets in every namespace',
      expect: 'alert',
      event: auditEvent({
        verb: 'list',
        resource: 'secrets',
        user: 'system:anonymous',
        userAgent: 'python-requests/2.31.0',
        sourceIP: '198.51.100.77',
        annotations: { 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "debug-anon" of ClusterRole "view" to User "system:anonymous"' },
      }),
    },
    {
      name: 'an anonymous client creates a pod',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        user: 'system:anonymous',
        userAgent: 'curl/8.5.0',
        requestObject: podObject({ containers: [container({ image: 'docker.io/library/alpine:3.20' })] }, 'probe'),
      }),
    },
    {
      name: 'an anonymous client reads API discovery',
      expect: 'alert',
      event: auditEvent({ verb: 'get', user: 'system:anonymous', requestURI: '/apis', userAgent: 'Go-http-client/1.1' }),
    },
    {
      name: 'an anonymous health check',
      expect: 'none',
      event: auditEvent({ verb: 'get', user: 'system:anonymous', requestURI: '/readyz?verbose', userAgent: 'kube-probe/1.31' }),
    },
    {
      name: 'an anonymous version check',
      expect: 'none',
      event: auditEvent({ verb: 'get', user: 'system:anonymous', requestURI: '/version?timeout=32s' }),
    },
    {
      name: 'an anonymous request that RBAC refused',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'pods', user: 'system:anonymous', code: 403 }),
    },
    {
      name: 'an authenticated user lists secrets',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', namespace: 'shop' }),
    },
    {
      name: 'kubeadm join reads the public cluster-info ConfigMap anonymously',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info', user: 'system:anonymous' }),
    },
  ],
});
