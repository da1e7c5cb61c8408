import { asArray, type JsonObject } from '../kubernetes/jsonValues';
import { type ContainerKind, type ContainerView } from '../kubernetes/workloads';
import { type WorkloadFinding } from './workloadControl';

/**
 * Findings that name a container: the field as a path from the pod spec (`initContainers[1].securityContext.privileged`)
 * so a reader finds the line in the manifest, and the value as found.
 */

/** The pod spec list each kind of container sits in. */
export const CONTAINER_LISTS: Readonly<Record<ContainerKind, string>> = {
  container: 'containers',
  initContainer: 'initContainers',
  ephemeralContainer: 'ephemeralContainers',
};

/**
 * The container's entry in the pod spec, e.g. `initContainers[1]`. The index is the container's position in the list as
 * written (holes and non-objects count), so it matches the manifest even when containersOf skipped odd entries.
 */
export function containerPath(podSpec: JsonObject | undefined, container: ContainerView): string {
  const list = CONTAINER_LISTS[container.kind];
  return `${list}[${asArray(podSpec?.[list]).indexOf(container.spec)}]`;
}

/** A value as a finding shows it: strings as they are, everything else as JSON (`true`, `8080`, `["ALL"]`). */
export function findingValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** A finding about one container's field; `field` is relative to the container (`securityContext.privileged`). */
export function containerFinding(podSpec: JsonObject | undefined, container: ContainerView, field: string, value: unknown): WorkloadFinding {
  return { container: container.name, containerKind: container.kind, field: `${containerPath(podSpec, container)}.${field}`, value: findingValue(value) };
}

/** Upstream's "Allowed values: undefined/nil, false": anything else (true, or a value of the wrong type) fails. */
export function isSetBeyondFalse(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}
