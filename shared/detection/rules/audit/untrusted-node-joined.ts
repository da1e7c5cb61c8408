import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { nodeCreateEvent, nodeCsrEvent, POOL_NODE_CSR, ROGUE_NODE_CSR } from '../../exampleEvents';
import { CSR_RESOURCE } from '../../predicates/certificateRequests';
import {
  isNodePolicySet,
  type NodeRegistration,
  nodeRegistration,
  nodeRegistrationDetails,
  nodeRegistrationEntities,
  registrationSucceeded,
  untrustedNodeNames,
} from '../../predicates/nodeRegistration';
import { defineRule, Intent, Severity } from '../../rule';

/** The registration, when the policy is set, it went through and it names a node that is not allowed. */
function untrustedJoin(event: AuditEvent, context: DetectionContext): NodeRegistration | undefined {
  if (!isNodePolicySet(context)) return undefined;
  const registration = nodeRegistration(event);
  if (registration?.nodeName === undefined || !registrationSucceeded(event, registration)) return undefined;
  return untrustedNodeNames(event, registration, context).length > 0 ? registration : undefined;
}

export const ROGUE_NODE = 'rogue-node-01';
export const POOL_NODE = 'aks-nodepool1-12345678-vmss000002';
export const NODE_POLICY = { allowedNodes: ['aks-nodepool1-*', 'aks-system-*'] };

export const untrustedNodeJoined = defineRule({
  id: 'untrusted-node-joined',
  alertType: 'K8S_UntrustedNodeJoined',
  displayName: 'Node not on the allowed list joined the cluster',
  description:
    'A node whose name is not on the `allowedNodes` list registered with the cluster (a policy list, empty by default: the rule is ' +
    'silent until it is set): its kubelet created its Node object, or a certificate was requested for its `system:node:<name>` ' +
    'identity and the API server accepted the request. A rogue node gets workloads scheduled onto it, with their secrets and ' +
    'service-account tokens, and node credentials read much of the cluster. Attackers with a bootstrap token, or with a node\'s ' +
    'kubeconfig, join machines they control this way. A refused attempt is the separate untrusted-node-join-attempt alert.',
  severity: Severity.High,
  intent: Intent.Persistence,
  techniques: ['T1078'],
  remediation: [
    'Check whether the node is part of a node pool you run (the cloud provider\'s instance list, the node pool\'s naming); if it is not, cordon and delete the Node (`kubectl cordon`, `kubectl delete node`) and deny or delete its CSRs.',
    'Find the credential it used: delete the bootstrap token (`kubectl -n kube-system delete secret bootstrap-token-<id>`) or revoke the node credentials; rotate the cluster CA (`az aks rotate-certs`) if a node client certificate was issued.',
    'Review the pods that ran on the node and rotate the secrets and tokens they mounted.',
    'If it is a new legitimate node pool, add its name pattern to the `allowedNodes` list.',
  ],
  falsePositives: [
    'A node pool added, or renamed by an upgrade, before the `allowedNodes` list was updated.',
    'Virtual nodes (ACI connector, virtual-kubelet) registering under their own names.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/',
    'https://kubernetes.io/docs/concepts/architecture/nodes/#self-registration-of-nodes',
    'https://kubernetes.io/docs/reference/access-authn-authz/node/',
    'https://attack.mitre.org/techniques/T1078/',
  ],
  equivalents: {
    defender: [],
    falco: ['Untrusted Node Successfully Joined the Cluster'],
    guardDuty: [],
    elastic: [],
  },
  resources: ['nodes', CSR_RESOURCE],
  match: (event, context) => untrustedJoin(event, context) !== undefined,
  entities: (event, context) => {
    const registration = untrustedJoin(event, context) ?? nodeRegistration(event);
    return registration === undefined ? [] : nodeRegistrationEntities(event, registration);
  },
  details: (event, context) => {
    const registration = untrustedJoin(event, context);
    return registration === undefined ? {} : nodeRegistrationDetails(event, registration, context);
  },
  dedupKey: (event, context) => `node|${untrustedJoin(event, context)?.nodeName ?? ''}`,
  examples: [
    {
      name: 'the kubelet of an unlisted machine registers its Node object',
      expect: 'alert',
      lists: NODE_POLICY,
      event: nodeCreateEvent(ROGUE_NODE, { sourceIP: '203.0.113.50' }),
    },
    {
      name: 'a bootstrap token gets a client certificate requested for an unlisted node',
      expect: 'alert',
      lists: NODE_POLICY,
      event: nodeCsrEvent(ROGUE_NODE_CSR, { sourceIP: '203.0.113.50' }),
    },
    {
      name: 'an unlisted node restarts and finds its Node object already there',
      expect: 'alert',
      lists: NODE_POLICY,
      event: nodeCreateEvent(ROGUE_NODE, { code: 409 }),
    },
    {
      name: 'an unlisted node registers with the default lists (no node policy set)',
      expect: 'none',
      event: nodeCreateEvent(ROGUE_NODE),
    },
    {
      name: 'a node of an allowed pool registers its Node object',
      expect: 'none',
      lists: NODE_POLICY,
      event: nodeCreateEvent(POOL_NODE),
    },
    {
      name: 'a node of an allowed pool bootstraps its client certificate',
      expect: 'none',
      lists: NODE_POLICY,
      event: nodeCsrEvent(POOL_NODE_CSR),
    },
    {
      name: 'a bootstrap certificate request logged without its body (the node cannot be named)',
      expect: 'none',
      lists: NODE_POLICY,
      event: nodeCsrEvent(undefined),
    },
    {
      name: 'an unlisted node is refused when it registers (the join-attempt rule\'s alert)',
      expect: 'none',
      lists: NODE_POLICY,
      event: nodeCreateEvent(ROGUE_NODE, { code: 403 }),
    },
  ],
});
