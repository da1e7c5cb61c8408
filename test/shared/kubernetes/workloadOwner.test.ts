import { container, controllerPodEvent, cronJobObject, auditEvent, workloadEvent } from '../../../shared/detection/exampleEvents';
import { topOwnerOf } from '../../../shared/kubernetes/workloadOwner';
import { recordOf } from '../../support/ruleHarness';

const ownerOf = (raw: Record<string, unknown>) => {
  const owner = topOwnerOf(recordOf(raw).event);
  return owner === undefined ? undefined : `${owner.resource}/${owner.name} (${owner.derivedFrom})`;
};
const spec = { containers: [container()] };

describe('topOwnerOf', () => {
  it('when a Deployment is written, then it is its own owner', () => {
    expect(ownerOf(workloadEvent('deployments', spec, { namespace: 'shop', name: 'web' }))).toBe('deployments/web (self)');
  });

  it('when the replicaset controller creates a pod, then its owner reference is lifted from the ReplicaSet to the Deployment', () => {
    const pod = controllerPodEvent(spec, { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' }, labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' } });
    expect(ownerOf(pod)).toBe('deployments/web (ownerReferences)');
  });

  it('when the pod of a ReplicaSet has no pod-template-hash label, then the hash-shaped suffix of the ReplicaSet name still names the Deployment', () => {
    const pod = controllerPodEvent(spec, { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-6b9c7d8f5' } });
    expect(ownerOf(pod)).toBe('deployments/web (ownerReferences)');
  });

  it('when a bare ReplicaSet (no hash suffix) owns a pod, then the ReplicaSet is the top owner', () => {
    const pod = controllerPodEvent(spec, { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'my-cache' } });
    expect(ownerOf(pod)).toBe('replicasets/my-cache (ownerReferences)');
  });

  it('when the deployment controller writes a ReplicaSet, then its owner reference names the Deployment', () => {
    const replicaSet = workloadEvent('replicasets', spec, { namespace: 'shop', name: 'web-7d9f8c6b5' });
    const body = (replicaSet.requestObject as { metadata: Record<string, unknown> }).metadata;
    body.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u', controller: true }];
    expect(ownerOf(replicaSet)).toBe('deployments/web (ownerReferences)');
  });

  it('when a DaemonSet or a StatefulSet creates a pod, then the pod belongs to it', () => {
    expect(ownerOf(controllerPodEvent(spec, { namespace: 'monitoring', owner: { kind: 'DaemonSet', name: 'node-exporter' } }))).toBe('daemonsets/node-exporter (ownerReferences)');
    expect(ownerOf(controllerPodEvent(spec, { namespace: 'data', owner: { kind: 'StatefulSet', name: 'redis' }, podName: 'redis-2' }))).toBe('statefulsets/redis (ownerReferences)');
  });

  it('when the job controller creates the pod of a CronJob run, then the Job is lifted to its CronJob by its scheduled-minute suffix', () => {
    const pod = controllerPodEvent(spec, { namespace: 'ops', owner: { kind: 'Job', name: 'backup-29372580' }, labels: { 'batch.kubernetes.io/job-name': 'backup-29372580' } });
    expect(ownerOf(pod)).toBe('cronjobs/backup (ownerReferences)');
  });

  it('when a pod has no owner references, then the well-known labels and its generated name decide', () => {
    const podWith = (labels: Record<string, string>, generateName?: string, name?: string) =>
      auditEvent({
        verb: 'create',
        resource: 'pods',
        namespace: 'shop',
        requestObject: { apiVersion: 'v1', kind: 'Pod', metadata: { ...(generateName ? { generateName } : {}), ...(name ? { name } : {}), labels }, spec },
      });
    expect(ownerOf(podWith({ 'pod-template-hash': '7d9f8c6b5' }, 'web-7d9f8c6b5-'))).toBe('deployments/web (labels)');
    expect(ownerOf(podWith({ 'controller-revision-hash': '6c4d8f7b9' }, 'node-agent-'))).toBe('daemonsets/node-agent (labels)');
    expect(ownerOf(podWith({ 'controller-revision-hash': 'redis-5f7c9d', 'statefulset.kubernetes.io/pod-name': 'redis-1' }, undefined, 'redis-1'))).toBe(
      'statefulsets/redis (labels)',
    );
    expect(ownerOf(podWith({ 'job-name': 'migrate' }, 'migrate-'))).toBe('jobs/migrate (labels)');
    expect(ownerOf(podWith({ 'batch.kubernetes.io/job-name': 'nightly-29372580' }, 'nightly-29372580-'))).toBe('cronjobs/nightly (labels)');
    expect(ownerOf(podWith({}, 'worker-'))).toBe('pods/worker (generateName)');
    expect(ownerOf(podWith({}, undefined, 'debug'))).toBe('pods/debug (name)');
  });

  it('when a CronJob is written, then it is its own owner', () => {
    const cronJob = auditEvent({ verb: 'create', resource: 'cronjobs', apiGroup: 'batch', namespace: 'ops', requestObject: cronJobObject(spec, 'backup', 'ops') });
    expect(ownerOf(cronJob)).toBe('cronjobs/backup (self)');
  });

  it('when the request shows no object and no name, then no owner is claimed', () => {
    expect(ownerOf(auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop' }))).toBeUndefined();
    expect(ownerOf(auditEvent({ verb: 'create', resource: 'pods', namespace: 'shop', requestObject: 'skipped-too-big-size-object' }))).toBeUndefined();
  });
});
