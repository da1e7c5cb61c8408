import { createHash } from 'node:crypto';
import { type AuditEvent, AuditStage, SKIPPED_TOO_BIG_OBJECT } from '../kubernetes/auditEvent';
import { asArray, asObject, asString, getPath, type JsonObject } from '../kubernetes/jsonValues';
import { isJsonPatch, jsonPatchToPartialObject } from '../kubernetes/patchDocuments';
import { topOwnerOf } from '../kubernetes/workloadOwner';

/**
 * The live workload inventory's pure fold: which audit events change which inventory document, and the document
 * after a change. One document per (cluster, kind, namespace, name) of pods and their controllers.
 *
 * Folding rule (a Deployment with 50 replicas is one workload):
 * - A pod owned by a tracked controller (its controller ownerReference, else its well-known labels and generated
 *   name, see `topOwnerOf`), a ReplicaSet owned by a Deployment and a Job owned by a CronJob are never stored under
 *   their own key. Their change carries `ownerKey` and applies to the owner's document.
 * - The owner's own writes are authoritative. A folded change only stands in for them while none was seen (the
 *   owner was written before Argus watched the cluster): it fills the owner's document with the pod template the
 *   owned object shows, marked `partial` and `specFrom: 'owned'`, and follows later owned creates (a rollout). A
 *   folded delete or patch (pods dying, the deployment controller scaling a ReplicaSet) never changes the owner.
 * - Pods of an owner kind the inventory does not track (a CRD operator's, a node's static pods) are their own
 *   workloads.
 *
 * What the document keeps is the spec only: status, managedFields, resourceVersion, uid, generation, timestamps,
 * `last-applied-configuration`, `spec.replicas` (an HPA or `kubectl scale`) and a pod's `nodeName` are dropped, so
 * steady traffic has the same `specHash` and writes nothing.
 */

export const InventoryKind = {
  Pod: 'Pod',
  Deployment: 'Deployment',
  ReplicaSet: 'ReplicaSet',
  StatefulSet: 'StatefulSet',
  DaemonSet: 'DaemonSet',
  Job: 'Job',
  CronJob: 'CronJob',
  ReplicationController: 'ReplicationController',
} as const;
export type InventoryKind = (typeof InventoryKind)[keyof typeof InventoryKind];

const kindOfResource: Readonly<Record<string, InventoryKind>> = {
  pods: InventoryKind.Pod,
  deployments: InventoryKind.Deployment,
  replicasets: InventoryKind.ReplicaSet,
  statefulsets: InventoryKind.StatefulSet,
  daemonsets: InventoryKind.DaemonSet,
  jobs: InventoryKind.Job,
  cronjobs: InventoryKind.CronJob,
  replicationcontrollers: InventoryKind.ReplicationController,
};

/** The pod subresources whose writes change the pod spec (`kubectl debug`, in-place resize); every other subresource is ignored. */
const specSubresources: ReadonlySet<string> = new Set(['ephemeralcontainers', 'resize']);

export interface InventoryKey {
  /** The cluster's canonical resource id. */
  cluster: string;
  kind: InventoryKind;
  /** `''` when the event names none. */
  namespace: string;
  name: string;
}

export const InventoryOp = { upsert: 'upsert', patch: 'patch', delete: 'delete' } as const;
export type InventoryOp = (typeof InventoryOp)[keyof typeof InventoryOp];

/** A patch body: a strategic-merge or merge patch (`merge`), or an RFC 6902 JSON patch (`json`). */
export type InventoryPatch = { type: 'merge'; body: JsonObject } | { type: 'json'; operations: readonly unknown[] };

export interface InventoryChange {
  /** The object the event is about. */
  key: InventoryKey;
  op: InventoryOp;
  /**
   * upsert: the object with its volatile fields stripped, from `responseObject` (as stored) else `requestObject`.
   * A folded change's object is the owner as far as the owned object shows it (its pod template).
   */
  object?: JsonObject;
  /** patch: the body, when the response (the patched object) was not logged. */
  patch?: InventoryPatch;
  /** The event carried no usable body (Metadata level, too big to log): the object changed in a way not known. */
  partial?: true;
  /** A create: the only write that brings a deleted object back. */
  created?: true;
  /** The top owner whose document this change applies to (a controller-owned pod, a Deployment's ReplicaSet, a CronJob's Job). */
  ownerKey?: InventoryKey;
  /** When the API server completed the request (RFC 3339). */
  eventTimeUtc: string;
  auditId: string;
}

