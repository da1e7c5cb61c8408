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
