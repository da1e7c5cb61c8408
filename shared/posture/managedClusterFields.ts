import { type ArmJson } from './clusterCheck';

/**
 * Total readers of a managed cluster's ARM JSON (wire names). Every value may be missing or of the wrong type in
 * what a user hands `argus assess`; the readers never throw.
 */

export function objectAt(value: unknown, ...path: readonly string[]): ArmJson | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as ArmJson)[key];
  }
  return typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as ArmJson) : undefined;
}

export function valueAt(value: unknown, ...path: readonly string[]): unknown {
  if (path.length === 0) return value;
  const parent = objectAt(value, ...path.slice(0, -1));
  return parent?.[path[path.length - 1] as string];
}

export function stringAt(value: unknown, ...path: readonly string[]): string | undefined {
  const found = valueAt(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

export function booleanAt(value: unknown, ...path: readonly string[]): boolean | undefined {
  const found = valueAt(value, ...path);
  return typeof found === 'boolean' ? found : undefined;
}

export function arrayAt(value: unknown, ...path: readonly string[]): unknown[] {
  const found = valueAt(value, ...path);
  return Array.isArray(found) ? found : [];
}

/** The cluster's `properties` (an ARM GET body; `az aks show` output has the same shape). */
export function clusterProperties(cluster: ArmJson): ArmJson {
  return objectAt(cluster, 'properties') ?? {};
}

/** Whether the JSON is an AKS managed cluster (`type` `Microsoft.ContainerService/managedClusters`, any casing). */
export function isManagedCluster(cluster: ArmJson): boolean {
  const type = stringAt(cluster, 'type');
  return type === undefined ? objectAt(cluster, 'properties') !== undefined : type.toLowerCase() === 'microsoft.containerservice/managedclusters';
}

/** The node pools (`properties.agentPoolProfiles`), as objects. */
export function agentPools(cluster: ArmJson): ArmJson[] {
  return arrayAt(cluster, 'properties', 'agentPoolProfiles').filter((pool): pool is ArmJson => typeof pool === 'object' && pool !== null && !Array.isArray(pool));
}

/** An add-on profile by name, case-insensitively (real responses say `azurepolicy`, templates `azurePolicy`). */
export function addonProfile(cluster: ArmJson, name: string): ArmJson | undefined {
  const profiles = objectAt(cluster, 'properties', 'addonProfiles');
  if (profiles === undefined) return undefined;
  const key = Object.keys(profiles).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : objectAt(profiles, key);
}

/** Whether an add-on is enabled (`addonProfiles.<name>.enabled: true`, name case-insensitive). */
export function isAddonEnabled(cluster: ArmJson, name: string): boolean {
  return booleanAt(addonProfile(cluster, name), 'enabled') === true;
}
