import { type AuditEvent } from '../../kubernetes/auditEvent';
import { asArray, asObject, asString } from '../../kubernetes/jsonValues';
import { type ContainerView, objectName, WORKLOAD_RESOURCES, workloadContainers } from '../../kubernetes/workloads';
import { auditEvent, container, podObject, workloadObject } from '../exampleEvents';
import { isSystemRequest } from '../predicates/identities';
import { isResource, isWrite, namespaceOf, succeeded } from '../predicates/requests';
import { containerEntities, requestEntities } from '../requestEntities';
import { defineRule, Intent, Severity } from '../rule';

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
    isWrite(event) &&
    isResource(event, WORKLOAD_RESOURCES) &&
    succeeded(event) &&
    trustContainers(event).length > 0 &&
    !isSystemRequest(event, context),
  entities: (event) => [...requestEntities(event), ...containerEntities(trustContainers(event))],
  details: (event) => ({
    containers: trustContainers(event)
      .map((c) => c.name)
      .join(', '),
    setting: `${AUTH_METHOD_VARIABLE}=trust`,
  }),
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${event.objectRef?.resource ?? ''}|${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a StatefulSet runs postgres with trust authentication',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'statefulsets',
        apiGroup: 'apps',
        namespace: 'data',
        requestObject: workloadObject(
          'statefulsets',
          { containers: [postgres([{ name: AUTH_METHOD_VARIABLE, value: 'trust' }])] },
          'orders-db',
          'data',
        ),
      }),
    },
    {
      name: 'a bare pod runs postgres with trust authentication',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        requestObject: podObject({ containers: [postgres([{ name: AUTH_METHOD_VARIABLE, value: 'trust' }])] }, 'pg-0'),
      }),
    },
    {
      name: 'a JSON patch adds trust authentication to a deployment',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'deployments',
        apiGroup: 'apps',
        namespace: 'data',
        name: 'orders-db',
        requestObject: [{ op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: AUTH_METHOD_VARIABLE, value: 'trust' } }],
      }),
    },
    {
      name: 'postgres with password authentication from a Secret',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'statefulsets',
        apiGroup: 'apps',
        namespace: 'data',
        requestObject: workloadObject(
          'statefulsets',
          {
            containers: [
              postgres([
                { name: AUTH_METHOD_VARIABLE, value: 'scram-sha-256' },
                { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'orders-db', key: 'password' } } },
              ]),
            ],
          },
          'orders-db',
          'data',
        ),
      }),
    },
    {
      name: 'the statefulset controller creates the pod of a trust-auth StatefulSet',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        namespace: 'data',
        user: 'system:serviceaccount:kube-system:statefulset-controller',
        requestObject: podObject({ containers: [postgres([{ name: AUTH_METHOD_VARIABLE, value: 'trust' }])] }, 'orders-db-0', 'data'),
      }),
    },
    {
      name: 'a refused trust-auth pod',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        code: 403,
        requestObject: podObject({ containers: [postgres([{ name: AUTH_METHOD_VARIABLE, value: 'trust' }])] }, 'pg-0'),
      }),
    },
  ],
});
