import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent, container, execEvent, tokenRequestEvent, unauthenticatedEvent, workloadEvent } from '../../exampleEvents';
import { sourceIp } from '../../predicates/identities';
import { RBAC_API_GROUP } from '../../predicates/rbacBindings';
import { CallerKind, callerLabel, refusalEntities, refusalOf, refusedCallerKind } from '../../predicates/refusals';
import { apiGroupOf, isDelete, isPodStreamRequest, isWrite, namespaceOf } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { defineRule, Intent, Severity } from '../../rule';

const RBAC_RESOURCES: ReadonlySet<string> = new Set(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']);
const POD_CONTROL_SUBRESOURCES: ReadonlySet<string> = new Set(['exec', 'attach', 'portforward', 'ephemeralcontainers']);
const POD_STREAMS: readonly string[] = ['exec', 'attach', 'portforward'];
const WEBHOOK_RESOURCES: ReadonlySet<string> = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']);

/** create, update, patch, delete or deletecollection, or a session into a running container (WebSocket clients send get). */
function isChange(event: AuditEvent): boolean {
  return isWrite(event) || isDelete(event) || POD_STREAMS.some((stream) => isPodStreamRequest(event, stream));
}

/**
 * The write was after credentials, code execution in a running container, permissions or the cluster's admission
 * control: what someone escalating tries, rather than a developer deploying to the wrong namespace.
 */
function sensitiveTarget(event: AuditEvent): string | undefined {
  const resource = event.objectRef?.resource;
  const subresource = event.objectRef?.subresource;
  const group = apiGroupOf(event);
  if (resource === undefined) return undefined;
  if (group === '' && resource === 'secrets') return 'secrets';
  if (group === '' && resource === 'serviceaccounts' && subresource === 'token') return 'service account token';
  if (group === '' && resource === 'pods' && subresource !== undefined && POD_CONTROL_SUBRESOURCES.has(subresource)) return `pods/${subresource}`;
  if (group === RBAC_API_GROUP && RBAC_RESOURCES.has(resource)) return 'RBAC';
  if (group === 'admissionregistration.k8s.io' && WEBHOOK_RESOURCES.has(resource)) return 'admission webhooks';
  if (group === 'certificates.k8s.io' && resource === 'certificatesigningrequests' && subresource === 'approval') return 'certificate approval';
  if (group === '' && resource === 'nodes') return 'nodes';
  return undefined;
}

/**
 * A node trying to join without valid credentials: a create of a Node or a CertificateSigningRequest by an anonymous
 * client or with a failed (expired) bootstrap token. The node-join rules judge those against the allowed nodes.
 */
function isNodeJoinAttempt(event: AuditEvent, caller: CallerKind): boolean {
  const resource = event.objectRef?.resource;
  return (
    (caller === CallerKind.anonymous || caller === CallerKind.unauthenticated) &&
    event.verb === 'create' &&
    ((resource === 'nodes' && apiGroupOf(event) === '') || (resource === 'certificatesigningrequests' && apiGroupOf(event) === 'certificates.k8s.io'))
  );
}

function isRefusedChange(event: AuditEvent, context: DetectionContext): boolean {
  if (!isChange(event) || refusalOf(event) === undefined) return false;
  const caller = refusedCallerKind(event, context);
  return caller !== undefined && !isNodeJoinAttempt(event, caller);
}

function raisesSeverity(event: AuditEvent, context: DetectionContext): boolean {
  const caller = refusedCallerKind(event, context);
  return (
    sensitiveTarget(event) !== undefined ||
    context.lists.infrastructureNamespaces.matches(namespaceOf(event)) ||
    caller === CallerKind.anonymous ||
    caller === CallerKind.unauthenticated
  );
}

function resourceLabel(event: AuditEvent): string {
  const ref = event.objectRef;
  if (ref?.resource === undefined) return '';
  const group = ref.apiGroup === undefined || ref.apiGroup === '' ? '' : `${ref.apiGroup}/`;
  return `${group}${ref.resource}${ref.subresource === undefined ? '' : `/${ref.subresource}`}`;
}

const kubeadmAdmin = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };

