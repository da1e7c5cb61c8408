import { serviceEvent, type ServiceExample, servicePatchEvent } from '../../exampleEvents';
import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { isSystemRequest, serviceAccountOf } from '../../predicates/identities';
import { isWrite, succeeded } from '../../predicates/requests';
import {
  isServiceResource,
  serviceAfterRequest,
  serviceDedupKey,
  serviceDetails,
  serviceEntities,
  writtenService,
} from '../../predicates/services';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const nodePortSpec = { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] };
const nodePortWeb: ServiceExample = { name: 'web', namespace: 'shop', spec: nodePortSpec };

/**
 * cert-manager's ACME HTTP-01 solver: a short-lived Service (NodePort by default) that cert-manager itself creates
 * with its solver label while a certificate is issued, and deletes after. The label alone is not trusted: anyone
 * can set it, so the writer must be a cert-manager service account too.
 */
function isAcmeSolverService(event: AuditEvent): boolean {
  const account = serviceAccountOf(event.user.username);
  return account?.name === 'cert-manager' && event.impersonatedUser === undefined && writtenService(event)?.labels['acme.cert-manager.io/http01-solver'] === 'true';
}

export const nodeportService = defineRule({
  id: 'nodeport-service',
  alertType: 'K8S_NodePortService',
  displayName: 'NodePort service created',
  description:
    'A Service was created as, or changed to, type NodePort: every node now listens on a port (30000-32767 by default) that ' +
    'forwards to the selected pods. Node ports bypass ingress controllers and load-balancer source ranges, and NetworkPolicy ' +
    'cannot filter the host port; where nodes have public addresses, the pods are on the internet.',
  // New alert type: Low. Routine in some clusters and only reachable from outside where nodes are (AKS nodes usually are not).
  severity: Severity.Low,
  intent: Intent.InitialAccess,
  techniques: ['T1133'],
  remediation: [
    'Confirm the owner needs a node port; prefer ClusterIP behind an ingress, or an internal LoadBalancer.',
    'Check that nodes have no public IPs and that the node network security group does not admit the node port range.',
  ],
  falsePositives: [
    'Ingress controllers and on-premises or bare-metal setups that rely on NodePort by design.',
    'Charts whose default Service type is NodePort.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport',
    'https://attack.mitre.org/techniques/T1133/',
  ],
  equivalents: {
    defender: [],
    falco: ['Create NodePort Service'],
    guardDuty: [],
    elastic: ['Kubernetes Exposed Service Created With Type NodePort'],
  },
  resources: ['services'],
  match: (event, context) =>
    isWrite(event) &&
    isServiceResource(event) &&
    succeeded(event) &&
    writtenService(event)?.type === 'NodePort' &&
    !isSystemRequest(event, context) &&
    !isAcmeSolverService(event),
  entities: (event) => {
    const service = serviceAfterRequest(event);
    return service === undefined ? requestEntities(event) : serviceEntities(event, service);
  },
  details: (event) => {
    const service = serviceAfterRequest(event);
    if (service === undefined) return {};
    const { sourceRanges: _notApplicable, ...details } = serviceDetails(service);
    return { ...details, nodePorts: service.ports.map((port) => (port.nodePort === undefined ? 'auto' : String(port.nodePort))).join(', ') };
  },
  dedupKey: (event) => serviceDedupKey(event),
  examples: [
    {
      name: "cert-manager creates its ACME HTTP-01 solver Service (NodePort by default) while renewing a certificate",
      expect: 'none',
      event: serviceEvent(
        { name: 'cm-acme-http-solver-x7k2p', namespace: 'shop', labels: { 'acme.cert-manager.io/http01-solver': 'true' }, spec: { ...nodePortSpec, ports: [{ port: 8089, targetPort: 8089, nodePort: 31202 }] } },
        { user: 'system:serviceaccount:cert-manager:cert-manager', userAgent: 'cert-manager-challenges/v1.16.2 (linux/amd64) cert-manager/d9f3a2c' },
      ),
    },
    {
      name: 'a developer creates a NodePort Service with the ACME solver label',
      expect: 'alert',
      event: serviceEvent({ name: 'cm-acme-http-solver-fake', namespace: 'shop', labels: { 'acme.cert-manager.io/http01-solver': 'true' }, spec: nodePortSpec }),
    },
    {
      name: 'kubectl expose --type=NodePort',
      expect: 'alert',
      event: serviceEvent(nodePortWeb),
    },
    {
      name: 'a patch changes a ClusterIP service to NodePort',
      expect: 'alert',
      event: servicePatchEvent(nodePortWeb, { spec: { type: 'NodePort' } }),
    },
    {
      name: 'a ClusterIP service',
      expect: 'none',
      event: serviceEvent({ ...nodePortWeb, spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ port: 80 }] } }),
    },
    {
      name: 'a LoadBalancer service (its node ports are the load balancer\'s backend)',
      expect: 'none',
      event: serviceEvent({ ...nodePortWeb, spec: { ...nodePortSpec, type: 'LoadBalancer' } }),
    },
    {
      name: 'a label patch of an existing NodePort service',
      expect: 'none',
      event: servicePatchEvent(nodePortWeb, { metadata: { labels: { team: 'shop' } } }),
    },
    {
      name: 'the AKS addon manager writes a NodePort service',
      expect: 'none',
      event: serviceEvent({ ...nodePortWeb, namespace: 'kube-system' }, { verb: 'update', user: 'system:serviceaccount:kube-system:addon-manager' }),
    },
    {
      name: 'a refused NodePort service',
      expect: 'none',
      event: serviceEvent(nodePortWeb, { code: 403 }),
    },
  ],
});
