import { z } from 'zod';
import { bundledThreatLists } from '../intel/bundledThreatLists';
import { nodeHostListDefaults } from './nodeHostLists';
import { nodeProcessListDefaults } from './nodeProcessLists';

/**
 * The named lists the rules consult, as data. Every list can be replaced or extended by configuration
 * (`DETECTION_LISTS` setting, `argus scan --lists <file>`), see {@link mergeDetectionLists}.
 * Entries are case-insensitive globs: `*` matches any run of characters.
 */
export interface DetectionLists {
  /** Users the cluster itself runs as: control-plane components, controllers, kubelets, AKS service identities. */
  systemIdentities: readonly string[];
  /** Namespaces that belong to the platform (add-ons, policy, networking). */
  infrastructureNamespaces: readonly string[];
  /** Images of platform components, trusted for privileged settings in infrastructure namespaces only. */
  infrastructureImages: readonly string[];
  /** Digital-currency miners. */
  miningImages: readonly string[];
  /** Penetration-testing and attack tools, matched against user agents and images. */
  attackTools: readonly string[];
  /** Host paths whose mount gives away the node. `/**` at the end covers the whole subtree. */
  sensitiveHostPaths: readonly string[];
  /** Linux capabilities that break container isolation. */
  dangerousCapabilities: readonly string[];
  /**
   * Operators that watch every Secret of the cluster by design (certificate, secret-sync, GitOps and mesh
   * controllers, metrics exporters). Trusted for reading secrets only, not for anything else.
   */
  secretReaders: readonly string[];
  /** Controllers that write the CA bundle of their own admission webhooks (by update or patch). */
  webhookCaInjectors: readonly string[];
  /**
   * Service accounts that write RBAC objects by design (GitOps controllers, operator lifecycle managers).
   * Trusted for RBAC writes only.
   */
  rbacManagers: readonly string[];
  /**
   * Policy (empty by default, so silent until set): the registries images may come from, as globs over the image's
   * full form (`contoso.azurecr.io/*`, `docker.io/library/nginx:1.*`). Docker Hub short names are compared in full
   * (`nginx` is `docker.io/library/nginx:latest`): list `docker.io/*` to trust Docker Hub. When set, an image from
   * anywhere else alerts: in a pod created by anyone, or in another workload or a debug container written by a
   * person or workload. Listed infrastructure images in infrastructure namespaces are trusted.
   */
  trustedRegistries: readonly string[];
  /**
   * Policy (empty by default): identities that must not act in the cluster at all (a departed admin, a retired
   * pipeline), as the audit log names them (`carl@contoso.com`, `system:serviceaccount:ci:deployer`). Any request by
   * one, or impersonating one, alerts: High when allowed, Medium when refused.
   */
  disallowedUsers: readonly string[];
  /**
   * Policy (empty by default): namespaces in which no workload may be created (`default`, `legacy-*`). Creating a
   * pod (by anyone) or a workload (by a person or workload) in one alerts, and so does creating such a namespace.
   */
  disallowedNamespaces: readonly string[];
  /**
   * Policy (empty by default): the node names allowed to register (`aks-nodepool1-*`; `system:node:<name>` works
   * too). When set, a node that registers under another name alerts, by creating its Node object or by asking for
   * a certificate for its `system:node:` identity; a refused registration (401/403), or one the log cannot name,
   * is a separate alert.
   */
  allowedNodes: readonly string[];

  // Node events (Tetragon, Falco). Entries match a process by its binary's path or file name unless said otherwise.