/** How the document's spec was learnt: from the object's own writes, or from the objects it owns (its pods, ReplicaSets, Jobs). */
export type InventorySpecSource = 'self' | 'owned';

export interface InventoryDocument {
  /** {@link createInventoryDocumentId}. */
  id: string;
  subscriptionId: string;
  cluster: string;
  kind: InventoryKind;
  namespace: string;
  name: string;
  /** The latest known object (spec only); absent when only Metadata-level events were seen. */
  object?: JsonObject;
  /** sha256 of the canonical JSON of `object` (of `null` without one). */
  specHash: string;
  /** True when `object` is not known to be the full current object (patches without a base, Metadata-level events, owned objects). */
  partial: boolean;
  specFrom: InventorySpecSource;
  /** Event time of the first change seen (of the latest create after a delete). */
  firstSeenUtc: string;
  /** Event time of the change that last changed the document. */
  lastChangedUtc: string;
  /** Audit id of that change: a redelivered event is recognized and changes nothing. */
  lastAuditId: string;
  deleted: boolean;
  /** Event time of the delete; the object keeps its last spec as a tombstone. */
  deletedUtc?: string;
  /** When the inventory last wrote the document (the clock passed in). */
  updatedUtc: string;
}

export type InventoryApplyResult = { kind: 'unchanged' } | { kind: 'write'; document: InventoryDocument };

const UNCHANGED: InventoryApplyResult = { kind: 'unchanged' };

/** The deterministic id of the document of (subscription, cluster, kind, namespace, name). */
export function createInventoryDocumentId(subscriptionId: string, clusterResourceId: string, kind: string, namespace: string, name: string): string {
  return createHash('sha256')
    .update([subscriptionId.toLowerCase(), clusterResourceId.toLowerCase(), kind, namespace, name].join('\n'))
    .digest('hex')
    .slice(0, 32);
}

/** The key of the document a change applies to: the owner's for a folded change, else the object's own. */
export function documentKeyOf(change: InventoryChange): InventoryKey {
  return change.ownerKey ?? change.key;
}

// ---------------------------------------------------------------------------------------------------------------
// Events to changes

/**
 * The inventory change an audit event makes, or undefined when it records nothing: reads and watches, other stages
 * than ResponseComplete, failed requests, dry runs, subresources other than a pod's ephemeral containers and resize
 * (status, scale, binding, eviction, exec, ...), deletecollection, objects without a name, and resources other than
 * pods and their controllers.
 */
