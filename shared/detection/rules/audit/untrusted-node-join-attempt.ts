import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { auditEvent, EXAMPLE_KUBELET_USER_AGENT, nodeCreateEvent, nodeCsrEvent } from '../../exampleEvents';
import { CSR_RESOURCE } from '../../predicates/certificateRequests';
import {
  isNodePolicySet,
  type NodeRegistration,
  nodeRegistration,
  nodeRegistrationDetails,
  nodeRegistrationEntities,
  registrationNodeNames,
  registrationRefused,
  untrustedNodeNames,
} from '../../predicates/nodeRegistration';
import { defineRule, Intent, Severity } from '../../rule';
import { NODE_POLICY, POOL_NODE, ROGUE_NODE } from './untrusted-node-joined';

/**
 * The registration, when the policy is set, the API server refused it (401 or 403) and the node is not
 * allowed, or cannot be named (a refused request is often logged without its body: no allowed node is
 * known to have made it).
 */
function refusedUntrustedJoin(event: AuditEvent, context: DetectionContext): NodeRegistration | undefined {
  if (!isNodePolicySet(context)) return undefined;
  const registration = nodeRegistration(event);
  if (registration === undefined || !registrationRefused(event)) return undefined;
  const names = registrationNodeNames(event, registration);
  return names.length === 0 || untrustedNodeNames(event, registration, context).length > 0 ? registration : undefined;
}

/** Authorization allowed the request; the NodeRestriction admission plugin refused it (the body was logged). */
const admissionRefusal = { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'allowed by Node authorizer' };

export const untrustedNodeJoinAttempt = defineRule({
  id: 'untrusted-node-join-attempt',
  alertType: 'K8S_UntrustedNodeJoinAttempt',
  displayName: 'Node not on the allowed list tried to join the cluster',
  description:
    'The API server refused (401 unauthenticated, or 403 forbidden by authorization or the NodeRestriction admission plugin) a ' +
    'request that registers a node not on the `allowedNodes` list, or one it cannot name: a create of a Node object or of a ' +
    'certificate request for a `system:node:<name>` identity (a policy list, empty by default: the rule is silent until it is ' +
    'set). Someone is trying to join a machine with an expired or stolen bootstrap token, anonymously, or with one node\'s ' +
    'credentials under another node\'s name. A registration that went through is the separate untrusted-node-joined alert.',
  severity: Severity.Medium,
  intent: Intent.InitialAccess,
  techniques: ['T1078'],
  remediation: [
    'Find the machine from the source IP and find out who runs it; block it at the network if it is not yours.',
    'If it used a bootstrap token or node credentials, delete the token (`kubectl -n kube-system delete secret bootstrap-token-<id>`) or rotate the credentials: a valid one will be tried again.',
    'Check for an untrusted-node-joined alert for the same node: an attempt that later succeeded.',
  ],
  falsePositives: [
    'A legitimate node whose bootstrap token expired, if its name is not on the `allowedNodes` list (add the pool\'s name pattern).',
    'A re-imaged node whose old credentials are no longer valid.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/',
    'https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction',
    'https://attack.mitre.org/techniques/T1078/',
  ],
  equivalents: {
    defender: [],
    falco: ['Untrusted Node Unsuccessfully Tried to Join the Cluster'],
    guardDuty: [],
    elastic: [],
  },
  resources: ['nodes', CSR_RESOURCE],
  match: (event, context) => refusedUntrustedJoin(event, context) !== undefined,
  entities: (event, context) => {
    const registration = refusedUntrustedJoin(event, context) ?? nodeRegistration(event);
    return registration === undefined ? [] : nodeRegistrationEntities(event, registration);
  },
  details: (event, context) => {
    const registration = refusedUntrustedJoin(event, context);
    return registration === undefined ? {} : nodeRegistrationDetails(event, registration, context);
  },
  dedupKey: (event, context) => `${refusedUntrustedJoin(event, context)?.nodeName ?? ''}|${event.user.username}|${event.sourceIPs[0] ?? ''}`,
  examples: [
    {
      name: 'an expired bootstrap token is refused when it asks for a node certificate (the node cannot be named)',
      expect: 'alert',
      lists: NODE_POLICY,
      // Authentication fails before the body is read: no user, no request object.
      event: nodeCsrEvent(undefined, { code: 401, user: { username: '', groups: [] }, sourceIP: '203.0.113.50' }),
    },
    {
      name: 'the anonymous user is forbidden to create a Node object',
      expect: 'alert',
      lists: NODE_POLICY,
      event: auditEvent({ verb: 'create', resource: 'nodes', user: 'system:anonymous', code: 403, userAgent: EXAMPLE_KUBELET_USER_AGENT, sourceIP: '203.0.113.50' }),
    },
    {
      name: 'NodeRestriction forbids a node of an allowed pool to register an unlisted node',
      expect: 'alert',
      lists: NODE_POLICY,
      event: nodeCreateEvent(ROGUE_NODE, { code: 403, user: `system:node:${POOL_NODE}`, annotations: admissionRefusal }),
    },
    {
      name: 'NodeRestriction forbids an unlisted node to register under an allowed node\'s name',
      expect: 'alert',
      lists: NODE_POLICY,
      event: nodeCreateEvent(POOL_NODE, { code: 403, user: `system:node:${ROGUE_NODE}`, annotations: admissionRefusal }),
    },
    {
      name: 'a refused registration with the default lists (no node policy set)',
      expect: 'none',
      event: nodeCsrEvent(undefined, { code: 401, user: { username: '', groups: [] } }),
    },
    {
      name: 'NodeRestriction refuses a label an allowed node sets on its own Node object',
      expect: 'none',
      lists: NODE_POLICY,
      event: nodeCreateEvent(POOL_NODE, { code: 403, annotations: admissionRefusal }),
    },
    {
      name: 'an unlisted node that registered (the joined rule\'s alert)',
      expect: 'none',
      lists: NODE_POLICY,
      event: nodeCreateEvent(ROGUE_NODE),
    },
    {
      name: 'an unlisted node\'s registration that failed validation (not a refusal)',
      expect: 'none',
      lists: NODE_POLICY,
      event: nodeCreateEvent(ROGUE_NODE, { code: 422 }),
    },
  ],
});
