import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asArray, asObject, asString } from '../../../kubernetes/jsonValues';
import { type ContainerView, WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { container, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const AUTH_METHOD_VARIABLE = 'POSTGRES_HOST_AUTH_METHOD';

/** The container sets the official image's `POSTGRES_HOST_AUTH_METHOD` to the literal `trust` (not a secret; no other value is read). */
function trustsEveryHost(container: ContainerView): boolean {
  return asArray(container.spec.env).some((entry) => {
    const variable = asObject(entry);
    return asString(variable?.name) === AUTH_METHOD_VARIABLE && asString(variable?.value)?.trim().toLowerCase() === 'trust';
  });
}

const trustContainers = (event: AuditEvent) => workloadContainers(event).filter(trustsEveryHost);

const postgres = (env: Record<string, unknown>[]) =>
  container({ name: 'postgres', image: 'docker.io/library/postgres:16.4', ports: [{ containerPort: 5432 }], env });
const trustingPostgres = () => postgres([{ name: AUTH_METHOD_VARIABLE, value: 'trust' }]);

export const exposedPostgresTrustAuth = defineRule({
  id: 'exposed-postgres-trust-auth',
  alertType: 'K8S_ExposedPostgresTrustAuth',
  displayName: 'Postgres with trust authentication detected',
  description:
    `A workload runs PostgreSQL with \`${AUTH_METHOD_VARIABLE}=trust\`: the server accepts every connection as any user, ` +
    'superuser included, without a password. Exposed by a load balancer (Defender\'s alert) or reached from any compromised ' +
    'pod, it gives away the data and, through `COPY ... FROM PROGRAM`, command execution in the container. An audit event ' +
    'shows the workload or its Service, never both: this rule flags the workload; exposed-postgres-broad-ip-range flags the Service.',
  severity: Severity.Medium,
  intent: Intent.InitialAccess,
  techniques: ['T1078.001', 'T1190'],
  remediation: [
    `Remove \`${AUTH_METHOD_VARIABLE}=trust\` and set \`POSTGRES_PASSWORD\` from a Secret (the image then uses scram-sha-256).`,
    'Check whether a LoadBalancer or NodePort Service selects these pods; make it ClusterIP or restrict its source ranges.',
    'Restrict which pods may connect with a NetworkPolicy, and review the database logs for unknown clients.',
  ],
  falsePositives: ['Throw-away test databases in CI or development namespaces.'],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://hub.docker.com/_/postgres',
    'https://www.postgresql.org/docs/current/auth-trust.html',
  ],
  equivalents: { defender: ['K8S_ExposedPostgresTrustAuth'], falco: [], guardDuty: [], elastic: [] },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    isJudgedPodSpecWrite(event, context) && trustContainers(event).length > 0,
  entities: (event) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(trustContainers(event))],
  details: (event) => ({
    containers: trustContainers(event)
      .map((c) => c.name)
      .join(', '),
    setting: `${AUTH_METHOD_VARIABLE}=trust`,
  }),
  dedupKey: workloadDedupKey,
  examples: [
    {
      name: 'a StatefulSet runs postgres with trust authentication',
      expect: 'alert',
      event: workloadEvent('statefulsets', { containers: [trustingPostgres()] }, { namespace: 'data', name: 'orders-db' }),
    },
    {
      name: 'a bare pod runs postgres with trust authentication',
      expect: 'alert',
      event: workloadEvent('pods', { containers: [trustingPostgres()] }, { name: 'pg-0' }),
    },
    {
      name: 'a JSON patch adds trust authentication to a deployment',
      expect: 'alert',
      event: workloadPatchEvent('deployments', { namespace: 'data', name: 'orders-db' }, [
        { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: AUTH_METHOD_VARIABLE, value: 'trust' } },
      ]),
    },
    {
      name: 'postgres with password authentication from a Secret',
      expect: 'none',
      event: workloadEvent(
        'statefulsets',
        {
          containers: [
            postgres([
              { name: AUTH_METHOD_VARIABLE, value: 'scram-sha-256' },
              { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'orders-db', key: 'password' } } },
            ]),
          ],
        },
        { namespace: 'data', name: 'orders-db' },
      ),
    },
    {
      name: 'the statefulset controller creates the pod of a trust-auth StatefulSet logged without its body',
      expect: 'alert',
      event: workloadEvent(
        'pods',
        { containers: [trustingPostgres()] },
        { namespace: 'data', name: 'orders-db-0', user: 'system:serviceaccount:kube-system:statefulset-controller' },
      ),
    },
    {
      name: 'a refused trust-auth pod',
      expect: 'none',
      event: workloadEvent('pods', { containers: [trustingPostgres()] }, { name: 'pg-0', code: 403 }),
    },
  ],
});
