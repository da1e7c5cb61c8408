import { asString, getPath } from '../../../kubernetes/jsonValues';
import { auditEvent } from '../../exampleEvents';
import { namespaceOf } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** The namespace whose every request raises the test alert (documented in the README). */
export const ALERT_TEST_NAMESPACE = 'argus-alerttest';
/** Defender for Containers' own test namespace, so that existing runbooks prove Argus too. */
export const DEFENDER_ALERT_TEST_NAMESPACE = 'asc-alerttest-662jfi039n';
const testNamespaces: ReadonlySet<string> = new Set([ALERT_TEST_NAMESPACE, DEFENDER_ALERT_TEST_NAMESPACE]);

function isTestNamespace(name: string | undefined): boolean {
  return name !== undefined && testNamespaces.has(name);
}

export const alertTestTrigger = defineRule({
  id: 'alert-test-trigger',
  alertType: 'K8S_ArgusAlertTest',
  displayName: 'Argus test alert',
  description:
    `A request touched the namespace "${ALERT_TEST_NAMESPACE}". This is the documented way to prove that a cluster's audit log ` +
    'reaches Argus and raises alerts: `kubectl get pods --namespace argus-alerttest` (or any request in it) raises this alert. ' +
    `Defender for Containers' test command (\`kubectl get pods --namespace=${DEFENDER_ALERT_TEST_NAMESPACE}\`) raises it too.`,
  severity: Severity.Informational,
  intent: Intent.Probing,
  techniques: [],
  remediation: ['Nothing to do: this alert exists to test the pipeline. Delete the namespace when the test is over.'],
  falsePositives: ['Every hit is intended: the namespace is reserved for this test.'],
  references: ['https://learn.microsoft.com/azure/defender-for-cloud/alert-validation#simulate-alerts-on-kubernetes-'],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
  // Any stage outcome counts: the point is that the request reached Argus, even if it was refused.
  match: (event) =>
    isTestNamespace(namespaceOf(event)) ||
    (event.objectRef?.resource === 'namespaces' &&
      (isTestNamespace(event.objectRef.name) || isTestNamespace(asString(getPath(event.requestObject, 'metadata', 'name'))))),
  entities: (event) => requestEntities(event),
  dedupKey: (event) => event.user.username,
  examples: [
    {
      name: 'kubectl create namespace argus-alerttest',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'namespaces',
        requestObject: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ALERT_TEST_NAMESPACE } },
      }),
    },
    {
      name: 'kubectl get pods -n argus-alerttest',
      expect: 'alert',
      event: auditEvent({ verb: 'list', resource: 'pods', namespace: ALERT_TEST_NAMESPACE }),
    },
    {
      name: "Defender's test command: kubectl get pods --namespace=asc-alerttest-662jfi039n",
      expect: 'alert',
      event: auditEvent({ verb: 'list', resource: 'pods', namespace: DEFENDER_ALERT_TEST_NAMESPACE }),
    },
    {
      name: 'kubectl create namespace shop',
      expect: 'none',
      event: auditEvent({ verb: 'create', resource: 'namespaces', requestObject: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } }),
    },
  ],
});