  /** Web servers and application runtimes whose children are the application's: a shell under one is a web shell. */
  webServers: readonly string[];
  /** Command interpreters (sh, bash, busybox, ...). */
  shells: readonly string[];
  /** Commands an intruder runs first to look around (whoami, id, uname, ...); under a web server they betray a web shell. */
  reconCommands: readonly string[];
  /** Crypto-miner executables (xmrig, minerd, ...). */
  minerBinaries: readonly string[];
  /** Network scanners, post-exploitation and container-escape toolkits, C2 agents (nmap, masscan, linpeas, cdk, Caldera's sandcat). */
  attackToolBinaries: readonly string[];
  /** Security and monitoring agents whose stopping or killing blinds the defenders. */
  securityAgents: readonly string[];
  /** Tools that fetch from the network (curl, wget, ...), for download-and-run. */
  downloadTools: readonly string[];
  /** Files on a node or in a container whose read gives credentials away (`/etc/shadow`, kubelet PKI, SSH keys); globs over the path. */
  sensitiveNodeFiles: readonly string[];
  /** Processes that read the sensitive files by design (kubelet, sshd, PAM helpers). */
  credentialReaders: readonly string[];
  /** Container runtime sockets (containerd, CRI-O, Docker); globs over the path. */
  containerRuntimeSockets: readonly string[];
  /** Processes that talk to a runtime socket by design (kubelet, containerd shims, crictl on the host). */
  runtimeSocketClients: readonly string[];
  /** Processes expected to call the cloud's instance metadata service (Azure CNI, kubelet, cloud-node-manager, identity agents). */
  metadataCallers: readonly string[];
  /**
   * The distribution's setuid-root helpers (sudo, su, passwd, mount, ping, ...), whose becoming root is what sudoers,
   * PAM and polkit allow. A file name counts only in a system binary directory (`/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`,
   * `/usr/lib*`, `/usr/libexec`), so a copy in /tmp is not trusted; a full path (`/opt/vendor/bin/helper`) counts where it is.
   */
  setuidHelpers: readonly string[];
  /**
   * Package managers (dpkg, apt, rpm, dnf, apk, ...): their maintainer scripts add users, write units and cron files and
   * read shadow, so what they and their children do to node files is expected. Matched over the whole process tree;
   * an interpreted one also by its script (`python3 /usr/bin/unattended-upgrade`).
   */
  packageManagers: readonly string[];
  /**
   * Node provisioning agents (cloud-init, the Azure VM agent and its extensions), which create the admin user, its SSH
   * keys and the node's units: trusted for host processes they start, not for containers. Matched like `packageManagers`.
   */
  provisioningAgents: readonly string[];
  /**
   * The platform's own node agents, trusted for host-level actions (setns, mount, module loading, iptables), as
   * `<namespace>/<workload>` globs (`kube-system/kube-proxy`, `kube-system/cilium`). Host processes are judged by `credentialReaders` and friends.
   */
  systemWorkloads: readonly string[];
  /** Mining pool domains (bundled threat list, see shared/intel/data), matched against arguments and connection names. */
  miningPoolDomains: readonly string[];
  /** Ports mining pools listen on (stratum), as strings. */
  miningPoolPorts: readonly string[];
  /** Addresses on the bundled threat lists (C2, scanners), exact IPv4/IPv6 or globs. */
  threatIntelAddresses: readonly string[];
  /** Domains on the bundled threat lists (C2, malware distribution), globs. */
  threatIntelDomains: readonly string[];
  /** Tor exit relays' addresses (bundled snapshot, see shared/intel/data/torExitAddresses.ts), exact IPv4/IPv6. */
  torExitAddresses: readonly string[];
}

/**
 * The kube-controller-manager's per-controller service accounts in kube-system. Their tokens carry the
 * controllers' wide rights: they are trusted as requesters, and no pod should ever run as one of them.
 */
export const KUBE_SYSTEM_CONTROLLERS: readonly string[] = [
  'attachdetach-controller', 'bootstrap-signer', 'certificate-controller', 'clusterrole-aggregation-controller',
  'cronjob-controller', 'daemon-set-controller', 'deployment-controller', 'disruption-controller',
  'endpoint-controller', 'endpointslice-controller', 'endpointslicemirroring-controller', 'ephemeral-volume-controller',
  'expand-controller', 'generic-garbage-collector', 'horizontal-pod-autoscaler', 'job-controller',
  'legacy-service-account-token-cleaner', 'namespace-controller', 'node-controller', 'persistent-volume-binder',
  'pod-garbage-collector', 'pv-protection-controller', 'pvc-protection-controller', 'replicaset-controller',
  'replication-controller', 'resourcequota-controller', 'root-ca-cert-publisher', 'service-account-controller',
  'service-controller', 'statefulset-controller', 'token-cleaner', 'ttl-after-finished-controller', 'ttl-controller',
  'validatingadmissionpolicy-status-controller', 'selinux-warning-controller', 'volumeattributesclass-protection-controller',
  'resource-claim-controller', 'service-cidrs-controller',
];

