import { type AuditEvent } from '../../kubernetes/auditEvent';
import { asArray, asObject, asString, asStringArray, getPath, type JsonObject, objectsAt } from '../../kubernetes/jsonValues';
import { type ContainerView, podSpecOf, workloadContainers } from '../../kubernetes/workloads';
import { type DetectionContext } from '../detectionContext';
import { namespaceOf } from './requests';

/** Pod-spec facts: privileged settings, capabilities, host namespaces and host paths. */

export function isPrivileged(container: ContainerView): boolean {
  return getPath(container.spec, 'securityContext', 'privileged') === true;
}

/** Capabilities added to the container, upper-case without the `CAP_` prefix. */
export function addedCapabilities(container: ContainerView): string[] {
  return asStringArray(getPath(container.spec, 'securityContext', 'capabilities', 'add')).map((capability) =>
    capability.toUpperCase().replace(/^CAP_/, ''),
  );
}

export interface HostPathVolume {
  volumeName: string;
  path: string;
}

/** The pod spec's hostPath volumes, paths normalized (no trailing slash, no `//`). */
export function hostPathVolumes(podSpec: JsonObject | undefined): HostPathVolume[] {
  const out: HostPathVolume[] = [];
  for (const volume of objectsAt(podSpec, 'volumes')) {
    const path = asString(getPath(volume, 'hostPath', 'path'));
    if (path === undefined) continue;
    out.push({ volumeName: asString(volume.name) ?? '', path: normalizeHostPath(path) });
  }
  return out;
}

export function normalizeHostPath(path: string): string {
  const collapsed = path.trim().replace(/\/+/g, '/');
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

/** The listed sensitive-path pattern a host path falls under, if any (`/x/**` covers `/x` and below). */
export function sensitiveHostPathPattern(path: string, context: DetectionContext): string | undefined {
  const list = context.lists.sensitiveHostPaths;
  return list.find(path) ?? list.find(`${path}/`);
}

export const HostNamespace = { hostNetwork: 'hostNetwork', hostPID: 'hostPID', hostIPC: 'hostIPC' } as const;
export type HostNamespace = (typeof HostNamespace)[keyof typeof HostNamespace];

/** The host namespaces the pod spec shares. */
export function sharedHostNamespaces(podSpec: JsonObject | undefined): HostNamespace[] {
  if (podSpec === undefined) return [];
  return Object.values(HostNamespace).filter((field) => podSpec[field] === true);
}

export function serviceAccountNameOf(podSpec: JsonObject | undefined): string | undefined {
  return asString(podSpec?.serviceAccountName) ?? asString(podSpec?.serviceAccount);
}

/**
 * A platform component: written into an infrastructure namespace and every container runs a listed
 * infrastructure image. Privileged settings are normal there; the same image elsewhere is not trusted.
 */
export function isInfrastructureWorkload(event: AuditEvent, context: DetectionContext): boolean {
  if (!context.lists.infrastructureNamespaces.matches(namespaceOf(event))) return false;
  const containers = workloadContainers(event);
  return containers.length > 0 && containers.every((container) => context.lists.infrastructureImages.matches(container.image));
}

/** The pod spec of the request and its containers, for rules that need both. */
export function podSpecAndContainers(event: AuditEvent): { podSpec: JsonObject | undefined; containers: ContainerView[] } {
  return { podSpec: podSpecOf(event), containers: workloadContainers(event) };
}

/** Images of the written containers, without duplicates. */
export function imagesOf(containers: readonly ContainerView[]): string[] {
  return [...new Set(containers.map((container) => container.image).filter((image): image is string => image !== undefined))];
}

/** The container's command and args joined as one line (for redaction and display). */
export function commandLineOf(container: ContainerView): string {
  return [...asStringArray(container.spec.command), ...asStringArray(container.spec.args)].join(' ');
}

/** Names of env vars (never values) of a container. */
export function envNamesOf(container: ContainerView): string[] {
  return asArray(container.spec.env)
    .map((entry) => asString(asObject(entry)?.name))
    .filter((name): name is string => name !== undefined);
}

/** The added capabilities of a container that are on the dangerous-capabilities list. */
export function dangerousCapabilitiesOf(container: ContainerView, context: DetectionContext): string[] {
  return addedCapabilities(container).filter((capability) => context.lists.dangerousCapabilities.matches(capability));
}

/** Names of the volumes a container mounts (`volumeMounts[].name`). */
export function mountedVolumeNames(container: ContainerView): string[] {
  return objectsAt(container.spec, 'volumeMounts')
    .map((mount) => asString(mount.name))
    .filter((name): name is string => name !== undefined);
}
