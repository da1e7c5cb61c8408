import { z } from 'zod';

/**
 * What an organisation decides for its workloads, as named data the controls read (never buried in a control): the
 * namespaces the controls skip, the registries images may come from, the ports services may expose.
 */
export interface WorkloadSettings {
  /** Namespaces no control judges: Defender's Kubernetes initiative excludes these by default. */
  excludedNamespaces: readonly string[];
  /**
   * Registries (or image prefixes) images may come from, e.g. `contoso.azurecr.io/`. Empty (the default): the
   * allowed-images control has nothing to enforce and says NotApplicable.
   */
  allowedImagePrefixes: readonly string[];
  /** Ports a Service may expose. Empty (the default): the allowed-ports control says NotApplicable. */
  allowedServicePorts: readonly number[];
}

/** The `excludedNamespaces` default of Azure Policy's Kubernetes built-in definitions (Defender's initiative). */
export const DEFENDER_EXCLUDED_NAMESPACES: readonly string[] = ['kube-system', 'gatekeeper-system', 'azure-arc', 'azure-extensions-usage-system'];

export const DEFAULT_WORKLOAD_SETTINGS: WorkloadSettings = {
  excludedNamespaces: DEFENDER_EXCLUDED_NAMESPACES,
  allowedImagePrefixes: [],
  allowedServicePorts: [],
};

/** The `WORKLOAD_SETTINGS` setting: any of the three lists, each replacing its default. */
export const workloadSettingsOverridesSchema = z.strictObject({
  excludedNamespaces: z.array(z.string().min(1).max(253)).max(200).optional(),
  allowedImagePrefixes: z.array(z.string().min(1).max(512)).max(200).optional(),
  allowedServicePorts: z.array(z.number().int().min(1).max(65535)).max(200).optional(),
});
export type WorkloadSettingsOverrides = z.infer<typeof workloadSettingsOverridesSchema>;

/** The defaults with the overrides applied (a list given replaces the default one). */
export function mergeWorkloadSettings(overrides: WorkloadSettingsOverrides): WorkloadSettings {
  return {
    excludedNamespaces: overrides.excludedNamespaces ?? DEFAULT_WORKLOAD_SETTINGS.excludedNamespaces,
    allowedImagePrefixes: overrides.allowedImagePrefixes ?? DEFAULT_WORKLOAD_SETTINGS.allowedImagePrefixes,
    allowedServicePorts: overrides.allowedServicePorts ?? DEFAULT_WORKLOAD_SETTINGS.allowedServicePorts,
  };
}