export const defaultDetectionLists: DetectionLists = {
  systemIdentities: [
    'system:apiserver',
    'system:kube-controller-manager',
    'system:kube-scheduler',
    'system:kube-proxy',
    'system:node:*',
    'system:serviceaccount:kube-system:generic-garbage-collector',
    ...KUBE_SYSTEM_CONTROLLERS.map((controller) => `system:serviceaccount:kube-system:${controller}`),
    // AKS control plane and service identities.
    'aksService',
    'masterclient',
    'nodeclient',
    'hcp-cloud-controller-manager',
    // EKS control plane: managed node groups and Fargate profiles keep their roles in aws-auth themselves.
    'eks:node-manager',
    'eks:fargate-manager',
    'eks:kms-storage-migrator',
    'system:serviceaccount:kube-system:cloud-node-manager',
    'system:serviceaccount:kube-system:azure-cloud-provider',
    'system:serviceaccount:kube-system:addon-manager',
    'system:serviceaccount:kube-system:cluster-autoscaler',
    'system:serviceaccount:kube-system:konnectivity-agent',
    'system:serviceaccount:kube-system:coredns-autoscaler',
    'system:serviceaccount:kube-system:metrics-server',
    'system:serviceaccount:kube-system:csi-azuredisk-node-sa',
    'system:serviceaccount:kube-system:csi-azurefile-node-sa',
    'system:serviceaccount:kube-system:ama-logs',
    // Container Insights before it was renamed ama-logs (2022); still the account of older Arc extension versions.
    'system:serviceaccount:kube-system:omsagent',
    'system:serviceaccount:kube-system:azure-policy',
    'system:serviceaccount:gatekeeper-system:gatekeeper-admin',
    // AKS CSI controllers, run in the managed control plane: they create PersistentVolumes and, for Azure Files, the
    // storage-account key Secret in the claim's namespace.
    'system:serviceaccount:kube-system:csi-azuredisk-controller-sa',
    'system:serviceaccount:kube-system:csi-azurefile-controller-sa',
  ],
  infrastructureNamespaces: [
    'kube-system',
    'kube-public',
    'kube-node-lease',
    'gatekeeper-system',
    'calico-system',
    'tigera-operator',
    'app-routing-system',
    'azure-arc',
  ],
  infrastructureImages: [
    'mcr.microsoft.com/oss/kubernetes/*',
    'mcr.microsoft.com/oss/kubernetes-csi/*',
    'mcr.microsoft.com/oss/azure/*',
    'mcr.microsoft.com/oss/calico/*',
    'mcr.microsoft.com/oss/cilium/*',
    'mcr.microsoft.com/aks/*',
    'mcr.microsoft.com/azuremonitor/*',
    'mcr.microsoft.com/containernetworking/*',
    'mcr.microsoft.com/azure-policy/*',
    'mcr.microsoft.com/oss/open-policy-agent/*',
    'mcr.microsoft.com/azuredefender/*',
    'registry.k8s.io/kube-proxy*',
    // kubeadm's static control-plane pods, whose mirror pods the kubelet creates in kube-system.
    'registry.k8s.io/kube-apiserver*',
    'registry.k8s.io/kube-controller-manager*',
    'registry.k8s.io/kube-scheduler*',
    'registry.k8s.io/etcd*',
    'registry.k8s.io/coredns/*',
    'registry.k8s.io/sig-storage/*',
  ],
  miningImages: [
    '*xmrig*', '*xmr-stak*', '*xmrminer*', '*minerd*', '*cpuminer*', '*ethminer*', '*nbminer*', '*t-rex*miner*',
    '*trexminer*', '*lolminer*', '*phoenixminer*', '*nanominer*', '*gminer*', '*teamredminer*', '*cgminer*',
    '*bfgminer*', '*nicehash*', '*claymore*', '*srbminer*', '*moneroocean*', '*monero-miner*', '*cryptonight*',
    '*hellminer*', '*kawpowminer*', '*wildrig*', '*coinhive*', '*kinsing*',
  ],
  attackTools: [
    '*kube-hunter*', '*kubehunter*', '*peirates*', '*kubiscan*', '*kubeletctl*', '*trufflehog*', '*kubesploit*',
    '*kdigger*', '*kubestriker*', '*kubestroyer*', '*rbac-police*', '*cdk-team/cdk*', '*botb*', '*deepce*',
    '*linpeas*', '*kube-goat*', '*kubehound*', '*kube-scan*', '*red-kube*', '*metasploit*', '*amicontained*',
  ],
  sensitiveHostPaths: [
    '/',
    '/etc',
    '/etc/kubernetes/**',
    '/proc/**',
    '/root/**',
    '/home/admin/**',
    '/var/lib/kubelet/**',
    '/var/lib/docker/**',
    '/var/lib/containerd/**',
    '/var/run/docker.sock',
    '/run/docker.sock',
    '/var/run/containerd/containerd.sock',
    '/run/containerd/containerd.sock',
    '/var/run/crio/crio.sock',
    '/run/crio/crio.sock',
    '/var/run/cri-dockerd.sock',
    '/var/run',
    '/run',
    '/boot/**',
    '/etc/shadow',
    '/etc/sudoers',
    '/etc/ssh/**',
  ],
  secretReaders: [
    'system:serviceaccount:cert-manager:cert-manager',
    'system:serviceaccount:cert-manager:cert-manager-cainjector',
    'system:serviceaccount:external-secrets:external-secrets',
    'system:serviceaccount:argocd:argocd-application-controller',
    'system:serviceaccount:argocd:argocd-server',
    'system:serviceaccount:istio-system:istiod',
    'system:serviceaccount:kube-system:sealed-secrets-controller',
    'system:serviceaccount:flux-system:kustomize-controller',
    'system:serviceaccount:flux-system:helm-controller',
    'system:serviceaccount:ingress-nginx:ingress-nginx',
    'system:serviceaccount:app-routing-system:nginx',
    // The Secrets Store CSI driver syncs mounted Key Vault secrets into Secrets: its filtered informer lists and watches
    // the Secrets it manages (label secrets-store.csi.k8s.io/managed=true) in every namespace.
    'system:serviceaccount:kube-system:secrets-store-csi-driver',
    // kube-state-metrics exports every Secret's metadata (kube_secret_info): it lists and watches Secrets cluster-wide.
    // Where the prometheus-community chart and kube-prometheus install it.
    'system:serviceaccount:monitoring:kube-state-metrics',
    'system:serviceaccount:kube-system:kube-state-metrics',
  ],
  webhookCaInjectors: [
    'system:serviceaccount:cert-manager:cert-manager-cainjector',
    'system:serviceaccount:cert-manager:cert-manager-webhook',
    'system:serviceaccount:kyverno:kyverno-admission-controller',
    'system:serviceaccount:istio-system:istiod',
    'system:serviceaccount:ingress-nginx:ingress-nginx-admission',
  ],
  rbacManagers: [
    'system:serviceaccount:argocd:argocd-application-controller',
    'system:serviceaccount:argocd:argocd-server',
    'system:serviceaccount:flux-system:kustomize-controller',
    'system:serviceaccount:flux-system:helm-controller',
    'system:serviceaccount:olm:olm-operator-serviceaccount',
    'system:serviceaccount:kube-system:addon-manager',
    'system:serviceaccount:gatekeeper-system:gatekeeper-admin',
    'system:serviceaccount:kube-system:azure-policy',
  ],
  trustedRegistries: [],
  disallowedUsers: [],
  disallowedNamespaces: [],
  allowedNodes: [],
  dangerousCapabilities: ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'BPF', 'DAC_READ_SEARCH', 'ALL', 'SYS_RAWIO', 'SYS_BOOT', 'PERFMON'],
  ...nodeProcessListDefaults,
  ...nodeHostListDefaults,
  ...bundledThreatLists,
};

