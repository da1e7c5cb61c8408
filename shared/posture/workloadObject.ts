import { type ContainerView, containersOf } from '../kubernetes/workloads';
import { asObject, asString, getPath, type JsonObject } from '../kubernetes/jsonValues';

/**
 * A Kubernetes object as the workload controls read it: from a manifest, a `kubectl get -o json` item, or the
 * inventory's latest spec of an audited object. Pure and total: odd input gives undefined, never a throw.
 */

/** Where the pod spec sits inside each kind that carries one (by `kind`). */
const podTemplatePaths: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  PodTemplate: ['template'],
  Deployment: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The kinds whose objects carry a pod spec. */
export const POD_TEMPLATE_KINDS: ReadonlySet<string> = new Set(Object.keys(podTemplatePaths));

/** What a workload control judges: a pod template (pods and their controllers), a Service or an Ingress. */
export const WorkloadTarget = { podTemplate: 'podTemplate', service: 'service', ingress: 'ingress' } as const;
export type WorkloadTarget = (typeof WorkloadTarget)[keyof typeof WorkloadTarget];

export interface WorkloadObject {
  target: WorkloadTarget;
  kind: string;
  /** `default` when the object names none (as kubectl applies it). */
  namespace: string;
  name: string;
  /** The object as given. */
  object: JsonObject;
  /** The pod template's metadata (a Pod's own metadata); pod templates only. */
  podMetadata?: JsonObject;
  /** The pod spec; pod templates only. */
  podSpec?: JsonObject;
  /** Every container of the pod spec (containers, initContainers, ephemeralContainers); empty for other targets. */
  containers: readonly ContainerView[];
}

/** Reads an object; undefined for kinds no control judges or objects without a kind or a body. */
export function workloadObjectOf(value: unknown): WorkloadObject | undefined {
  const object = asObject(value);
  if (object === undefined) return undefined;
  const kind = asString(object['kind']);
  if (kind === undefined) return undefined;
  const metadata = asObject(object['metadata']);
  const namespace = asString(metadata?.['namespace']) || 'default';
  const name = asString(metadata?.['name']) ?? asString(metadata?.['generateName']) ?? '';
  const common = { kind, namespace, name, object };
  if (kind === 'Service') return { ...common, target: WorkloadTarget.service, containers: [] };
  if (kind === 'Ingress') return { ...common, target: WorkloadTarget.ingress, containers: [] };
  const path = podTemplatePaths[kind];
  if (path === undefined) return undefined;
  const template = path.length === 0 ? object : asObject(getPath(object, ...path));
  const podSpec = asObject(template?.['spec']);
  const podMetadata = asObject(template?.['metadata']);
  return {
    ...common,
    target: WorkloadTarget.podTemplate,
    ...(podMetadata === undefined ? {} : { podMetadata }),
    ...(podSpec === undefined ? {} : { podSpec }),
    containers: containersOf(podSpec),
  };
}
