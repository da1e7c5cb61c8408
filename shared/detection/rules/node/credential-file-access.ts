import { type NodeEvent } from '../../../node/nodeEvent';
import { falcoAlertEvent, fileAccessEvent, kprobeEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import {
  isNodeTakeoverFile,
  isRunByPackageManager,
  isRunByProvisioningAgent,
  secretSearchOf,
  type SensitiveFileRead,
  sensitiveFileReads,
} from '../../predicates/nodeFiles';
import { isExec, isListedProcess, isSystemWorkload } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

interface CredentialAccess {
  reads: SensitiveFileRead[];
  search?: string;
}

/**
 * What credential access the event shows: reads of listed sensitive files (kernel hook or a reading command
 * naming them) or a search for keys and passwords. Listed credential readers (kubelet, sshd, PAM helpers),
 * package managers, provisioning agents and platform pods do this by design.
 */
function credentialAccessOf(event: NodeEvent, context: DetectionContext): CredentialAccess | undefined {
  // What the event reads first: almost every event reads nothing listed, and the exclusions walk the lineage.
  const reads = sensitiveFileReads(event, context);
  const search = reads.length === 0 && isExec(event) ? secretSearchOf(event.process) : undefined;
  if (reads.length === 0 && search === undefined) return undefined;
  if (isSystemWorkload(event, context) || isListedProcess(event.process, context.lists.credentialReaders)) return undefined;
  if (isRunByPackageManager(event, context) || isRunByProvisioningAgent(event, context)) return undefined;
  return reads.length > 0 ? { reads } : { reads: [], search };
}

/** The file a Falco alert names (`fd.name`), when its output lists it. */
function falcoFile(event: NodeEvent): string | undefined {
  const name = event.falco?.outputFields['fd.name'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function filesOf(event: NodeEvent, context: DetectionContext): string[] {
  const paths = (credentialAccessOf(event, context)?.reads ?? []).map((read) => read.path);
  const falco = falcoFile(event);
  return [...new Set(falco === undefined ? paths : [...paths, falco])];
}

const nodeDebugger = { namespace: 'tools', name: 'node-debugger-4k8sd', container: 'debugger', image: 'docker.io/library/alpine:3.20', workload: 'node-debugger' };

export const credentialFileAccess = defineNodeRule({
  id: 'credential-file-access',
  alertType: 'K8S.NODE_CredentialFileAccess',
  displayName: 'Access to credential files on a node or in a container detected',
  description:
    'A process read a file that holds credentials, or searched the file system for them: password hashes (/etc/shadow), ' +
    'sudoers, the kubelet\'s kubeconfig and client certificates, /etc/kubernetes (on AKS, azure.json holds the cluster\'s ' +
    'service principal or identity configuration), SSH private keys, cloud CLI credentials, registry credentials, or ' +
    'another pod\'s service-account token or secret volume under /var/lib/kubelet/pods. The read is seen by a kernel file ' +
    'hook, or as a reading command (cat, cp, tar, base64, ...) naming the file; the search as `find / -name id_rsa` or ' +
    '`grep -ri password /`. The kubelet, SSH and PAM helpers, account tools, package managers, the provisioning agents ' +
    'and platform pods read these files by design; a pod reading its own service-account token is normal.',
  // Medium as Defender's K8S.NODE_KubeConfigAccess; High for the files that give the node or the cluster away (severityFor).
  severity: Severity.Medium,
  severityFor: (event, context) => (filesOf(event, context).some(isNodeTakeoverFile) ? Severity.High : Severity.Medium),
  intent: Intent.CredentialAccess,
  techniques: ['T1552.001', 'T1003.008', 'T1552.004', 'T1528'],
  remediation: [
    'Identify the process and how it started (its parent and ancestors); an interactive shell or a web server above it means a person or an exploit is reading credentials.',
    'Rotate what the file held: the kubelet\'s client certificate (reimage or replace the node), the service principal or identity in azure.json, SSH keys, cloud and registry credentials, the tokens of the pods whose volumes were read.',
    'Review the pod\'s mounts: a hostPath volume on /, /etc, /var/lib/kubelet or /root is what exposes node credentials to a container; remove it or enforce the baseline Pod Security Standard.',
    'Look for use of the stolen credentials: API requests by the node\'s identity from elsewhere, new SSH logins, cloud sign-ins.',
  ],
  falsePositives: [
    'Backup, inventory and compliance agents that read the whole node file system (list their process in `credentialReaders` or their pod in `systemWorkloads`).',
    'Tools that read their own credential file (the Azure CLI its ~/.azure, kubectl its kubeconfig, an image builder its registry credentials) under a name the list does not know.',
    'Administrators inspecting a node by hand.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1552/001/',
    'https://attack.mitre.org/techniques/T1003/008/',
    'https://learn.microsoft.com/azure/aks/kubelet-config',
    'https://kubernetes.io/docs/concepts/security/service-accounts/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
  ],
  equivalents: {
    defender: ['K8S.NODE_KubeConfigAccess', 'K8S.NODE_SuspectPasswordFileAccess', 'K8S.NODE_KnownLinuxCredentialAccessTool'],
    falco: [
      'Read sensitive file untrusted',
      'Read sensitive file trusted after startup',
      'Read ssh information',
      'Search Private Keys or Passwords',
      'Find AWS Credentials',
      'Directory traversal monitored file read',
      'Create Symlink Over Sensitive Files',
      'Create Hardlink Over Sensitive Files',
    ],
    guardDuty: [],
    elastic: ['Shadow File Read via Command Line Utilities', 'Local System Accounts Discovery Attempt - Linux'],
  },
  eventTypes: ['process_kprobe', 'process_lsm', 'process_tracepoint', 'process_exec'],
  match: (event, context) => credentialAccessOf(event, context) !== undefined,
  entities: (event, context) => [
    ...nodeEventEntities(event),
    ...filesOf(event, context).map((path): AlertEntity => ({ type: EntityType.file, name: path, hostName: event.nodeName })),
  ],
  details: (event, context) => {
    const access = credentialAccessOf(event, context);
    const reads = access?.reads ?? [];
    const files = filesOf(event, context);
    return {
      ...(files.length === 0 ? {} : { files: files.join(', ') }),
      ...(reads.length === 0 ? {} : { matchedPatterns: [...new Set(reads.map((read) => read.pattern))].join(', '), seenIn: reads[0]?.via ?? '' }),
      ...(access?.search === undefined ? {} : { search: access.search }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => {
    const access = credentialAccessOf(event, context);
    return nodeDedupKey(event, access?.search ?? filesOf(event, context)[0] ?? event.falco?.rule ?? '');
  },
  examples: [
    {
      name: 'a shell in a web container reads /etc/shadow with cat',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/cat', arguments: '/etc/shadow', uid: 0, parent: { binary: '/bin/sh', arguments: '-c "cat /etc/shadow"' } }),
    },
    {
      name: 'tar in a debugging pod archives the kubelet\'s PKI through a host mount',
      expect: 'alert',
      event: fileAccessEvent({
        process: { binary: '/bin/tar', arguments: 'czf /tmp/p.tgz /host/var/lib/kubelet/pki', pod: nodeDebugger },
        parent: { binary: '/bin/sh', pod: nodeDebugger },
        path: '/host/var/lib/kubelet/pki/kubelet-client-current.pem',
      }),
    },
    {
      name: 'a container process opens AKS\'s azure.json',
      expect: 'alert',
      event: fileAccessEvent({ process: { binary: '/usr/local/bin/python3.12', arguments: '/tmp/x.py' }, path: '/etc/kubernetes/azure.json', functionName: 'security_file_open' }),
    },
    {
      name: 'a container reads another pod\'s projected service-account token on the node',
      expect: 'alert',
      event: fileAccessEvent({
        process: { binary: '/usr/bin/cat', arguments: '/host/var/lib/kubelet/pods/3f1c2a9e-5b7d-4c1e-9a2f-0d8e7c6b5a41/volumes/kubernetes.io~projected/kube-api-access-7xk2p/token', pod: nodeDebugger },
        path: '/host/var/lib/kubelet/pods/3f1c2a9e-5b7d-4c1e-9a2f-0d8e7c6b5a41/volumes/kubernetes.io~projected/kube-api-access-7xk2p/token',
        functionName: 'fd_install',
      }),
    },
    {
      name: 'find searches the whole file system for SSH private keys',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/find', arguments: '/ -type f -name id_rsa', parent: { binary: '/bin/bash' } }),
    },
    {
      name: 'Falco reports a sensitive file opened by an untrusted program',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Read sensitive file untrusted',
        priority: 'Warning',
        outputFields: { 'proc.name': 'python3', 'proc.exepath': '/usr/bin/python3', 'proc.cmdline': 'python3 /tmp/dump.py', 'fd.name': '/etc/shadow' },
        tags: ['maturity_stable', 'host', 'container', 'filesystem', 'mitre_credential_access', 'T1555'],
      }),
    },
    {
      name: 'the kubelet reads its client certificate',
      expect: 'none',
      event: fileAccessEvent({ process: { binary: '/usr/local/bin/kubelet', arguments: '--config=/var/lib/kubelet/config.yaml', pod: null }, path: '/var/lib/kubelet/pki/kubelet-client-current.pem' }),
    },
    {
      name: 'sshd on the host checks a password against /etc/shadow',
      expect: 'none',
      event: fileAccessEvent({ process: { binary: '/usr/sbin/sshd', arguments: '-D -R', pod: null }, path: '/etc/shadow' }),
    },
    {
      name: 'an application reads its own service-account token',
      expect: 'none',
      event: fileAccessEvent({ process: { binary: '/usr/local/bin/python3.12', arguments: '-m gunicorn app:app' }, path: '/var/run/secrets/kubernetes.io/serviceaccount/token' }),
    },
    {
      name: 'the kernel refuses a read of /etc/shadow',
      expect: 'none',
      event: kprobeEvent({
        process: { binary: '/usr/local/bin/node', arguments: 'server.js', uid: 1000 },
        functionName: 'security_file_permission',
        args: [{ file_arg: { path: '/etc/shadow', permission: '-rw-r-----' } }, { int_arg: 4 }],
        returnArg: { int_arg: -13 },
      }),
    },
    {
      name: 'a cat of the application\'s own configuration',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/cat', arguments: '/etc/nginx/nginx.conf' }),
    },
  ],
});