export function inventoryChangeOf(event: AuditEvent, clusterResourceId: string): InventoryChange | undefined {
  const ref = event.objectRef;
  const resource = ref?.resource;
  const kind = resource === undefined ? undefined : kindOfResource[resource];
  if (kind === undefined || ref === undefined) return undefined;
  if (ref.apiGroup !== undefined && ref.apiGroup !== '' && ref.apiGroup !== 'apps' && ref.apiGroup !== 'batch') return undefined;
  if (event.stage !== AuditStage.ResponseComplete || !succeeded(event) || isDryRun(event)) return undefined;
  if (ref.subresource !== undefined && !(kind === InventoryKind.Pod && specSubresources.has(ref.subresource))) return undefined;
  const op = opOf(event.verb);
  if (op === undefined) return undefined;

  const response = fullObject(event.responseObject);
  // A patch's body, and a subresource write's, is not the object.
  const request = event.verb === 'patch' || ref.subresource !== undefined ? undefined : fullObject(event.requestObject);
  const name = ref.name ?? asString(getPath(response ?? request, 'metadata', 'name'));
  if (name === undefined || name === '') return undefined;
  // The request URI's namespace first: an audited create's requestObject often has no metadata.namespace (kubectl -n).
  const namespace = nonEmpty(ref.namespace) ?? nonEmpty(asString(getPath(response ?? request, 'metadata', 'namespace'))) ?? '';
  const key: InventoryKey = { cluster: clusterResourceId, kind, namespace, name };
  const common = { key, eventTimeUtc: event.stageTimestamp ?? event.requestReceivedTimestamp, auditId: event.auditID };

  const ownerKey = ownerKeyOf(event, key, response ?? request);
  if (ownerKey !== undefined) {
    if (op !== InventoryOp.upsert || event.verb !== 'create') return { ...common, op, ownerKey };
    // The pod as its controller asked for it is the owner's template; the stored pod adds admission's per-pod volumes.
    const owned = kind === InventoryKind.Pod ? (request ?? response) : (response ?? request);
    const object = owned === undefined ? undefined : ownerStubOf(ownerKey, kind, owned);
    return { ...common, op, ownerKey, ...(object === undefined ? { partial: true } : { object }), created: true };
  }

  if (op === InventoryOp.delete) return { ...common, op };
  const created = event.verb === 'create' ? ({ created: true } as const) : {};
  // The pod's ephemeralcontainers and resize subresources answer with the whole pod, as a main-resource write does.
  const stored = response ?? request;
  if (stored !== undefined) return { ...common, op: InventoryOp.upsert, object: specOnly(key, stored, apiVersionOf(event)), ...created };
  const patch = event.verb === 'patch' || ref.subresource !== undefined ? patchOf(event.requestObject) : undefined;
  if (patch !== undefined) return { ...common, op: InventoryOp.patch, patch };
  return { ...common, op: event.verb === 'patch' ? InventoryOp.patch : InventoryOp.upsert, partial: true, ...created };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function opOf(verb: string): InventoryOp | undefined {
  if (verb === 'create' || verb === 'update') return InventoryOp.upsert;
  if (verb === 'patch') return InventoryOp.patch;
  if (verb === 'delete') return InventoryOp.delete;
  return undefined;
}

function succeeded(event: AuditEvent): boolean {
  const code = event.responseStatus?.code;
  return code !== undefined && code >= 200 && code < 400;
}

function isDryRun(event: AuditEvent): boolean {
  return /[?&]dryRun=/.test(event.requestURI);
}

/** A body that is a whole object: not a patch array, not the too-big marker, not a Status. */
function fullObject(value: unknown): JsonObject | undefined {
  if (value === SKIPPED_TOO_BIG_OBJECT) return undefined;
  const object = asObject(value);
  if (object === undefined || object.kind === 'Status' || asObject(object.spec) === undefined) return undefined;
  return object;
}

function patchOf(body: unknown): InventoryPatch | undefined {
  if (isJsonPatch(body)) return { type: 'json', operations: body };
  const object = asObject(body);
  return object === undefined ? undefined : { type: 'merge', body: object };
}

function apiVersionOf(event: AuditEvent): string {
  const group = event.objectRef?.apiGroup ?? '';
  const version = event.objectRef?.apiVersion ?? 'v1';
  return group === '' ? version : `${group}/${version}`;
}

const apiVersionOfKind: Readonly<Record<InventoryKind, string>> = {
  Pod: 'v1',
  ReplicationController: 'v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

/** The built-in controllers that create pods, and the owner a body-less pod of theirs belongs to by its name. */
const podCreators: Readonly<Record<string, (podName: string) => { resource: string; name: string } | undefined>> = {
  'system:serviceaccount:kube-system:replicaset-controller': (pod) => {
    const replicaSet = /^(.+)-[a-z0-9]{5}$/.exec(pod)?.[1];
    if (replicaSet === undefined) return undefined;
    const deployment = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}$/.exec(replicaSet)?.[1];
    return deployment === undefined ? { resource: 'replicasets', name: replicaSet } : { resource: 'deployments', name: deployment };
  },
  'system:serviceaccount:kube-system:daemon-set-controller': (pod) => named('daemonsets', /^(.+)-[a-z0-9]{5}$/.exec(pod)?.[1]),
  'system:serviceaccount:kube-system:statefulset-controller': (pod) => named('statefulsets', /^(.+)-\d+$/.exec(pod)?.[1]),
  'system:serviceaccount:kube-system:job-controller': (pod) => {
    const job = /^(.+)-[a-z0-9]{5}$/.exec(pod)?.[1];
    const cronJob = job === undefined ? undefined : /^(.+)-\d{8,10}$/.exec(job)?.[1];
    return cronJob === undefined ? named('jobs', job) : { resource: 'cronjobs', name: cronJob };
  },
};

function named(resource: string, name: string | undefined): { resource: string; name: string } | undefined {
  return name === undefined ? undefined : { resource, name };
}

/**
 * The tracked top owner a pod, a Deployment's ReplicaSet or a CronJob's Job folds into; undefined for a workload of
 * its own. Read from the logged object (the stored one first: a patch's body does not show the owner references), or,
 * for a pod logged without a body, from the built-in controller that wrote it and the pod's name.
 */
function ownerKeyOf(event: AuditEvent, key: InventoryKey, body: JsonObject | undefined): InventoryKey | undefined {
  if (key.kind !== InventoryKind.Pod && key.kind !== InventoryKind.ReplicaSet && key.kind !== InventoryKind.Job) return undefined;
  const owner =
    body !== undefined ? topOwnerOf({ ...event, requestObject: body }) : key.kind === InventoryKind.Pod ? podCreators[event.user.username]?.(key.name) : undefined;
  if (owner === undefined) return undefined;
  const ownerKind = kindOfResource[owner.resource];
  if (ownerKind === undefined || ownerKind === InventoryKind.Pod || (ownerKind === key.kind && owner.name === key.name)) return undefined;
  if (key.kind === InventoryKind.ReplicaSet && ownerKind !== InventoryKind.Deployment) return undefined;
  if (key.kind === InventoryKind.Job && ownerKind !== InventoryKind.CronJob) return undefined;
  return { cluster: key.cluster, kind: ownerKind, namespace: key.namespace, name: owner.name };
}

/** Per-pod fields of a pod spec that its owner's template does not have. */
const perPodSpecFields = ['nodeName', 'hostname', 'subdomain'];

/** The owner as far as an owned pod, ReplicaSet or Job shows it: its pod template under the owner's kind. */
function ownerStubOf(ownerKey: InventoryKey, ownedKind: InventoryKind, owned: JsonObject): JsonObject | undefined {
  const template: JsonObject | undefined =
    ownedKind === InventoryKind.Pod ? { metadata: owned.metadata, spec: owned.spec } : asObject(getPath(owned, 'spec', 'template'));
  const podSpec = asObject(template?.spec);
  if (template === undefined || podSpec === undefined) return undefined;
  const spec: JsonObject = { ...podSpec };
  for (const field of perPodSpecFields) delete spec[field];
  const annotations = volatileFree(asObject(getPath(template, 'metadata', 'annotations')));
  const podTemplate = { ...(annotations === undefined ? {} : { metadata: { annotations } }), spec };
  const ownerSpec = ownerKey.kind === InventoryKind.CronJob ? { jobTemplate: { spec: { template: podTemplate } } } : { template: podTemplate };
  return specOnly(ownerKey, { spec: ownerSpec }, apiVersionOfKind[ownerKey.kind]);
}

// ---------------------------------------------------------------------------------------------------------------
// The stored object: spec only, canonical

/** Annotations that change without the workload changing (or repeat the spec). */
const volatileAnnotations: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'batch.kubernetes.io/cronjob-scheduled-timestamp',
]);

