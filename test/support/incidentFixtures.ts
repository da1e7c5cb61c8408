import { aggregateFindings } from '../../shared/alerts/aggregateFindings';
import { type Alert } from '../../shared/alerts/alert';
import { auditEvent, bindingEvent, container, execEvent, podObject } from '../../shared/detection/exampleEvents';
import { clusterAdminBinding } from '../../shared/detection/rules/audit/cluster-admin-binding';
import { execIntoPod } from '../../shared/detection/rules/audit/exec-into-pod';
import { highPrivilegesRole } from '../../shared/detection/rules/audit/high-privileges-role';
import { privilegedContainer } from '../../shared/detection/rules/audit/privileged-container';
import { secretsEnumeration } from '../../shared/detection/rules/audit/secrets-enumeration';
import { evaluate } from './ruleHarness';

const rules = [clusterAdminBinding, privilegedContainer, execIntoPod, highPrivilegesRole, secretsEnumeration];

/** Real alerts, as the pipeline builds them, from raw audit events of the rule harness's test cluster. */
export function alertsFrom(events: readonly Record<string, unknown>[], options: { isSimulated?: boolean } = {}): Alert[] {
  return aggregateFindings(evaluate(rules, events).findings, {
    windowInMs: 60 * 60 * 1000,
    now: new Date('2026-11-02T12:00:00Z'),
    ...(options.isSimulated === undefined ? {} : { isSimulated: options.isSimulated }),
  });
}

export interface AttackStep {
  user?: string;
  sourceIP?: string;
  time: string;
  auditID: string;
}

/** `kubectl create clusterrolebinding <user>-admin --clusterrole=cluster-admin --user=<user>` by the user: RBAC escalation (Persistence). */
export function selfEscalation(step: AttackStep): Record<string, unknown> {
  const user = step.user ?? 'dana@contoso.com';
  return bindingEvent(
    { name: `${user.split('@')[0] ?? 'user'}-admin`, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: user }] },
    { user, sourceIP: step.sourceIP ?? '203.0.113.24', time: step.time, auditID: step.auditID },
  );
}

/** A privileged pod created in `shop` (PrivilegeEscalation). */
export function privilegedPod(step: AttackStep & { pod?: string }): Record<string, unknown> {
  return auditEvent({
    verb: 'create',
    resource: 'pods',
    namespace: 'shop',
    user: step.user ?? 'dana@contoso.com',
    sourceIP: step.sourceIP ?? '203.0.113.24',
    time: step.time,
    auditID: step.auditID,
    requestObject: podObject({ containers: [container({ name: 'debug', image: 'docker.io/library/alpine:3.20', securityContext: { privileged: true } })] }, step.pod ?? 'node-debugger', 'shop'),
  });
}

/** `kubectl exec -it <pod> -- sh` into a pod of `shop` (Execution). */
export function execInto(step: AttackStep & { pod?: string }): Record<string, unknown> {
  return execEvent({
    namespace: 'shop',
    pod: step.pod ?? 'node-debugger',
    container: 'debug',
    command: ['sh'],
    user: step.user ?? 'dana@contoso.com',
    sourceIP: step.sourceIP ?? '203.0.113.24',
    time: step.time,
    auditID: step.auditID,
  });
}

/** The story: an RBAC escalation, a privileged pod by the same account, an exec into that pod. */
export function escalationStoryEvents(): Record<string, unknown>[] {
  return [
    selfEscalation({ time: '2026-11-02T10:00:05.000Z', auditID: '1d0e5a52-7c41-4a0e-9a61-0b7c0f7e0001' }),
    privilegedPod({ time: '2026-11-02T10:03:41.000Z', auditID: '1d0e5a52-7c41-4a0e-9a61-0b7c0f7e0002', sourceIP: '198.51.100.7' }),
    execInto({ time: '2026-11-02T10:05:12.000Z', auditID: '1d0e5a52-7c41-4a0e-9a61-0b7c0f7e0003', user: 'ops@contoso.com', sourceIP: '192.0.2.80' }),
  ];
}
