import { type NodeEvent, type NodeProcess } from '../../../node/nodeEvent';
import { falcoAlertEvent, kprobeEvent, moduleLoadEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { argumentList, baseName, isExec, isInContainer, isSystemWorkload, lineage, processIdentities } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

interface ModuleLoad {
  /** The module's name or file, as far as the event says. */
  module: string;
  /** `load`: the module was (or is being) loaded; `request`: a process made the kernel look for one (`request_module`). */
  kind: 'load' | 'request';
  unsigned: boolean;
}

/** Kernel functions that load a module (`do_init_module`, the `init_module`/`finit_module` syscalls, `load_module`). */
const MODULE_LOAD_HOOK = /(^|_)(do_init_module|init_module|finit_module|load_module)$/;
/** `request_module`: the kernel is asked to auto-load a module (a socket family, a file system, a netfilter match). */
const MODULE_REQUEST_HOOK = /security_kernel_module_request|request_module/;

/** Programs that load modules from the command line. */
const MODULE_TOOLS: ReadonlySet<string> = new Set(['insmod', 'modprobe', 'kmod']);
/** `modprobe` options that load nothing: removal, dry runs, listings. */
const NON_LOADING_FLAGS: ReadonlySet<string> = new Set(['-r', '--remove', '-n', '--dry-run', '--show-depends', '-D', '-c', '--showconfig', '-V', '--version', '-h', '--help']);

/** Host programs that load modules as part of booting or running the node. */
const HOST_MODULE_LOADERS: ReadonlySet<string> = new Set(['systemd', 'systemd-modules-load', 'systemd-udevd', 'udevd', 'udevadm', 'init']);
/** Host services under which a module load is part of running the node (the kubelet, the runtime, provisioning). */
const HOST_SYSTEM_ROOTS: ReadonlySet<string> = new Set(['kubelet', 'containerd', 'dockerd', 'cloud-init', 'waagent', 'WALinuxAgent']);

/** Netfilter, IP sets and IPVS modules, which iptables and kube-proxy-like tools in init containers make the kernel load. */
const NETWORK_PLUMBING_MODULE = /^(ip_tables|ip6_tables|x_tables|iptable_|ip6table_|ipt_|ip6t_|xt_|nf_|nft_|nfnetlink|ebt|arpt|ip_set|ip_vs|br_netfilter|veth|vxlan|overlay)/i;

/** A kernel thread (`kworker/u8:2`, `kthreadd`): the kernel running modprobe itself to auto-load a module. */
function isKernelThread(process: NodeProcess): boolean {
  return process.binary === '' || !process.binary.startsWith('/') || /^(kthreadd|kworker)/.test(baseName(process.binary));
}

/** True when a host module load is the node's own: the kernel's modprobe helper, systemd and udev, or a node service's child. */
function isHostSystemLoad(event: NodeEvent): boolean {
  const process = event.process;
  const name = baseName(process.binary);
  const parent = event.parent;
  if ((name === 'modprobe' || name === 'kmod') && (parent === undefined || isKernelThread(parent))) return true;
  if (HOST_MODULE_LOADERS.has(name) || (parent !== undefined && HOST_MODULE_LOADERS.has(baseName(parent.binary)))) return true;
  return lineage(event).some((member) => processIdentities(member).some((identity) => HOST_SYSTEM_ROOTS.has(identity)));
}

/** The module a load tool's command line names (`insmod /tmp/x.ko`, `modprobe -a ip_vs`), or undefined when it loads nothing. */
function moduleOfCommand(process: NodeProcess): string | undefined {
  if (!MODULE_TOOLS.has(baseName(process.binary))) return undefined;
  const args = argumentList(process);
  if (baseName(process.binary) === 'kmod' && args[0] !== 'insmod' && args[0] !== 'modprobe') return undefined;
  if (args.some((word) => NON_LOADING_FLAGS.has(word))) return undefined;
  return args.find((word) => !word.startsWith('-') && word !== 'insmod' && word !== 'modprobe');
}

/** The module load or request an event shows, from any process; undefined for other events. */
function moduleLoadIn(event: NodeEvent): ModuleLoad | undefined {
  const hook = event.hook;
  if (hook !== undefined) {
    const moduleArg = hook.args.find((arg) => arg.module !== undefined)?.module;
    if (moduleArg !== undefined || MODULE_LOAD_HOOK.test(hook.functionName)) {
      const unsigned = moduleArg?.signatureOk === false || (moduleArg?.tainted ?? []).some((taint) => /UNSIGNED|OUT_OF_TREE|FORCED/.test(taint));
      return { module: moduleArg?.name ?? hook.args.find((arg) => arg.file !== undefined)?.file?.path ?? '', kind: 'load', unsigned };
    }
    if (MODULE_REQUEST_HOOK.test(hook.functionName)) {
      return { module: hook.args.find((arg) => arg.string !== undefined)?.string ?? '', kind: 'request', unsigned: false };
    }
    return undefined;
  }
  if (!isExec(event)) return undefined;
  const module = moduleOfCommand(event.process);
  return module === undefined ? undefined : { module, kind: 'load', unsigned: false };
}

/**
 * A module load to judge: from a container (not a platform pod) any load, and a request for anything but network
 * plumbing; from the host a load by anything but the node's own loaders.
 */
function suspiciousModuleLoadOf(event: NodeEvent, context: DetectionContext): ModuleLoad | undefined {
  const load = moduleLoadIn(event);
  if (load === undefined) return undefined;
  if (isInContainer(event)) {
    if (isSystemWorkload(event, context)) return undefined;
    return load.kind === 'request' && NETWORK_PLUMBING_MODULE.test(load.module) ? undefined : load;
  }
  return load.kind === 'request' || isHostSystemLoad(event) ? undefined : load;
}

const kubeProxy = { namespace: 'kube-system', name: 'kube-proxy-h8x2k', container: 'kube-proxy', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.6', workload: 'kube-proxy', workloadKind: 'DaemonSet' };
const istioInit = { namespace: 'shop', name: 'cart-6d9f8b7c5-q2w4e', container: 'istio-init', image: 'docker.io/istio/proxyv2:1.24.1', workload: 'cart' };

export const kernelModuleLoaded = defineNodeRule({
  id: 'kernel-module-loaded',
  alertType: 'K8S.NODE_KernelModuleLoaded',
  displayName: 'Kernel module loaded from a container or by an unexpected process',
  description:
    'A kernel module was loaded (the `do_init_module` or `init_module`/`finit_module` kernel hooks, or insmod, ' +
    'modprobe or kmod run to load one) from a container, or on the node by something other than the node\'s own ' +
    'loaders (the kernel\'s modprobe helper, systemd, udev, the kubelet, the runtime, provisioning). Code in a module ' +
    'runs in the kernel with no isolation at all: rootkits hide processes and files this way, and a container that ' +
    'loads one owns the node. Also reported, at lower severity: a container process making the kernel auto-load a ' +
    'module other than netfilter plumbing (an old or vulnerable socket family or file system is a common exploit ' +
    'step). Platform pods (kube-proxy, Cilium) are expected.',
  // High from a container or for an unsigned module; Medium for a signed load on the host and for auto-load requests (severityFor).
  severity: Severity.High,
  severityFor: (event, context) => {
    if (event.falco !== undefined) return Severity.High;
    const load = suspiciousModuleLoadOf(event, context);
    if (load === undefined || load.kind === 'request') return Severity.Medium;
    return isInContainer(event) || load.unsigned ? Severity.High : Severity.Medium;
  },
  intent: Intent.Persistence,
  techniques: ['T1547.006', 'T1611', 'T1014'],
  remediation: [
    'List the node\'s modules (`lsmod`) and look for the one named in the alert; an unsigned or out-of-tree module on an AKS node is never expected.',
    'Treat the node as compromised: cordon and drain it, then reimage or replace it; a kernel rootkit cannot be trusted to be removed in place.',
    'Find how the load was possible: a privileged container or CAP_SYS_MODULE, a host shell; remove the capability and enforce the baseline Pod Security Standard.',
  ],
  falsePositives: [
    'Node agents deployed outside kube-system that load modules (GPU drivers, storage, eBPF-less security agents): add them to `systemWorkloads`.',
    'Administrators loading a module on a node by hand.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1547/006/',
    'https://docs.kernel.org/admin-guide/tainted-kernels.html',
    'https://man7.org/linux/man-pages/man2/init_module.2.html',
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
  ],
  equivalents: {
    defender: [],
    falco: ['Linux Kernel Module Injection Detected'],
    guardDuty: [],
    elastic: ['Kernel Module Load via insmod'],
  },
  eventTypes: ['process_exec', 'process_kprobe', 'process_lsm', 'process_tracepoint'],
  match: (event, context) => suspiciousModuleLoadOf(event, context) !== undefined,
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => {
    const load = suspiciousModuleLoadOf(event, context);
    return {
      ...(load === undefined || load.module === '' ? {} : { module: load.module }),
      ...(load === undefined ? {} : { kind: load.kind === 'load' ? 'module load' : 'module auto-load request', signature: load.unsigned ? 'unsigned or out of tree' : 'not reported as unsigned' }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, suspiciousModuleLoadOf(event, context)?.module ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'insmod on the host loads an unsigned out-of-tree module',
      expect: 'alert',
      event: moduleLoadEvent({ module: 'diamorphine' }),
    },
    {
      name: 'insmod in a privileged container',
      expect: 'alert',
      event: processExecEvent({ binary: '/sbin/insmod', arguments: '/tmp/.x/rk.ko', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'modprobe from an SSH session on the node',
      expect: 'alert',
      event: processExecEvent({
        binary: '/usr/sbin/modprobe',
        arguments: 'nbd',
        pod: null,
        parent: { binary: '/bin/bash', pod: null },
        ancestors: [{ binary: '/usr/sbin/sshd', arguments: '-D -R', pod: null }],
      }),
    },
    {
      name: 'a container makes the kernel auto-load a socket family module',
      expect: 'alert',
      event: kprobeEvent({ process: { binary: '/tmp/exp', arguments: '', uid: 1000 }, functionName: 'security_kernel_module_request', args: [{ string_arg: 'net-pf-38' }] }),
    },
    {
      name: 'Falco reports a kernel module injected from a container',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Linux Kernel Module Injection Detected',
        priority: 'Warning',
        outputFields: { 'proc.name': 'insmod', 'proc.exepath': '/sbin/insmod', 'proc.cmdline': 'insmod /tmp/rk.ko', 'proc.args': '/tmp/rk.ko' },
        tags: ['maturity_stable', 'host', 'container', 'process', 'mitre_persistence', 'TA0003'],
      }),
    },
    {
      name: 'the kernel\'s modprobe helper loads a netfilter module',
      expect: 'none',
      event: moduleLoadEvent({ process: { binary: '/sbin/modprobe', arguments: '-q -- ip6_tables', pod: null }, module: 'ip6_tables' }),
    },
    {
      name: 'kube-proxy loads the IPVS modules',
      expect: 'none',
      event: processExecEvent({ binary: '/sbin/modprobe', arguments: '-- ip_vs', pod: kubeProxy, parent: { binary: '/usr/local/bin/kube-proxy', pod: kubeProxy } }),
    },
    {
      name: 'systemd-modules-load loads br_netfilter at boot',
      expect: 'none',
      event: moduleLoadEvent({ process: { binary: '/usr/lib/systemd/systemd-modules-load', pod: null }, module: 'br_netfilter' }),
    },
    {
      name: 'istio-init\'s iptables makes the kernel load ip6_tables',
      expect: 'none',
      event: kprobeEvent({ process: { binary: '/usr/sbin/xtables-nft-multi', arguments: 'ip6tables-restore --noflush', pod: istioInit }, functionName: 'security_kernel_module_request', args: [{ string_arg: 'ip6_tables' }] }),
    },
    {
      name: 'modprobe removes a module',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/sbin/modprobe', arguments: '-r nbd', pod: null, parent: { binary: '/bin/bash', pod: null } }),
    },
  ],
});