function volatileFree(annotations: JsonObject | undefined): JsonObject | undefined {
  if (annotations === undefined) return undefined;
  const kept = Object.fromEntries(Object.entries(annotations).filter(([name]) => !volatileAnnotations.has(name)));
  return Object.keys(kept).length === 0 ? undefined : kept;
}

/**
 * The object as the inventory keeps it: kind and apiVersion, metadata reduced to name, namespace, labels, annotations
 * (less the volatile ones) and owner references (kind, name, controller), and the spec without `replicas` (nor a
 * pod's `nodeName`); no status, no nulls.
 */
export function specOnly(key: InventoryKey, object: JsonObject, apiVersion?: string): JsonObject {
  const metadata = asObject(object.metadata);
  const labels = asObject(metadata?.labels);
  const annotations = volatileFree(asObject(metadata?.annotations));
  const ownerReferences = asArray(metadata?.ownerReferences)
    .map(asObject)
    .filter((reference): reference is JsonObject => reference !== undefined)
    .map((reference) => ({ kind: reference.kind, name: reference.name, controller: reference.controller }));
  const spec = { ...asObject(object.spec) };
  delete spec.replicas;
  if (key.kind === InventoryKind.Pod) delete spec.nodeName;
  return withoutNulls({
    apiVersion: asString(object.apiVersion) ?? apiVersion ?? apiVersionOfKind[key.kind],
    kind: key.kind,
    metadata: {
      name: key.name,
      ...(key.namespace === '' ? {} : { namespace: key.namespace }),
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined ? {} : { annotations }),
      ...(ownerReferences.length === 0 ? {} : { ownerReferences }),
    },
    spec,
  }) as JsonObject;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  const object = asObject(value);
  if (object === undefined) return value;
  const out: JsonObject = {};
  for (const [name, item] of Object.entries(object)) if (item !== null && item !== undefined) out[name] = withoutNulls(item);
  return out;
}

