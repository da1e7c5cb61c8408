import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { objectName, WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { bindingEvent, container, execEvent, roleEvent, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { execEntities, redactedExecCommand } from '../../predicates/commandLines';
import { isDryRun } from '../../predicates/dryRun';
import { isSystemRequest } from '../../predicates/identities';
import { ownerEntities } from '../../predicates/podSpecWrites';
import {
  ADMIN_CLUSTER_ROLES,
  BINDING_RESOURCES,
  bindingDetails,
  bindingEntities,
  bindingRoleRef,
  isBindingResource,
  isClusterRoleNamed,
  type RoleRef,
  writtenSubjects,
} from '../../predicates/rbacBindings';
import { dangerousPermissions, isRoleResource, ROLE_RESOURCES, writtenRoleRules } from '../../predicates/rbacRoles';
import { isTrustedRbacWriter } from '../../predicates/rbacWriters';
import { isPodStreamRequest, isResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';
import { SequenceStep } from '../../stateful/sequence';

/** The sequence's window: the escalation and its use by the same identity within five minutes (issue 17, item 8). */
const WITHIN_IN_MS = 5 * 60_000;

/** Writes RBAC objects: a binding or a role. */
function isRbacObject(event: AuditEvent): boolean {
  return isBindingResource(event) || isRoleResource(event);
}

/**
 * The first step: a successful write (not a dry run) that binds subjects to a built-in administrative ClusterRole
 * (cluster-admin, admin, edit, cluster-wide or in a namespace), or that gives a Role or ClusterRole a dangerous
 * permission (wildcards, escalate, bind, impersonate, secrets read, pods/exec or attach, nodes/proxy).
 */
function isSensitiveRbacChange(event: AuditEvent): boolean {
  if (!isWrite(event) || !succeeded(event) || isDryRun(event)) return false;
  if (isBindingResource(event)) return isClusterRoleNamed(bindingRoleRef(event), ADMIN_CLUSTER_ROLES) && writtenSubjects(event).length > 0;
  return isRoleResource(event) && dangerousPermissions(writtenRoleRules(event)).length > 0;
}

/** The identity's use of its rights: a pod or workload write (create, update, patch; a debug container) or an exec or attach. */
function isWorkloadWrite(event: AuditEvent): boolean {
  const ref = event.objectRef;
  if (ref?.resource === undefined || !WORKLOAD_RESOURCES.has(ref.resource)) return false;
  const written = ref.subresource === undefined || isResource(event, 'pods', 'ephemeralcontainers');
  return written && isWrite(event) && succeeded(event) && !isDryRun(event);
}

function isExecOrAttach(event: AuditEvent): boolean {
  return (isPodStreamRequest(event, 'exec') || isPodStreamRequest(event, 'attach')) && succeeded(event);
}

function stepOf(event: AuditEvent): SequenceStep | undefined {
  if (isRbacObject(event)) return SequenceStep.first;
  return isWorkloadWrite(event) || isExecOrAttach(event) ? SequenceStep.then : undefined;
}

function isWatched(event: AuditEvent, context: DetectionContext): boolean {
  if (isRbacObject(event)) return isSensitiveRbacChange(event) && !isTrustedRbacWriter(event, context);
  return (isWorkloadWrite(event) || isExecOrAttach(event)) && !isSystemRequest(event, context);
}

/** The identity both steps must share: the authenticated user (an impersonation stays with whoever made it). */
function identityOf(event: AuditEvent): string | undefined {
  const username = event.user.username;
  return username === '' ? undefined : username;
}

function entitiesOf(event: AuditEvent): AlertEntity[] {
  if (isBindingResource(event)) return bindingEntities(event, writtenSubjects(event));
  if (isRoleResource(event)) {
    const name = objectName(event);
    const kind = event.objectRef?.resource === 'clusterroles' ? 'ClusterRole' : 'Role';
    return [...requestEntities(event), ...(name === undefined ? [] : [{ type: EntityType.role, kind, name } satisfies AlertEntity])];
  }
  if (isExecOrAttach(event)) return execEntities(event);
  return [...requestEntities(event), ...ownerEntities(event), ...containerEntities(workloadContainers(event))];
}

function detailsOf(event: AuditEvent): Record<string, string> {
  const target = `${event.objectRef?.resource ?? ''}${event.objectRef?.subresource === undefined ? '' : `/${event.objectRef.subresource}`}`;
  const where = namespaceOf(event) === undefined ? '' : `${namespaceOf(event) ?? ''}/`;
  const object = `${target} ${where}${objectName(event) ?? ''}`.trim();
  if (isBindingResource(event)) return { step: 'RBAC change', request: `${event.verb} ${object}`, ...bindingDetails(event, writtenSubjects(event)) };
  if (isRoleResource(event)) return { step: 'RBAC change', request: `${event.verb} ${object}`, dangerousPermissions: dangerousPermissions(writtenRoleRules(event)).join(', ') };
  const command = isExecOrAttach(event) ? redactedExecCommand(event) : undefined;
  return { step: isExecOrAttach(event) ? 'exec or attach' : 'workload write', request: `${event.verb} ${object}`, ...(command === undefined ? {} : { command }) };
}

// One test cluster's story: a CI service account, a developer and Argo CD.
const CI_DEPLOYER = 'system:serviceaccount:ci:deployer';
const CI_POD_IP = '10.244.2.31';
const ARGOCD = 'system:serviceaccount:argocd:argocd-application-controller';
const ARGOCD_AGENT = 'argocd-application-controller/v2.13.1';
const KUBECTL_IN_POD = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
const clusterRole = (name: string): RoleRef => ({ kind: 'ClusterRole', name });
const selfAdminBinding = bindingEvent(
  { name: 'ci-deployer-admin', roleRef: clusterRole('cluster-admin'), subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' }] },
  { user: CI_DEPLOYER, sourceIP: CI_POD_IP, userAgent: KUBECTL_IN_POD, auditID: '0b1f7d52-93a4-4c61-8e0f-2d9b6a7c1e01', time: '2026-11-02T10:02:11.482913Z' },
);
const debugRules = [
  { apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/log'], verbs: ['get', 'list', 'create'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
];
const privilegedShell = {
  hostPID: true,
  containers: [container({ name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['sleep', 'infinity'], securityContext: { privileged: true } })],
};

export const rbacChangeThenWorkload = defineRule({
  id: 'rbac-change-then-workload',
  alertType: 'K8S_RbacChangeFollowedByWorkload',
  displayName: 'Sensitive RBAC change followed by a workload or exec from the same identity',
  description:
    'An identity made a sensitive RBAC change (it bound subjects to cluster-admin, admin or edit, or gave a Role or ClusterRole ' +
    'wildcards, escalate, bind, impersonate, secrets read, pods/exec or nodes/proxy) and, within five minutes, the same identity ' +
    'created or changed a pod or workload or ran a command in a container. Each step alone is an everyday administrative task; ' +
    'together they are the shape of an escalation put to use at once: a stolen account or service-account token grants itself ' +
    'more rights, then deploys a workload or opens a shell with them. The alert names both requests (times and audit ids in its details).',
  // New alert type (Defender has none). Medium: each step is Low or Informational alone; the pair is an attack pattern, but
  // installers (Helm, CI pipelines) that write roles and workloads together under one identity produce it too.
  severity: Severity.Medium,
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1098.006', 'T1610', 'T1609'],
  remediation: [
    'Ask the owner of the identity whether it made both requests; check the source IPs and user agents of the two steps in the details.',
    'If not expected, revert the RBAC change (delete the binding or role), delete the workload or end the session, and rotate the identity\'s credentials (service-account tokens, user sessions).',
    'Review what the identity did with the new rights since: secrets read, pods created, further RBAC changes.',
    'Add deployment pipelines and GitOps controllers that write RBAC by design to the `rbacManagers` list, and keep RBAC writes out of every other identity\'s rights.',
  ],
  falsePositives: [
    'Helm charts or operators installed by a person or a CI pipeline: the chart\'s ClusterRoles and its Deployment are written by the same identity within seconds (list the pipeline\'s service account in `rbacManagers`).',
    'An administrator granting a team edit in a namespace and then deploying or debugging there.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping',
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-attack-sequence-finding-types.html',
    'https://attack.mitre.org/techniques/T1098/006/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: ['AttackSequence:EKS/CompromisedCluster'],
    elastic: [],
  },
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  resources: [...BINDING_RESOURCES, ...ROLE_RESOURCES, ...WORKLOAD_RESOURCES],
  match: isWatched,
  stateful: {
    kind: 'sequence',
    key: identityOf,
    step: stepOf,
    withinInMs: WITHIN_IN_MS,
    stepNames: { first: 'a sensitive RBAC change', then: 'a workload write or exec' },
  },
  entities: (event) => entitiesOf(event),
  details: (event) => detailsOf(event),
  // Both steps give the same key, whichever completes the pair.
  dedupKey: (event) => `rbac-then-workload|${event.user.username}`,
  examples: [
    {
      name: 'a cluster-admin binding alone (one event shows no sequence)',
      expect: 'none',
      event: selfAdminBinding,
    },
    {
      name: 'a binding of the view role',
      expect: 'none',
      event: bindingEvent({ name: 'dana-view', roleRef: clusterRole('view'), subjects: [{ kind: 'User', name: 'dana@contoso.com' }] }),
    },
    {
      name: 'a privileged pod created alone',
      expect: 'none',
      event: workloadEvent('pods', privilegedShell, { namespace: 'kube-system', name: 'node-shell' }),
    },
  ],
  timelines: [
    {
      name: 'a CI service account binds itself to cluster-admin, then creates a privileged pod in kube-system 89 s later',
      expect: 'alert',
      events: [
        // Its usual deployment, before the change: not part of a sequence.
        workloadPatchEvent(
          'deployments',
          { namespace: 'shop', name: 'web' },
          { spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.4.3' }] } } } },
          { user: CI_DEPLOYER, sourceIP: CI_POD_IP, userAgent: KUBECTL_IN_POD, auditID: '5c0e8a61-2b7d-4f39-a1c4-7e3d9f2b8a10', time: '2026-11-02T10:00:42.117204Z' },
        ),
        selfAdminBinding,
        workloadEvent('pods', privilegedShell, {
          namespace: 'kube-system',
          name: 'node-shell',
          user: CI_DEPLOYER,
          sourceIP: CI_POD_IP,
          userAgent: KUBECTL_IN_POD,
          auditID: 'e4a9c2d7-6f18-4b05-9c3e-81a7d2f5b6c2',
          time: '2026-11-02T10:03:40.905561Z',
        }),
      ],
    },
    {
      name: 'a user writes a ClusterRole that reads secrets and execs into pods, then opens a shell in a pod (logged at two stages)',
      expect: 'alert',
      events: [
        roleEvent({ name: 'pod-debugger', rules: debugRules }, { user: 'mallory@contoso.com', sourceIP: '198.51.100.77', auditID: '9d3b5f18-0c6e-4a27-b8d1-4f6a2e9c7b33', time: '2026-11-02T11:20:05.331870Z' }),
        execEvent({
          namespace: 'payments',
          pod: 'api-6b8d9c7f5-k2m9x',
          container: 'api',
          command: ['sh'],
          user: 'mallory@contoso.com',
          sourceIP: '198.51.100.77',
          auditID: '1a7e4c90-5d2b-4e83-9f61-b0c8d3a2e544',
          time: '2026-11-02T11:23:47.062118Z',
        }),
        execEvent({
          namespace: 'payments',
          pod: 'api-6b8d9c7f5-k2m9x',
          container: 'api',
          command: ['sh'],
          user: 'mallory@contoso.com',
          sourceIP: '198.51.100.77',
          stage: AuditStage.ResponseComplete,
          auditID: '1a7e4c90-5d2b-4e83-9f61-b0c8d3a2e544',
          time: '2026-11-02T11:23:47.062118Z',
        }),
      ],
    },
    {
      name: 'the same identity deploys seven minutes after its cluster-admin binding (outside the window)',
      expect: 'none',
      events: [
        selfAdminBinding,
        workloadEvent('pods', privilegedShell, {
          namespace: 'kube-system',
          name: 'node-shell',
          user: CI_DEPLOYER,
          sourceIP: CI_POD_IP,
          userAgent: KUBECTL_IN_POD,
          auditID: '3f6d1b8e-7a25-4c90-8e4b-c2d5a9f1e655',
          time: '2026-11-02T10:09:12.640087Z',
        }),
      ],
    },
    {
      name: 'a developer deploys a minute after an administrator granted her edit in her namespace (another identity)',
      expect: 'none',
      events: [
        bindingEvent(
          { name: 'dana-edit', namespace: 'shop', roleRef: clusterRole('edit'), subjects: [{ kind: 'User', name: 'dana@contoso.com' }] },
          { user: 'aks-admin@contoso.com', sourceIP: '203.0.113.10', auditID: '7b2c9e41-8d06-4f5a-b3e7-a1d4c6f9e266', time: '2026-11-02T09:30:02.219345Z' },
        ),
        workloadEvent(
          'deployments',
          { containers: [container()] },
          { namespace: 'shop', name: 'web', auditID: '6e8a3d27-1c94-4b0f-a5d2-e7b9c1f4a377', time: '2026-11-02T09:31:15.884120Z' },
        ),
      ],
    },
    {
      name: 'Argo CD (an RBAC manager) applies a ClusterRole that reads secrets, then the Deployment that uses it',
      expect: 'none',
      events: [
        roleEvent(
          { name: 'external-dns', rules: [{ apiGroups: [''], resources: ['secrets', 'services'], verbs: ['get', 'list', 'watch'] }] },
          { user: ARGOCD, userAgent: ARGOCD_AGENT, sourceIP: '10.244.0.18', auditID: 'c1d5f8a2-4e37-4b69-9a0c-3b7e2d6f8488', time: '2026-11-02T08:45:10.502311Z' },
        ),
        workloadEvent(
          'deployments',
          { serviceAccountName: 'external-dns', containers: [container({ name: 'external-dns', image: 'registry.k8s.io/external-dns/external-dns:v0.15.0' })] },
          { namespace: 'external-dns', name: 'external-dns', user: ARGOCD, userAgent: ARGOCD_AGENT, sourceIP: '10.244.0.18', auditID: 'a8e2b6c4-9f13-4d7a-8c5e-1f0b3d9a2599', time: '2026-11-02T08:45:11.097455Z' },
        ),
      ],
    },
  ],
});
