import { type NodeEvent, type NodeHook, type NodeProcess } from '../../node/nodeEvent';
import { type DetectionContext } from '../detectionContext';
import { argumentList, baseName, isExec, isListedProcess, lineage } from './nodeProcesses';

/**
 * Facts about the files a node event touches: the path a kernel hook reports (`file_arg`, `path_arg`), whether
 * the access read or wrote, the files a command names in its arguments, and the node locations attackers use
 * (credential files, persistence locations, container-escape files). Pure and total.
 */

// ---------------------------------------------------------------------------------------------------------------
// Expected writers (package managers, provisioning agents)

/** True when the process or one of its ancestors is a listed package manager (`packageManagers`: an install or upgrade doing its job). */
export function isRunByPackageManager(event: NodeEvent, context: DetectionContext): boolean {
  return lineage(event).some((process) => isListedProcess(process, context.lists.packageManagers));
}

/** True for a host process started by a listed provisioning agent (`provisioningAgents`: cloud-init, the Azure VM agent and its extensions). */
export function isRunByProvisioningAgent(event: NodeEvent, context: DetectionContext): boolean {
  if (event.process.pod !== undefined) return false;
  return lineage(event).some((process) => isListedProcess(process, context.lists.provisioningAgents));
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

/**
 * A path made absolute (relative to `cwd` when known) and normalised (`//`, `/./`, `/../` resolved), so that
 * `/etc/../etc/shadow` or `shadow` in `/etc` read as `/etc/shadow`. Undefined for a relative path with no `cwd`.
 */
export function resolvePath(path: string, cwd?: string): string | undefined {
  let absolute: string;
  if (path.startsWith('/')) absolute = path;
  else if (cwd !== undefined && cwd.startsWith('/')) absolute = `${cwd}/${path}`;
  else return undefined;
  const parts: string[] = [];
  for (const part of absolute.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** Paths under the runtime's image store: unpacking an image writes every file of it there. */
const IMAGE_STORE_PREFIXES = ['/var/lib/containerd/', '/var/lib/docker/', '/run/containerd/', '/var/lib/containers/'];

/** True for a path inside the container runtime's image and snapshot store (image pulls, not changes to the node). */
export function isImageStorePath(path: string): boolean {
  return IMAGE_STORE_PREFIXES.some((prefix) => path.startsWith(prefix));
}

// ---------------------------------------------------------------------------------------------------------------
// Kernel hooks on files

/** Linux `MAY_WRITE` and `MAY_APPEND` bits of `security_file_permission`'s mask. */
const MAY_WRITE_OR_APPEND = 0x2 | 0x8;
const MAY_READ = 0x4;

/** Hooks that only ever change a file. */
const WRITE_HOOKS: ReadonlySet<string> = new Set([
  'security_path_truncate',
  'security_file_truncate',
  'security_inode_create',
  'security_path_mknod',
  'security_inode_setattr',
  'vfs_write',
  'vfs_writev',
  '__x64_sys_write',
  '__arm64_sys_write',
]);

/** Hooks on an exec, whose file is the program (not a file read or written). */
const EXEC_HOOKS = /bprm|exec/i;

/** `open(2)` flags that show a write. */
const WRITE_OPEN_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;

/** The paths of the file arguments of a hook event (kprobe, LSM, tracepoint), normalised; none for other events. */
export function hookFilePaths(event: NodeEvent): string[] {
  const hook = event.hook;
  if (hook === undefined || EXEC_HOOKS.test(hook.functionName)) return [];
  const paths: string[] = [];
  for (const arg of hook.args) {
    const path = arg.file?.path;
    if (path === undefined || path === '') continue;
    paths.push(resolvePath(path) ?? path);
  }
  return paths;
}

/** The access mask of `security_file_permission` (or the LSM `file_permission`), when the hook carries it. */
function accessMask(hook: NodeHook): number | undefined {
  if (!/file_permission$/.test(hook.functionName)) return undefined;
  return hook.args.find((arg) => arg.int !== undefined)?.int;
}

/** False when the hook's return value says the kernel refused the access (a negative errno). */
export function hookSucceeded(hook: NodeHook): boolean {
  const returned = hook.returnArg?.int;
  return returned === undefined || returned >= 0;
}

/** True when the hook shows a write to its file: a write hook, a write mask, or write open flags. */
export function isFileWrite(event: NodeEvent): boolean {
  const hook = event.hook;
  if (hook === undefined || hookFilePaths(event).length === 0) return false;
  if (WRITE_HOOKS.has(hook.functionName)) return true;
  const mask = accessMask(hook);
  if (mask !== undefined) return (mask & MAY_WRITE_OR_APPEND) !== 0;
  return hook.args.some((arg) => WRITE_OPEN_FLAGS.test(arg.file?.flags ?? ''));
}

/**
 * True when the hook may show a read of its file: a read mask, or an open (`security_file_open`, `fd_install`)
 * whose direction the sensor does not report. Never for pure write hooks or write-only masks.
 */
export function isFileRead(event: NodeEvent): boolean {
  const hook = event.hook;
  if (hook === undefined || hookFilePaths(event).length === 0) return false;
  if (WRITE_HOOKS.has(hook.functionName)) return false;
  const mask = accessMask(hook);
  if (mask !== undefined) return (mask & MAY_READ) !== 0;
  return !hook.args.some((arg) => /O_WRONLY/.test(arg.file?.flags ?? ''));
}

// ---------------------------------------------------------------------------------------------------------------
// Files a command names

/** Commands that read (or copy out) the files their arguments name. */
const FILE_READERS: ReadonlySet<string> = new Set([
  'cat', 'tac', 'less', 'more', 'head', 'tail', 'view', 'vi', 'vim', 'nano', 'cp', 'scp', 'rsync', 'tar', 'zip', 'gzip',
  'bzip2', 'xz', '7z', 'base64', 'base32', 'xxd', 'od', 'hexdump', 'strings', 'dd', 'grep', 'egrep', 'fgrep', 'awk',
  'sed', 'sort', 'uniq', 'nl', 'openssl', 'curl', 'wget', 'nc', 'ncat', 'socat', 'busybox',
]);

/** True when the process is a command that reads the files it names (`cat`, `cp`, `tar`, `base64`, `curl -F @file`, ...). */
export function isFileReaderCommand(process: NodeProcess): boolean {
  return FILE_READERS.has(baseName(process.binary));
}

/**
 * The absolute paths a command's arguments name, resolved against its working directory: plain words and the
 * value after `=` or `@` (`dd if=/etc/shadow`, `curl -F f=@/etc/shadow`). Flags are skipped.
 */
export function commandFileArguments(process: NodeProcess): string[] {
  const paths: string[] = [];
  for (const word of argumentList(process)) {
    const value = word.startsWith('-') ? afterSeparator(word) : (afterSeparator(word) ?? word);
    if (value === undefined || value === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
    const path = resolvePath(value, process.cwd);
    if (path !== undefined) paths.push(path);
  }
  return paths;
}

function afterSeparator(word: string): string | undefined {
  const at = Math.max(word.lastIndexOf('='), word.lastIndexOf('@'));
  if (at === -1) return undefined;
  const value = word.slice(at + 1);
  return value.startsWith('/') ? value : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Sensitive files

/** A sensitive file the event reads: by a kernel hook, or named by a reading command. */
export interface SensitiveFileRead {
  path: string;
  /** The `sensitiveNodeFiles` entry that matched. */
  pattern: string;
  via: 'kernel hook' | 'command arguments';
}

/** The listed sensitive files the event reads (see {@link SensitiveFileRead}); empty for any other event. */
export function sensitiveFileReads(event: NodeEvent, context: DetectionContext): SensitiveFileRead[] {
  const list = context.lists.sensitiveNodeFiles;
  const reads: SensitiveFileRead[] = [];
  if (event.hook !== undefined) {
    if (!isFileRead(event) || !hookSucceeded(event.hook)) return [];
    for (const path of hookFilePaths(event)) {
      const pattern = list.find(path);
      if (pattern !== undefined) reads.push({ path, pattern, via: 'kernel hook' });
    }
    return reads;
  }
  if (isExec(event) && isFileReaderCommand(event.process)) {
    for (const path of commandFileArguments(event.process)) {
      const pattern = list.find(path);
      if (pattern !== undefined) reads.push({ path, pattern, via: 'command arguments' });
    }
  }
  return reads;
}

/** Files whose theft gives the node or the cluster away (password hashes, the kubelet's identity, AKS's cloud configuration). */
const NODE_TAKEOVER_FILES = /\/etc\/g?shadow-?$|\/var\/lib\/kubelet\/(kubeconfig|bootstrap-kubeconfig|pki\/)|\/etc\/kubernetes\//;

/** True for the files that give the node or cluster away: `/etc/shadow`, the kubelet's kubeconfig and PKI, `/etc/kubernetes/*` (also under a host mount). */
export function isNodeTakeoverFile(path: string): boolean {
  return NODE_TAKEOVER_FILES.test(path);
}

// ---------------------------------------------------------------------------------------------------------------
// Secret searches

/** Where a secret search starts when it means to sweep the node or a home directory. */
const BROAD_SEARCH_ROOTS: ReadonlySet<string> = new Set(['/', '/home', '/root', '/etc', '/var', '/opt', '/srv', '/mnt', '/host', '/var/lib/kubelet', '~', '.']);

/** File names a key or credential hunt looks for (`find -name`). */
const SECRET_FILE_NAME = /id_(rsa|dsa|ecdsa|ed25519)|\.(pem|key|p12|pfx|ppk|kdbx|jks|keystore)\b|credentials|kubeconfig|\.kube\/config|\.git-credentials|\.aws|\.docker\/config\.json/i;

/** What a content search for secrets greps for. */
const SECRET_CONTENT = /pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|aws_access_key_id|aws_secret_access_key|accesskeyid|secretaccesskey/i;

/** A private key's armour, searched anywhere (Falco's "Search Private Keys or Passwords"). */
const PRIVATE_KEY_ARMOUR = /BEGIN ([A-Z]+ )?PRIVATE/i;

/**
 * The secret search the process runs, described, or undefined: `find <broad root> -name <key or credential file>`,
 * `grep -r <password|secret|token...> <broad root>`, or grep for a private key's armour anywhere.
 */
export function secretSearchOf(process: NodeProcess): string | undefined {
  const name = baseName(process.binary);
  const args = argumentList(process);
  if (name === 'find') {
    const roots = args.filter((word, index) => !word.startsWith('-') && (index === 0 || !(args[index - 1] ?? '').startsWith('-')));
    const patterns = args.filter((_, index) => /^-(i?name|i?path|i?regex|i?wholename)$/.test(args[index - 1] ?? ''));
    const broad = roots.length === 0 || roots.some((root) => BROAD_SEARCH_ROOTS.has(root.replace(/(?<!\/)\/+$/, '') || '/'));
    const secret = patterns.find((pattern) => SECRET_FILE_NAME.test(pattern));
    return broad && secret !== undefined ? `find for ${secret}` : undefined;
  }
  if (['grep', 'egrep', 'fgrep', 'rgrep'].includes(name)) {
    if (PRIVATE_KEY_ARMOUR.test(process.arguments)) return 'grep for a private key';
    const recursive = name === 'rgrep' || args.some((word) => /^-[a-zA-Z]*[rR]/.test(word) || word === '--recursive');
    const operands = args.filter((word) => !word.startsWith('-'));
    const pattern = operands.find((word) => SECRET_CONTENT.test(word));
    const broad = operands.some((word) => BROAD_SEARCH_ROOTS.has(word.replace(/(?<!\/)\/+$/, '') || '/'));
    return recursive && broad && pattern !== undefined ? `recursive grep for ${pattern}` : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Container-escape files

/** Files whose write makes the kernel run a program of the writer's choosing on the host (cgroup v1 release agents, core dumps, module loading). */
const HOST_EXECUTION_FILES = /\/(release_agent|notify_on_release)$|^\/proc\/sys\/kernel\/(core_pattern|modprobe)$/;

/** True for a cgroup `release_agent`/`notify_on_release` file, `/proc/sys/kernel/core_pattern` or `/proc/sys/kernel/modprobe`. */
export function isHostExecutionFile(path: string): boolean {
  return HOST_EXECUTION_FILES.test(path);
}

/** True when the text names one of the {@link isHostExecutionFile} files (`echo /cmd > /tmp/cgrp/release_agent`). */
export function namesHostExecutionFile(text: string): boolean {
  return /release_agent|notify_on_release|\/proc\/sys\/kernel\/(core_pattern|modprobe)\b/.test(text);
}

/** The listed container runtime socket the path is, if any (`containerRuntimeSockets`). */
export function runtimeSocketOf(path: string, context: DetectionContext): string | undefined {
  return context.lists.containerRuntimeSockets.find(path) === undefined ? undefined : path;
}

/** The listed runtime sockets a command's arguments name (`docker -H unix:///var/run/docker.sock`, `curl --unix-socket ...`). */
export function runtimeSocketsNamed(process: NodeProcess, context: DetectionContext): string[] {
  const sockets = new Set<string>();
  for (const word of argumentList(process)) {
    for (const candidate of [word, word.replace(/^[a-z]+:\/\//i, ''), afterSeparator(word) ?? '']) {
      const path = resolvePath(candidate, process.cwd);
      if (path !== undefined && runtimeSocketOf(path, context) !== undefined) sockets.add(path);
    }
  }
  return [...sockets];
}

// ---------------------------------------------------------------------------------------------------------------
// Persistence locations

/** Where a program or a login is planted to come back after a reboot or a logout. */
export const PersistenceLocation = {
  cron: 'cron',
  systemdUnit: 'systemd unit',
  authorizedKeys: 'SSH authorized keys',
  preload: 'dynamic linker preload',
  accounts: 'account database',
  shellStartup: 'shell startup file',
} as const;
export type PersistenceLocation = (typeof PersistenceLocation)[keyof typeof PersistenceLocation];

/** Persistence locations by path; a host path mounted into a container (`/host/etc/cron.d/x`) counts too. */
const PERSISTENCE_PATHS: readonly (readonly [RegExp, PersistenceLocation])[] = [
  [/(^|\/)etc\/(crontab|cron\.(d|hourly|daily|weekly|monthly)\/[^/]+)$|(^|\/)var\/spool\/cron\/(crontabs\/)?[^/]+$/, PersistenceLocation.cron],
  [/(^|\/)(etc|lib|usr\/lib)\/systemd\/(system|user)\/(?:(?!\/(?:etc|lib|usr\/lib)\/systemd\/(?:system|user)\/).)+\.(service|timer|socket|path)$/, PersistenceLocation.systemdUnit],
  [/\/\.ssh\/authorized_keys2?$/, PersistenceLocation.authorizedKeys],
  [/(^|\/)etc\/ld\.so\.preload$/, PersistenceLocation.preload],
  [/(^|\/)etc\/(passwd|shadow|sudoers|sudoers\.d\/[^/]+)$/, PersistenceLocation.accounts],
  [/\/\.(bashrc|bash_profile|bash_login|profile|zshrc|zprofile)$|(^|\/)etc\/(profile|bash\.bashrc|bashrc|profile\.d\/[^/]+)$/, PersistenceLocation.shellStartup],
];

/** The persistence location a path is, if any; never a path inside the runtime's image store. */
export function persistenceLocationOf(path: string): PersistenceLocation | undefined {
  if (isImageStorePath(path)) return undefined;
  return PERSISTENCE_PATHS.find(([pattern]) => pattern.test(path))?.[1];
}
