import { AuditStage } from '../../../kubernetes/auditEvent';
import { auditEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { isPodStreamRequest, namespaceOf, queryValues, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

export const portForwardToPod = defineRule({
  id: 'port-forward-to-pod',
  alertType: 'K8S_PortForwardToPod',
  displayName: 'Port forwarded to a pod through the API server',
  description:
    'Someone opened a port-forward to a pod (`kubectl port-forward`): a tunnel from their machine, through the API server and ' +
    'the kubelet, to a port of the pod. It reaches services that are not exposed (databases, admin interfaces, metrics) and ' +
    'passes by network policies, ingress controls and service meshes.',
  // New alert type. Low: port-forward is a common developer tool; the tunnel itself is not yet an attack.
  severity: Severity.Low,
  intent: Intent.CommandAndControl,
  techniques: ['T1572'],
  remediation: [
    'Confirm with the account owner that the tunnel was expected and which service it reached.',
    'Grant `pods/portforward` only to the people who need it; reach internal services through authenticated, audited paths instead.',
    'If the tunnel was not expected, review what the pod\'s service exposes (data read, admin actions) and investigate the account.',
  ],
  falsePositives: ['Developers and operators reaching a database, a dashboard or a debug port of their own workloads.'],
  references: [
    'https://kubernetes.io/docs/tasks/access-application-cluster/port-forward-access-application-cluster/',
    'https://attack.mitre.org/techniques/T1572/',
  ],
  equivalents: { defender: [], falco: ['port-forward'], guardDuty: [], elastic: [] },
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  resources: ['pods'],
  match: (event, context) => isPodStreamRequest(event, 'portforward') && succeeded(event) && !isSystemRequest(event, context),
  entities: (event) => requestEntities(event),
  details: (event): Record<string, string> => {
    const ports = queryValues(event, 'ports');
    return ports.length === 0 ? {} : { ports: ports.join(', ') };
  },
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${event.objectRef?.name ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'kubectl port-forward to a database pod',
      expect: 'alert',
      event: auditEvent({ verb: 'create', resource: 'pods', subresource: 'portforward', namespace: 'data', name: 'postgres-0' }),
    },
    {
      name: 'port-forward over WebSocket with the ports in the query',
      expect: 'alert',
      event: auditEvent({
        verb: 'get',
        resource: 'pods',
        subresource: 'portforward',
        namespace: 'monitoring',
        name: 'grafana-7c9d8b6f5-z2x4c',
        requestURI: '/api/v1/namespaces/monitoring/pods/grafana-7c9d8b6f5-z2x4c/portforward?ports=3000',
      }),
    },
    {
      name: 'port-forward refused by RBAC',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        subresource: 'portforward',
        namespace: 'data',
        name: 'postgres-0',
        code: 403,
        stage: AuditStage.ResponseComplete,
      }),
    },
    {
      name: 'a port-forward by a listed system identity',
      expect: 'none',
      event: auditEvent({ verb: 'create', resource: 'pods', subresource: 'portforward', namespace: 'kube-system', name: 'metrics-server-5f8d9c7b6-h4j5k', user: 'aksService' }),
    },
    {
      name: 'reading a pod',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'pods', namespace: 'data', name: 'postgres-0' }),
    },
  ],
});
