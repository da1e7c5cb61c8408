import { type AuditEvent, SKIPPED_TOO_BIG_OBJECT } from './auditEvent';
import { asObject, asString, getPath, type JsonObject, objectsAt } from './jsonValues';
import { memoizeLast } from './memoizeLast';
import { isJsonPatch, jsonPatchToPartialObject } from './patchDocuments';

/** Where the pod spec sits inside each workload kind (by audit `objectRef.resource`). */
const podSpecPaths: Readonly<Record<string, readonly string[]>> = {
  pods: ['spec'],
  podtemplates: ['template', 'spec'],
  deployments: ['spec', 'template', 'spec'],
  daemonsets: ['spec', 'template', 'spec'],
  statefulsets: ['spec', 'template', 'spec'],
  replicasets: ['spec', 'template', 'spec'],
  replicationcontrollers: ['spec', 'template', 'spec'],
  jobs: ['spec', 'template', 'spec'],
  cronjobs: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Resources whose objects carry a pod spec (bare pods and every controller with a pod template). */
export const WORKLOAD_RESOURCES: ReadonlySet<string> = new Set(Object.keys(podSpecPaths));

export const ContainerKind = {
  container: 'container',
  initContainer: 'initContainer',
  ephemeralContainer: 'ephemeralContainer',
} as const;
export type ContainerKind = (typeof ContainerKind)[keyof typeof ContainerKind];

export interface ContainerView {
  kind: ContainerKind;
  name: string;
  image: string | undefined;
  /** The container object as written (possibly partial, from a patch). */
  spec: JsonObject;
}

/**
 * The object the request wrote, as far as the audit record shows it: the request body of a create or
 * update, a patch turned into the partial object it writes, or, when the request body was not logged
 * or was too big, the object the server returned. Undefined when neither is available.
 */
export const writtenObject: (event: AuditEvent) => JsonObject | undefined = memoizeLast(computeWrittenObject);

function computeWrittenObject(event: AuditEvent): JsonObject | undefined {
  const request = event.requestObject;
  if (request !== undefined && request !== SKIPPED_TOO_BIG_OBJECT) {
    if (isJsonPatch(request)) return jsonPatchToPartialObject(request);
    const object = asObject(request);
    if (object !== undefined) return object;
  }
  const response = asObject(event.responseObject);
  // A Status is what the server says about the request, not the object.
  return response !== undefined && response.kind !== 'Status' ? response : undefined;
}

/** The pod spec the request wrote: a bare pod's spec or a controller's pod template spec. */
export function podSpecOf(event: AuditEvent): JsonObject | undefined {
  const ref = event.objectRef;
  const path = ref?.resource === undefined ? undefined : podSpecPaths[ref.resource];
  if (path === undefined) return undefined;
  if (ref?.subresource !== undefined && !(ref.resource === 'pods' && ref.subresource === 'ephemeralcontainers')) return undefined;
  return asObject(getPath(writtenObject(event), ...path));
}

const containerLists: readonly [string, ContainerKind][] = [
  ['containers', ContainerKind.container],
  ['initContainers', ContainerKind.initContainer],
  ['ephemeralContainers', ContainerKind.ephemeralContainer],
];

/** Every container of a pod spec: containers, init containers and ephemeral containers. */
export function containersOf(podSpec: JsonObject | undefined): ContainerView[] {
  if (podSpec === undefined) return [];
  const out: ContainerView[] = [];
  for (const [list, kind] of containerLists) {
    for (const spec of objectsAt(podSpec, list)) {
      out.push({ kind, name: asString(spec.name) ?? '', image: asString(spec.image), spec });
    }
  }
  return out;
}

/** The containers of the pod spec the request wrote (memoized per event: many rules ask). */
export const workloadContainers: (event: AuditEvent) => ContainerView[] = memoizeLast((event: AuditEvent) => containersOf(podSpecOf(event)));

/** The workload's pod template metadata name or the object's own name, for entities. */
export function objectName(event: AuditEvent): string | undefined {
  return event.objectRef?.name ?? asString(getPath(writtenObject(event), 'metadata', 'name')) ?? asString(getPath(writtenObject(event), 'metadata', 'generateName'));
}
