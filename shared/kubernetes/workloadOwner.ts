import { type AuditEvent } from './auditEvent';
import { asObject, asString, getPath, type JsonObject, objectsAt } from './jsonValues';
import { memoizeLast } from './memoizeLast';
import { writtenObject } from './workloads';

/** The workload a pod or controller belongs to at the top: a Deployment rather than its ReplicaSet, a CronJob rather than its Job. */
export interface WorkloadOwner {
  /** Audit resource of the owner (`deployments`, `daemonsets`, `statefulsets`, `cronjobs`, `jobs`, `replicasets`, `pods`, ...). */
  resource: string;
  name: string;
  /** How the owner was found, for the analyst: `self`, `ownerReferences`, `labels`, `generateName`, `name`. */
  derivedFrom: 'self' | 'ownerReferences' | 'labels' | 'generateName' | 'name';
}

/** Owner kinds (ownerReferences `kind`) and the audit resource each is written as. */
const resourceOfKind: Readonly<Record<string, string>> = {
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  DaemonSet: 'daemonsets',
  StatefulSet: 'statefulsets',
  Job: 'jobs',
  CronJob: 'cronjobs',
  ReplicationController: 'replicationcontrollers',
};

/** A ReplicaSet made by a Deployment is `<deployment>-<pod-template-hash>`, the hash in the API machinery's safe alphabet. */
const podTemplateHashSuffix = /^(.+)-([bcdfghjklmnpqrstvwxz2456789]{6,10})$/;
/** A Job made by a CronJob is `<cronjob>-<scheduled time in minutes since the epoch>`. */
const scheduledJobSuffix = /^(.+)-(\d{8,10})$/;
/** A pod name made from `generateName`: the prefix plus five random characters. */
const generatedPodSuffix = /^(.+)-[a-z0-9]{5}$/;

/**
 * The top owner of the pod or controller a request wrote, from what the logged object shows: its
 * `ownerReferences` (the controller one first), its well-known labels (`pod-template-hash` ->
 * Deployment, `controller-revision-hash` -> DaemonSet or StatefulSet, `job-name` -> Job), its
 * `generateName`, and the naming conventions of the built-in controllers (a ReplicaSet's name ends in
 * its pod-template hash, a CronJob's Job in its scheduled minute). A controller is its own owner unless
 * it is owned (a ReplicaSet by a Deployment, a Job by a CronJob). Undefined when nothing names it.
 */
export const topOwnerOf: (event: AuditEvent) => WorkloadOwner | undefined = memoizeLast(computeTopOwner);

function computeTopOwner(event: AuditEvent): WorkloadOwner | undefined {
  const resource = event.objectRef?.resource;
  if (resource === undefined) return undefined;
  const object = writtenObject(event);
  const metadata = asObject(object?.metadata);
  const name = event.objectRef?.name ?? asString(metadata?.name);
  const owner = controllerReference(metadata);
  if (owner !== undefined) return liftOwner(owner.resource, owner.name, 'ownerReferences', metadata);
  if (resource === 'pods') return podOwnerFromLabels(metadata, name);
  if (name === undefined) return undefined;
  return liftOwner(resource, name, 'self', metadata);
}

/** The controller owner reference (or the first one) as a resource and a name. */
function controllerReference(metadata: JsonObject | undefined): { resource: string; name: string } | undefined {
  const references = objectsAt(metadata, 'ownerReferences');
  const reference = references.find((candidate) => candidate.controller === true) ?? references[0];
  const kind = asString(reference?.kind);
  const name = asString(reference?.name);
  if (kind === undefined || name === undefined) return undefined;
  return { resource: resourceOfKind[kind] ?? kind.toLowerCase(), name };
}

/** A ReplicaSet owned by a Deployment or a Job owned by a CronJob, lifted to the top by its name. */
function liftOwner(resource: string, name: string, derivedFrom: WorkloadOwner['derivedFrom'], metadata: JsonObject | undefined): WorkloadOwner {
  if (resource === 'replicasets') {
    // The ReplicaSet's own object (a write of the ReplicaSet) names its Deployment; a pod's reference only names the ReplicaSet.
    const deployment = derivedFrom === 'self' ? controllerReference(metadata) : undefined;
    if (deployment?.resource === 'deployments') return { resource: 'deployments', name: deployment.name, derivedFrom: 'ownerReferences' };
    const hash = asString(getPath(metadata, 'labels', 'pod-template-hash'));
    if (hash !== undefined && name.endsWith(`-${hash}`)) return { resource: 'deployments', name: name.slice(0, -hash.length - 1), derivedFrom };
    const match = podTemplateHashSuffix.exec(name);
    if (match?.[1] !== undefined && derivedFrom !== 'self') return { resource: 'deployments', name: match[1], derivedFrom };
  }
  if (resource === 'jobs') {
    const match = scheduledJobSuffix.exec(name);
    if (match?.[1] !== undefined) return { resource: 'cronjobs', name: match[1], derivedFrom };
  }
  return { resource, name, derivedFrom };
}

/** A pod without owner references: its labels and generated name say which controller made it. */
function podOwnerFromLabels(metadata: JsonObject | undefined, name: string | undefined): WorkloadOwner | undefined {
  const labels = asObject(metadata?.labels);
  const generateName = asString(metadata?.generateName);
  const prefix = generateName?.replace(/-$/, '') ?? (name === undefined ? undefined : generatedPodSuffix.exec(name)?.[1]);
  const jobName = asString(labels?.['batch.kubernetes.io/job-name']) ?? asString(labels?.['job-name']);
  if (jobName !== undefined) return liftOwner('jobs', jobName, 'labels', undefined);
  const templateHash = asString(labels?.['pod-template-hash']);
  if (templateHash !== undefined && prefix !== undefined) {
    const replicaSet = prefix.endsWith(`-${templateHash}`) ? prefix : undefined;
    if (replicaSet !== undefined) return { resource: 'deployments', name: replicaSet.slice(0, -templateHash.length - 1), derivedFrom: 'labels' };
  }
  if (asString(labels?.['controller-revision-hash']) !== undefined) {
    // A StatefulSet's pods are `<set>-<ordinal>` and say so in a label; a DaemonSet's names are generated.
    const ordinal = /^(.+)-\d+$/.exec(asString(labels?.['statefulset.kubernetes.io/pod-name']) ?? '');
    if (ordinal?.[1] !== undefined) return { resource: 'statefulsets', name: ordinal[1], derivedFrom: 'labels' };
    if (prefix !== undefined) return { resource: 'daemonsets', name: prefix, derivedFrom: 'labels' };
  }
  if (generateName !== undefined && prefix !== undefined && prefix !== '') return { resource: 'pods', name: prefix, derivedFrom: 'generateName' };
  if (name !== undefined) return { resource: 'pods', name, derivedFrom: 'name' };
  return undefined;
}