const listNames = Object.keys(defaultDetectionLists) as (keyof DetectionLists)[];

const listOverride = z.union([
  z.array(z.string().min(1)),
  z.strictObject({ add: z.array(z.string().min(1)).default([]), remove: z.array(z.string().min(1)).default([]) }),
]);

/**
 * Overrides of the named lists: an array replaces a list; `{ "add": [...], "remove": [...] }` changes it.
 * Unknown list names are an error, so a typo is not silently ignored.
 */
export const detectionListOverridesSchema = z.strictObject(
  Object.fromEntries(listNames.map((name) => [name, listOverride.optional()])) as Record<keyof DetectionLists, z.ZodOptional<typeof listOverride>>,
);
export type DetectionListOverrides = z.infer<typeof detectionListOverridesSchema>;

/** Applies overrides to the default lists (or to `base`). */
export function mergeDetectionLists(overrides: DetectionListOverrides, base: DetectionLists = defaultDetectionLists): DetectionLists {
  const merged: Record<string, readonly string[]> = { ...base };
  for (const name of listNames) {
    const override = overrides[name];
    if (override === undefined) continue;
    if (Array.isArray(override)) {
      merged[name] = override;
    } else {
      const removed = new Set(override.remove.map((entry) => entry.toLowerCase()));
      merged[name] = [...base[name].filter((entry) => !removed.has(entry.toLowerCase())), ...override.add];
    }
  }
  return merged as unknown as DetectionLists;
}