/** JSON with object keys sorted, so equal objects hash equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const object = asObject(value);
  if (object !== undefined) {
    const entries = Object.keys(object)
      .filter((name) => object[name] !== undefined)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(object[name])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function specHashOf(object: JsonObject | undefined): string {
  return createHash('sha256').update(canonicalJson(object ?? null)).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// Patches

/** Merge keys of the lists strategic merge patches merge by element (the Kubernetes API's `patchMergeKey`s). */
const mergeKeys: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
};

/**
 * A strategic-merge or merge patch applied to `base`: an RFC 7386 merge (null deletes), except that the lists with a
 * merge key (containers by name, ...) merge element by element as the API server does for strategic merge patches,
 * and the `$patch`, `$retainKeys` and `$setElementOrder` directives are honoured or dropped. Without a base, the
 * partial object the patch writes.
 */
export function applyMergePatch(base: unknown, patch: unknown, field = ''): unknown {
  const patchObject = asObject(patch);
  if (patchObject !== undefined) {
    if (patchObject.$patch === 'delete') return undefined;
    const target: JsonObject = patchObject.$patch === 'replace' ? {} : { ...asObject(base) };
    for (const [name, value] of Object.entries(patchObject)) {
      if (name.startsWith('$')) continue;
      const merged = value === null ? undefined : applyMergePatch(target[name], value, name);
      if (merged === undefined) delete target[name];
      else target[name] = merged;
    }
    const retain = asArray(patchObject.$retainKeys).filter((name): name is string => typeof name === 'string');
    if (retain.length > 0) for (const name of Object.keys(target)) if (!retain.includes(name)) delete target[name];
    return target;
  }
  if (Array.isArray(patch)) {
    const key = mergeKeys[field];
    const keyed = key !== undefined && Array.isArray(base) && patch.every((item) => asObject(item)?.[key] !== undefined);
    if (!keyed) return patch.map((item) => applyMergePatch(undefined, item)).filter((item) => item !== undefined);
    const out: unknown[] = [...(base as unknown[])];
    for (const item of patch) {
      const element = asObject(item) as JsonObject;
      const at = out.findIndex((existing) => asObject(existing)?.[key] === element[key]);
      const merged = applyMergePatch(at === -1 ? undefined : out[at], element);
      if (at === -1 && merged !== undefined) out.push(merged);
      else if (merged === undefined) out.splice(at, 1);
      else out[at] = merged;
    }
    return out;
  }
  return patch;
}

/** RFC 6902 applied to a copy of `base`; `ok` is false when an operation on the spec did not apply (the base was stale). */
export function applyJsonPatch(base: JsonObject, operations: readonly unknown[]): { object: JsonObject; ok: boolean } {
  const root = structuredClone(base);
  let ok = true;
  for (const operation of operations) {
    const op = asObject(operation);
    const path = asString(op?.path);
    if (op === undefined || path === undefined) continue;
    const kind = asString(op.op);
    let applied = true;
    if (kind === 'add' || kind === 'replace') applied = setPointer(root, path, structuredClone(op.value), kind === 'add');
    else if (kind === 'remove') applied = removePointer(root, path) !== undefined;
    else if (kind === 'copy' || kind === 'move') {
      const from = asString(op.from);
      const value = from === undefined ? undefined : kind === 'move' ? removePointer(root, from) : structuredClone(readPointer(root, from));
      applied = value !== undefined && setPointer(root, path, value, true);
    }
    // Failures outside the spec touch only what the inventory strips (status, volatile metadata).
    if (!applied && path.startsWith('/spec')) ok = false;
  }
  return { object: root, ok };
}

