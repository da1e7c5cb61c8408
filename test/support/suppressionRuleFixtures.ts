import { aggregateFindings } from '../../shared/alerts/aggregateFindings';
import { type Alert } from '../../shared/alerts/alert';
import { type SuppressionRule } from '../../shared/alerts/suppressionRule';
import { auditEvent, container, podObject } from '../../shared/detection/exampleEvents';
import { execIntoPod } from '../../shared/detection/rules/audit/exec-into-pod';
import { privilegedContainer } from '../../shared/detection/rules/audit/privileged-container';
import { evaluate } from './ruleHarness';

export interface PrivilegedPodAlertOptions {
  user?: string;
  namespace?: string;
  podName?: string;
  image?: string;
  sourceIP?: string;
  userAgent?: string;
  time?: string;
  auditID?: string;
}

const NOW = new Date('2026-11-02T12:00:00.000Z');
const HOUR_IN_MS = 60 * 60 * 1000;

/** A real `K8S_PrivilegedContainer` alert of the test cluster, made by the rule and the aggregation from an audit event. */
export function privilegedPodAlert(options: PrivilegedPodAlertOptions = {}): Alert {
  const namespace = options.namespace ?? 'shop';
  const event = auditEvent({
    verb: 'create',
    resource: 'pods',
    namespace,
    name: options.podName ?? 'web-7d9f8c6b5-x2k4q',
    auditID: options.auditID ?? 'a1',
    time: options.time ?? '2026-11-02T10:15:30Z',
    user: options.user ?? 'dana@contoso.com',
    ...(options.sourceIP === undefined ? {} : { sourceIP: options.sourceIP }),
    ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
    requestObject: podObject(
      { containers: [container({ name: 'web', image: options.image ?? 'contoso.azurecr.io/shop/web:1.4.2', securityContext: { privileged: true } })] },
      options.podName ?? 'web-7d9f8c6b5-x2k4q',
      namespace,
    ),
  });
  return onlyAlert(aggregateFindings(evaluate([privilegedContainer], [event]).findings, { windowInMs: HOUR_IN_MS, now: NOW }));
}

/** A real `K8S_ExecIntoPod`-family alert: someone runs a command in a pod. */
export function execAlert(options: { user?: string; namespace?: string; auditID?: string; time?: string } = {}): Alert {
  const event = auditEvent({
    verb: 'create',
    resource: 'pods',
    subresource: 'exec',
    namespace: options.namespace ?? 'shop',
    name: 'web-7d9f8c6b5-x2k4q',
    user: options.user ?? 'dana@contoso.com',
    auditID: options.auditID ?? 'e1',
    time: options.time ?? '2026-11-02T10:20:00Z',
    requestURI: `/api/v1/namespaces/${options.namespace ?? 'shop'}/pods/web-7d9f8c6b5-x2k4q/exec?command=sh&container=web&stdin=true&stdout=true&tty=true`,
  });
  return onlyAlert(aggregateFindings(evaluate([execIntoPod], [event]).findings, { windowInMs: HOUR_IN_MS, now: NOW }));
}

function onlyAlert(alerts: Alert[]): Alert {
  const [alert] = alerts;
  if (alerts.length !== 1 || alert === undefined) throw new Error(`expected one alert, got ${alerts.length}`);
  return alert;
}

/** A rule with realistic defaults: enabled, no expiry, for privileged containers, no conditions. */
export function suppressionRule(fields: Partial<SuppressionRule> = {}): SuppressionRule {
  return {
    name: 'csi-driver-privileged',
    alertType: 'K8S_PrivilegedContainer',
    reason: 'ExpectedActivity',
    comment: 'The CSI driver runs privileged by design.',
    state: 'Enabled',
    conditions: [],
    ...fields,
  };
}
