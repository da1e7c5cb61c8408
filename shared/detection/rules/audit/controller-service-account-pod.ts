import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { podSpecOf, WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { KUBE_SYSTEM_CONTROLLERS } from '../../allowLists';
import { EntityType } from '../../entities';
import { container, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { serviceAccountNameOf } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { namespaceOf } from '../../predicates/requests';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const CONTROLLER_SERVICE_ACCOUNTS: ReadonlySet<string> = new Set(KUBE_SYSTEM_CONTROLLERS);

/** The controller service account the written pod spec runs as, in kube-system; undefined otherwise. */
function controllerServiceAccount(event: AuditEvent): string | undefined {
  if (namespaceOf(event) !== 'kube-system') return undefined;
  const name = serviceAccountNameOf(podSpecOf(event));
  return name !== undefined && CONTROLLER_SERVICE_ACCOUNTS.has(name) ? name : undefined;
}

const shell = () => container({ name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['sleep', 'infinity'] });
/** A pod spec that runs the shell as the service account. */
const runningAs = (serviceAccountName: string) => ({ serviceAccountName, containers: [shell()] });

export const controllerServiceAccountPod = defineRule({
  id: 'controller-service-account-pod',
  alertType: 'K8S_ControllerServiceAccountPod',
  displayName: 'Pod assigned a controller service account',
  description:
    'A pod or workload in kube-system was written to run as one of the kube-controller-manager\'s service accounts ' +
    '(replicaset-controller, daemon-set-controller, namespace-controller, clusterrole-aggregation-controller, ...). ' +
    'These accounts hold the controllers\' wide rights (several are admin-equivalent); a pod running as one receives its ' +
    'token, so whoever can create pods in kube-system can escalate to them. Controllers run inside the controller manager, ' +
    'never as pods.',
  // New alert type: Medium, as Elastic's equivalent rule. Writing pods in kube-system already takes high rights;
  // this turns them into the controllers'.
  severity: Severity.Medium,
  intent: Intent.PrivilegeEscalation,
  techniques: ['T1078.001', 'T1528'],
  remediation: [
    'Delete the workload and find out who wrote it and why; no legitimate workload needs a controller\'s account.',
    'Review what the pod did with the token: audit-log requests by that controller account from a pod IP rather than the control plane.',
    'Restrict who may create pods and pod controllers in kube-system, and enforce it with an admission policy on `serviceAccountName`.',
  ],
  falsePositives: ['Very few: a misconfigured add-on that reuses a controller account by mistake.'],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#controller-roles',
    'https://unit42.paloaltonetworks.com/kubernetes-privilege-escalation/',
    'https://attack.mitre.org/techniques/T1078/001/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Suspicious Assignment of Controller Service Account'],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    isJudgedPodSpecWrite(event, context) && controllerServiceAccount(event) !== undefined,
  entities: (event) => {
    const serviceAccount = controllerServiceAccount(event);
    return [
      ...requestEntities(event),
      ...ownerEntities(event),
      ...(serviceAccount === undefined ? [] : [{ type: EntityType.serviceAccount, name: serviceAccount, namespace: 'kube-system' }]),
      ...containerEntities(workloadContainers(event)),
    ];
  },
  details: (event) => ({ serviceAccount: controllerServiceAccount(event) ?? '' }),
  dedupKey: (event) => `${workloadDedupKey(event)}|${controllerServiceAccount(event) ?? ''}`,
  examples: [
    {
      name: 'a pod in kube-system runs as the clusterrole-aggregation-controller',
      expect: 'alert',
      event: workloadEvent('pods', runningAs('clusterrole-aggregation-controller'), { namespace: 'kube-system', name: 'debug' }),
    },
    {
      name: 'a DaemonSet in kube-system runs as the daemon-set-controller',
      expect: 'alert',
      event: workloadEvent('daemonsets', runningAs('daemon-set-controller'), { namespace: 'kube-system', name: 'node-agent' }),
    },
    {
      name: 'a CronJob in kube-system uses the deprecated serviceAccount field',
      expect: 'alert',
      event: workloadEvent('cronjobs', { serviceAccount: 'namespace-controller', containers: [shell()] }, { namespace: 'kube-system', name: 'cleanup' }),
    },
    {
      name: 'a patch switches a kube-system deployment to the replicaset-controller account',
      expect: 'alert',
      event: workloadPatchEvent(
        'deployments',
        { namespace: 'kube-system', name: 'coredns' },
        { spec: { template: { spec: { serviceAccountName: 'replicaset-controller' } } } },
      ),
    },
    {
      name: 'a kube-system add-on runs as its own service account',
      expect: 'none',
      event: workloadEvent('deployments', runningAs('metrics-server'), { namespace: 'kube-system', name: 'metrics-server' }),
    },
    {
      name: 'an account named like a controller in another namespace is an ordinary account',
      expect: 'none',
      event: workloadEvent('pods', runningAs('job-controller'), { namespace: 'shop', name: 'worker' }),
    },
    {
      name: 'the daemon-set controller creates the pods of such a DaemonSet',
      expect: 'alert',
      event: workloadEvent('pods', runningAs('daemon-set-controller'), {
        namespace: 'kube-system',
        name: 'node-agent-x2k4q',
        user: 'system:serviceaccount:kube-system:daemon-set-controller',
      }),
    },
    {
      name: 'a refused pod with a controller account',
      expect: 'none',
      event: workloadEvent('pods', runningAs('replicaset-controller'), { namespace: 'kube-system', name: 'debug', code: 403 }),
    },
  ],
});