export const forbiddenWriteAttempt = defineRule({
  id: 'forbidden-write-attempt',
  alertType: 'K8S_ForbiddenWriteAttempt',
  displayName: 'Write refused to a user or an unauthenticated client',
  description:
    'The API server refused a create, update, patch or delete by a person, an anonymous client or a client whose credentials ' +
    'failed (401 from authentication, or 403 from the authorizer). Attackers holding a stolen kubeconfig or token try to deploy ' +
    'workloads, exec into pods, bind roles or write secrets to find out what the identity may do; each refusal leaves this record. ' +
    'Service accounts are left to service-account-request-denied, nodes and other system identities are ignored (the Node ' +
    'authorizer refuses kubelets as a matter of course), and refused reads of secrets are reported by secret-read-refused. ' +
    'Refusals by admission (webhooks, policies, quotas: a 403 after the authorizer allowed), conflicts (409), missing objects (404) ' +
    'and refused impersonations (privileged-identity-impersonation) are not reported, nor are nodes trying to join with an expired ' +
    'bootstrap token or anonymously (a refused Node or CertificateSigningRequest create: untrusted-node-join-attempt\'s concern).',
  // No Defender equivalent; Elastic rates forbidden creates Medium. Low: people hit RBAC limits every day; Medium when the write was
  // after secrets, tokens, exec/attach, RBAC, webhooks, nodes or a platform namespace, or came without valid credentials (severityFor).
  severity: Severity.Low,
  severityFor: (event, context) => (raisesSeverity(event, context) ? Severity.Medium : Severity.Low),
  intent: Intent.Discovery,
  techniques: ['T1613', 'T1078'],
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Ask the account owner whether they made the request; a refusal while deploying to a namespace they do not own is a mistake, a refusal on RBAC, secrets or exec is worth a call.',
    'For a 401 or an anonymous client, check the source IP and user agent: a client outside your networks trying writes is using leaked or forged credentials; restrict network access to the API server.',
    'If the attempt was not expected, revoke the identity\'s sessions and credentials and review every request from the same identity and source IP, refused or not.',
  ],
  falsePositives: [
    'Developers applying manifests to a namespace, or cluster-scoped objects, they have no rights on (a wrong kube context, a chart that installs CRDs or ClusterRoles).',
    'People whose kubeconfig token expired (401) in the middle of a deployment.',
    'Internet scanners trying anonymous writes on a cluster whose API server is reachable from the Internet.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-whether-a-request-is-allowed-or-denied',
    'https://www.datadoghq.com/blog/monitor-kubernetes-audit-logs/#monitor-api-authentication-issues',
    'https://elastic.github.io/detection-rules-explorer/rules/ec81962e-4bc8-48e6-bfb0-545fc97d8f6a',
    'https://attack.mitre.org/techniques/T1613/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Forbidden Creation Request', 'Kubernetes Unauthorized or Unauthenticated Access'],
  },
  match: (event, context) => isRefusedChange(event, context),
  entities: (event) => refusalEntities(event),
  details: (event, context) => ({
    refusal: refusalOf(event) ?? '',
    caller: refusedCallerKind(event, context) ?? '',
    verb: event.verb,
    resource: resourceLabel(event),
    scope: namespaceOf(event) === undefined ? 'cluster' : `namespace ${namespaceOf(event) ?? ''}`,
    sensitiveTarget: sensitiveTarget(event) ?? '',
    userAgent: redactText(event.userAgent ?? ''),
    message: redactText(event.responseStatus?.message ?? ''),
  }),
  // One probing session from one place is one alert, whatever it tries.
  dedupKey: (event) => `${callerLabel(event)}|${sourceIp(event) ?? ''}`,
  examples: [
    {
      name: 'a developer is refused a ClusterRoleBinding',
      expect: 'alert',
      event: auditEvent({ verb: 'create', resource: 'clusterrolebindings', apiGroup: RBAC_API_GROUP, code: 403 }),
    },
    {
      name: 'a stolen user kubeconfig is refused an exec (WebSocket) into a kube-system pod',
      expect: 'alert',
      event: execEvent({
        verb: 'get',
        namespace: 'kube-system',
        pod: 'coredns-6f9c8d7b5-q8w2e',
        container: 'coredns',
        command: ['sh'],
        user: kubeadmAdmin,
        sourceIP: '198.51.100.40',
        code: 403,
        stage: AuditStage.ResponseComplete,
      }),
    },
    {
      name: 'a user is refused a privileged pod in a namespace they do not own',
      expect: 'alert',
      event: workloadEvent('pods', { containers: [container({ securityContext: { privileged: true } })] }, { namespace: 'payments', name: 'debug', code: 403 }),
    },
    {
      name: 'a user is refused a token for a service account',
      expect: 'alert',
      event: tokenRequestEvent({ namespace: 'ci', name: 'deployer' }, { expirationSeconds: 86400 }, { code: 403 }),
    },
    {
      name: 'a client with an expired or forged token tries to delete a deployment (401)',
      expect: 'alert',
      event: unauthenticatedEvent({ verb: 'delete', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46' }),
    },
    {
      name: 'an anonymous client is refused a pod create',
      expect: 'alert',
      event: auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', user: 'system:anonymous', userAgent: 'Go-http-client/1.1', code: 403 }),
    },
    {
      name: 'an admission policy refuses a developer\'s privileged pod (authorization allowed)',
      expect: 'none',
      event: workloadEvent(
        'pods',
        { containers: [container({ securityContext: { privileged: true } })] },
        { namespace: 'shop', name: 'debug', code: 403, annotations: { 'authorization.k8s.io/decision': 'allow' } },
      ),
    },
    {
      name: 'a service account is refused a write (left to the service-account rule)',
      expect: 'none',
      event: auditEvent({ verb: 'patch', resource: 'configmaps', namespace: 'shop', name: 'settings', user: 'system:serviceaccount:shop:web', code: 403 }),
    },
    {
      name: 'a kubelet is refused a status update of another node',
      expect: 'none',
      event: auditEvent({
        verb: 'patch',
        resource: 'nodes',
        subresource: 'status',
        name: 'aks-nodepool1-12345678-vmss000001',
        user: 'system:node:aks-nodepool1-12345678-vmss000000',
        code: 403,
      }),
    },
    {
      name: 'a listed AKS service identity is refused a write',
      expect: 'none',
      event: auditEvent({ verb: 'update', resource: 'configmaps', namespace: 'kube-system', name: 'cluster-autoscaler-status', user: 'aksService', code: 403 }),
    },
    {
      name: 'a developer\'s update loses a race (409 conflict)',
      expect: 'none',
      event: auditEvent({ verb: 'update', resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'web', code: 409 }),
    },
    {
      name: 'a node with an expired bootstrap token asks for a kubelet certificate (401, the node-join rules\' concern)',
      expect: 'none',
      event: unauthenticatedEvent({ verb: 'create', resource: 'certificatesigningrequests', apiGroup: 'certificates.k8s.io', userAgent: 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46' }),
    },
    {
      name: 'a developer is refused a read',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'pods', namespace: 'payments', code: 403 }),
    },
  ],
});