function segmentsOf(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  const segments = pointer.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.some((segment) => segment === '__proto__' || segment === 'constructor' || segment === 'prototype') ? undefined : segments;
}

function readPointer(root: unknown, pointer: string): unknown {
  const segments = segmentsOf(pointer);
  if (segments === undefined) return undefined;
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else current = asObject(current)?.[segment];
    if (current === undefined) return undefined;
  }
  return current;
}

function parentOf(root: JsonObject, pointer: string): { parent: unknown; last: string } | undefined {
  const segments = segmentsOf(pointer);
  const last = segments?.pop();
  if (segments === undefined || last === undefined) return undefined;
  const parent = segments.length === 0 ? root : readPointer(root, `/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
  return { parent, last };
}

function setPointer(root: JsonObject, pointer: string, value: unknown, insert: boolean): boolean {
  const at = parentOf(root, pointer);
  if (at === undefined) return false;
  if (Array.isArray(at.parent)) {
    const index = at.last === '-' ? at.parent.length : Number(at.last);
    if (!Number.isInteger(index) || index < 0 || index > at.parent.length || (!insert && index === at.parent.length)) return false;
    at.parent.splice(index, insert ? 0 : 1, value);
    return true;
  }
  const parent = asObject(at.parent);
  if (parent === undefined || (!insert && !(at.last in parent))) return false;
  parent[at.last] = value;
  return true;
}

function removePointer(root: JsonObject, pointer: string): unknown {
  const at = parentOf(root, pointer);
  if (at === undefined) return undefined;
  if (Array.isArray(at.parent)) {
    const index = Number(at.last);
    if (!Number.isInteger(index) || index < 0 || index >= at.parent.length) return undefined;
    return at.parent.splice(index, 1)[0];
  }
  const parent = asObject(at.parent);
  if (parent === undefined || !(at.last in parent)) return undefined;
  const value = parent[at.last];
  delete parent[at.last];
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Changes to documents

/**
 * The document after `change` (`current` is the document of {@link documentKeyOf}), or unchanged. A write happens
 * only when the spec hash, `partial`, `deleted` or `specFrom` change. Rules:
 * - a redelivered event (same audit id) and an event older than the last change are unchanged: out-of-order merge
 *   patches are dropped rather than applied over newer state;
 * - a delete keeps a tombstone (object kept, `deleted`, `deletedUtc` = the delete's event time); only a create later
 *   than the delete brings it back, an update or patch after it (a finalizer removed) does not; a delete of an object
 *   never seen writes nothing;
 * - a patch applies to the last known object; without one the patch's partial object is kept, marked `partial`;
 * - a change with no body (Metadata level) keeps the last known object and marks it `partial`.
 */
export function applyInventoryChange(current: InventoryDocument | undefined, change: InventoryChange, now: string): InventoryApplyResult {
  const time = change.eventTimeUtc;
  if (current !== undefined && current.lastAuditId === change.auditId) return UNCHANGED;
  if (change.ownerKey !== undefined) return applyOwnedChange(current, change, now);
  if (current?.deleted === true) {
    const resurrects = change.op === InventoryOp.upsert && change.created === true && isLater(time, current.deletedUtc ?? current.lastChangedUtc);
    if (!resurrects) return UNCHANGED;
    return write(undefined, change.key, { object: change.object, partial: change.object === undefined, specFrom: 'self', deleted: false }, change, now);
  }
  if (current !== undefined && isLater(current.lastChangedUtc, time)) return UNCHANGED;
  if (change.op === InventoryOp.delete) {
    if (current === undefined) return UNCHANGED;
    return write(current, change.key, { object: current.object, partial: current.partial, specFrom: current.specFrom, deleted: true, deletedUtc: time }, change, now);
  }
  const next = nextState(current, change);
  return write(current, change.key, { ...next, specFrom: 'self', deleted: false }, change, now);
}

/**
 * The document after every change of one document key, applied in order (`current` is the stored document), or
 * undefined when none of them changes it: what the store writes in one read-modify-write per document and batch.
 */
export function foldInventoryChanges(current: InventoryDocument | undefined, changes: readonly InventoryChange[], now: string): InventoryDocument | undefined {
  let document = current;
  let written: InventoryDocument | undefined;
  for (const change of changes) {
    const result = applyInventoryChange(document, change, now);
    if (result.kind === 'write') {
      document = result.document;
      written = result.document;
    }
  }
  return written;
}

function nextState(current: InventoryDocument | undefined, change: InventoryChange): { object: JsonObject | undefined; partial: boolean } {
  if (change.object !== undefined) return { object: change.object, partial: false };
  const base = current?.object;
  const patch = change.patch;
  if (patch === undefined) return { object: base, partial: true };
  if (base === undefined) {
    const written = patch.type === 'json' ? jsonPatchToPartialObject(patch.operations) : asObject(applyMergePatch(undefined, patch.body));
    return { object: written === undefined ? undefined : specOnly(change.key, written), partial: true };
  }
  if (patch.type === 'merge') return { object: specOnly(change.key, asObject(applyMergePatch(base, patch.body)) ?? {}), partial: current?.partial ?? true };
  const applied = applyJsonPatch(base, patch.operations);
  return { object: specOnly(change.key, applied.object), partial: (current?.partial ?? true) || !applied.ok };
}

/** A folded change fills the owner's document only while none of the owner's own writes was seen. */
function applyOwnedChange(current: InventoryDocument | undefined, change: InventoryChange, now: string): InventoryApplyResult {
  const ownerKey = change.ownerKey as InventoryKey;
  if (change.op !== InventoryOp.upsert || change.created !== true) return UNCHANGED;
  if (current !== undefined && (current.deleted || current.specFrom === 'self' || isLater(current.lastChangedUtc, change.eventTimeUtc))) return UNCHANGED;
  // A body-less owned create says the owner exists; it does not erase what an earlier one showed.
  const object = change.object ?? current?.object;
  return write(current, ownerKey, { object, partial: true, specFrom: 'owned', deleted: false }, change, now);
}

interface NextState {
  object: JsonObject | undefined;
  partial: boolean;
  specFrom: InventorySpecSource;
  deleted: boolean;
  deletedUtc?: string;
}

function write(current: InventoryDocument | undefined, key: InventoryKey, next: NextState, change: InventoryChange, now: string): InventoryApplyResult {
  const specHash = specHashOf(next.object);
  if (
    current !== undefined &&
    current.specHash === specHash &&
    current.partial === next.partial &&
    current.deleted === next.deleted &&
    current.specFrom === next.specFrom
  ) {
    return UNCHANGED;
  }
  const subscriptionId = subscriptionOf(key.cluster);
  const time = change.eventTimeUtc;
  const document: InventoryDocument = {
    id: createInventoryDocumentId(subscriptionId, key.cluster, key.kind, key.namespace, key.name),
    subscriptionId,
    cluster: key.cluster,
    kind: key.kind,
    namespace: key.namespace,
    name: key.name,
    ...(next.object === undefined ? {} : { object: next.object }),
    specHash,
    partial: next.partial,
    specFrom: next.specFrom,
    firstSeenUtc: current === undefined || isLater(current.firstSeenUtc, time) ? time : current.firstSeenUtc,
    lastChangedUtc: time,
    lastAuditId: change.auditId,
    deleted: next.deleted,
    ...(next.deletedUtc === undefined ? {} : { deletedUtc: next.deletedUtc }),
    updatedUtc: now,
  };
  return { kind: 'write', document };
}

function subscriptionOf(clusterResourceId: string): string {
  return (/^\/subscriptions\/([^/]+)\//i.exec(clusterResourceId)?.[1] ?? '').toLowerCase();
}

/** RFC 3339 times compared to the microsecond (the API server writes six digits; other producers fewer or none). */
export function isLater(a: string, b: string): boolean {
  return timeKey(a) > timeKey(b);
}

function timeKey(time: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/i.exec(time);
  if (match?.[1] !== undefined) return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}`;
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return '';
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23).padEnd(9, '0')}`;
}
