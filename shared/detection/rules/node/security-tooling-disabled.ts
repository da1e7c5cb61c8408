import { type NodeEvent, NodeEventType, type NodeProcess } from '../../../node/nodeEvent';
import { processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext, defaultDetectionContext } from '../../detectionContext';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { baseName, commandLineText, commandSearchText, hasAncestor, isExec, isSystemWorkload, parsedCommands, processName, programName } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

const Disabling = { agent: 'agent', updateTimer: 'updateTimer', control: 'control' } as const;
type Disabling = (typeof Disabling)[keyof typeof Disabling];

interface DisablingIndicator {
  kind: Disabling;
  indicator: string;
}

/** The automatic-update units attackers stop so that the node is not patched under them (Defender's TimerServiceDisabled). */
const UPDATE_UNIT = /^(?:apt-daily(?:-upgrade)?|unattended-upgrades?|dnf-automatic(?:-install)?|yum-cron)(?:\.timer|\.service)?$/i;
const UNIT_SUFFIX = /\.(?:service|timer|socket|target)$/i;
const STOPPING_VERBS: ReadonlySet<string> = new Set(['stop', 'disable', 'mask', 'kill']);

/** Signals that ask a daemon to reload or rotate, not to stop: `systemctl kill -s HUP rsyslog` is logrotate's. */
const GENTLE_SIGNAL = /^(?:-?(?:SIG)?(?:HUP|USR1|USR2|CONT|WINCH|ALRM)|-?(?:1|10|12|18|28|0))$/i;

/** Package managers, provisioning and the cloud agent stop and restart services as they install or configure them. */
const PROVISIONING_PROGRAM = /^(?:dpkg|apt|apt-get|aptitude|apt\.systemd\.daily|unattended-upgrades?|yum|dnf|dnf-automatic|rpm|tdnf|microdnf|needrestart|deb-systemd-invoke|cloud-init|logrotate)$/i;
function isProvisioning(process: NodeProcess): boolean {
  if (PROVISIONING_PROGRAM.test(processName(process)) || PROVISIONING_PROGRAM.test(programName(process))) return true;
  return /\/opt\/azure\/containers\/|\bwaagent\b|\/var\/lib\/waagent\//.test(commandLineText(process));
}

/** The signal a kill-like command sends, if it names one (`-9`, `-HUP`, `-s TERM`, `--signal=KILL`). */
function signalOf(options: readonly string[]): string | undefined {
  for (let index = 0; index < options.length; index += 1) {
    const option = options[index] ?? '';
    if (option === '-s' || option === '--signal' || option === '-n') return options[index + 1];
    if (option.startsWith('--signal=')) return option.slice('--signal='.length);
    if (/^-(?:SIG)?[A-Z]+\d*$|^-\d+$/i.test(option) && !/^-[a-z]$/.test(option)) return option;
  }
  return undefined;
}

const IPTABLES = /^(?:ip6?tables(?:-legacy|-nft)?)$/;
/** The programs (besides iptables and init scripts) whose commands the rule reads. */
const DISABLING_PROGRAMS: ReadonlySet<string> = new Set(['systemctl', 'service', 'pkill', 'killall', 'killall5', 'nft', 'ufw', 'setenforce', 'auditctl', 'aa-teardown']);
/** `kill -9 $(pidof falco)`, `kill $(pgrep -f tetragon)`: the process name looked up. */
const KILL_BY_NAME = /\bkill\b(?:(?!\bkill\b)[^;|&\n])*?(?:\$\(|`)\s*(?:pidof|pgrep)\s+(?:-\S+\s+)*([\w.-]+)/g;

function unitName(word: string): string {
  return baseName(word).replace(UNIT_SUFFIX, '');
}

/** What the command line (and its `sh -c` script) turns off. */
function disablingIndicators(event: NodeEvent, context: DetectionContext): DisablingIndicator[] {
  const agents = context.lists.securityAgents;
  const found: DisablingIndicator[] = [];
  for (const command of parsedCommands(event.process, context)) {
    const words = command.words;
    const name = command.lowerName;
    // Only these programs are read: skip every other command before slicing its words.
    if (!DISABLING_PROGRAMS.has(name) && !IPTABLES.test(name) && !(words[0] ?? '').startsWith('/etc/init.d/')) continue;
    const args = words.slice(1);
    const operands = args.filter((arg) => !arg.startsWith('-'));
    if (name === 'systemctl') {
      const verb = operands[0]?.toLowerCase() ?? '';
      if (!STOPPING_VERBS.has(verb)) continue;
      const signal = signalOf(args);
      if (verb === 'kill' && signal !== undefined && GENTLE_SIGNAL.test(signal)) continue;
      for (const unit of operands.slice(1)) {
        if (UPDATE_UNIT.test(baseName(unit))) found.push({ kind: Disabling.updateTimer, indicator: `systemctl ${verb} ${unit}` });
        else if (agents.matches(unitName(unit))) found.push({ kind: Disabling.agent, indicator: `systemctl ${verb} ${unit}` });
      }
    } else if (name === 'service' || (words[0] ?? '').startsWith('/etc/init.d/')) {
      const unit = name === 'service' ? operands[0] ?? '' : name;
      const action = (name === 'service' ? operands[1] : operands[0])?.toLowerCase();
      if (action === 'stop' && agents.matches(unitName(unit))) found.push({ kind: Disabling.agent, indicator: `${name} ${unit} stop` });
    } else if (name === 'pkill' || name === 'killall' || name === 'killall5') {
      const signal = signalOf(args);
      if (signal !== undefined && GENTLE_SIGNAL.test(signal)) continue;
      const target = operands.find((operand) => agents.matches(baseName(operand)));
      if (target !== undefined) found.push({ kind: Disabling.agent, indicator: `${name} ${target}` });
    } else if (IPTABLES.test(name)) {
      const flush = args.findIndex((arg) => arg === '-F' || arg === '--flush');
      // A whole table flushed (no chain named), not a CNI emptying its own chain.
      if (flush !== -1 && (args[flush + 1] === undefined || (args[flush + 1] ?? '').startsWith('-'))) found.push({ kind: Disabling.control, indicator: `${name} ${args.join(' ')}` });
    } else if (name === 'nft' && /\bflush\s+ruleset\b/.test(args.join(' '))) {
      found.push({ kind: Disabling.control, indicator: 'nft flush ruleset' });
    } else if (name === 'ufw' && operands[0] === 'disable') {
      found.push({ kind: Disabling.control, indicator: 'ufw disable' });
    } else if (name === 'setenforce' && /^(?:0|permissive)$/i.test(operands[0] ?? '')) {
      found.push({ kind: Disabling.control, indicator: `setenforce ${operands[0] ?? ''}` });
    } else if (name === 'auditctl' && (/(?:^|\s)-e\s*0\b/.test(args.join(' ')) || args.includes('-D'))) {
      found.push({ kind: Disabling.control, indicator: `auditctl ${args.join(' ')}` });
    } else if (name === 'aa-teardown') {
      found.push({ kind: Disabling.control, indicator: 'aa-teardown' });
    }
  }
  // `kill -9 $(pidof falco)`, `kill $(pgrep -f tetragon)`.
  const text = commandSearchText(event.process, context);
  for (const match of text.includes('kill') ? text.matchAll(KILL_BY_NAME) : []) {
    const target = match[1] ?? '';
    if (agents.matches(target)) found.push({ kind: Disabling.agent, indicator: `kill ${target}` });
  }
  return found;
}

const priority: readonly Disabling[] = [Disabling.agent, Disabling.control, Disabling.updateTimer];
function kindOf(event: NodeEvent): Disabling {
  const kinds = new Set(disablingIndicators(event, defaultDetectionContext).map((found) => found.kind));
  return priority.find((kind) => kinds.has(kind)) ?? Disabling.control;
}

const alertTypes: Readonly<Record<Disabling, string>> = {
  agent: 'K8S.NODE_SuspectProcessTermination',
  updateTimer: 'K8S.NODE_TimerServiceDisabled',
  control: 'K8S.NODE_SecurityToolingDisabled',
};
const displayNames: Readonly<Record<Disabling, string>> = {
  agent: 'Security agent stopped or killed',
  updateTimer: 'Automatic updates stopped',
  control: 'Host security control disabled',
};

export const securityToolingDisabled = defineNodeRule({
  id: 'security-tooling-disabled',
  alertType: 'K8S.NODE_SecurityToolingDisabled',
  displayName: 'Security tooling disabled on a node or in a container',
  description:
    'A command turned off what watches or protects the node: it stopped, disabled, masked or killed a security or monitoring ' +
    'agent (Falco, Tetragon, Azure Monitor, Defender, auditd, osquery, EDR sensors), stopped the automatic-update timers ' +
    '(apt-daily, unattended-upgrades), flushed the whole firewall (`iptables -F`, `nft flush ruleset`), put SELinux in ' +
    'permissive mode (`setenforce 0`), or switched the kernel audit off (`auditctl -e 0`). Attackers do this right after ' +
    'getting in (cryptojacking scripts do it first). Package managers, cloud-init, logrotate and the Azure node ' +
    'provisioning scripts are ignored, and so are reload signals (`kill -HUP`).',
  severity: Severity.Medium,
  severityFor: (event) => (kindOf(event) === Disabling.updateTimer ? Severity.Informational : Severity.Medium),
  alertTypeFor: (event) => alertTypes[kindOf(event)],
  displayNameFor: (event) => displayNames[kindOf(event)],
  intent: Intent.DefenseEvasion,
  techniques: ['T1562.001', 'T1562.004', 'T1562.012', 'T1489'],
  remediation: [
    'Restart the agent or control and check it reports again; look at what ran on the node or in the container while it was off.',
    'Find who ran the command (parent process, exec session in the audit log, SSH login on the node) and whether it was planned maintenance.',
    'Protect the agents: run them as DaemonSets with restart policies, alert on their absence (heartbeat), and limit who can reach the nodes.',
  ],
  falsePositives: ['Planned maintenance that stops an agent or the update timers by hand (AKS node images manage updates themselves).'],
  references: [
    'https://attack.mitre.org/techniques/T1562/001/',
    'https://attack.mitre.org/techniques/T1562/004/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://www.trendmicro.com/en_us/research/20/i/war-of-linux-cryptocurrency-miners-a-battle-for-resources.html',
  ],
  equivalents: {
    defender: ['K8S.NODE_SuspectProcessTermination', 'K8S.NODE_TimerServiceDisabled'],
    falco: [],
    guardDuty: ['DefenseEvasion:Runtime/SuspiciousCommand'],
    elastic: ['Attempt to Disable IPTables or Firewall', 'Attempt to Disable Syslog Service', 'Attempt to Disable Auditd Service', 'Potential Disabling of SELinux'],
  },
  eventTypes: [NodeEventType.processExec],
  match: (event, context) =>
    isExec(event) && !isSystemWorkload(event, context) && disablingIndicators(event, context).length > 0 && !hasAncestor(event, isProvisioning),
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => ({
    command: commandLineOf(event.process),
    indicators: disablingIndicators(event, context)
      .map((found) => found.indicator)
      .join(', '),
  }),
  dedupKey: (event) => nodeDedupKey(event, kindOf(event)),
  examples: [
    {
      name: 'a miner script stops and disables Falco and auditd on the node',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/bash',
        arguments: '-c "systemctl stop falco-modern-bpf.service; systemctl disable auditd; pkill -9 osqueryd"',
        pod: null,
        parent: { binary: '/bin/bash', arguments: '/tmp/.x/init.sh', pod: null },
      }),
    },
    {
      name: 'kill -9 of the Tetragon agent by pid lookup, from a privileged container',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "kill -9 $(pidof tetragon)"', parent: { binary: '/bin/sh', arguments: '' } }),
    },
    {
      name: 'apt-daily-upgrade.timer stopped',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/systemctl', arguments: 'stop apt-daily-upgrade.timer', pod: null, parent: { binary: '/bin/bash', arguments: '', pod: null } }),
    },
    {
      name: 'iptables -F and setenforce 0',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "iptables -F; setenforce 0"', pod: null }),
    },
    {
      name: 'auditctl -e 0',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/sbin/auditctl', arguments: '-e 0', pod: null }),
    },
    {
      name: "logrotate's postrotate asks rsyslog to reopen its files (systemctl kill -s HUP)",
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/bin/systemctl',
        arguments: 'kill -s HUP rsyslog.service',
        pod: null,
        parent: { binary: '/bin/sh', arguments: '-c "/usr/lib/rsyslog/rsyslog-rotate"', pod: null },
        ancestors: [{ binary: '/usr/sbin/logrotate', arguments: '/etc/logrotate.conf', pod: null }],
      }),
    },
    {
      name: 'unattended-upgrades restarts falco while upgrading its package',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/bin/systemctl',
        arguments: '--no-reload stop falco-modern-bpf.service',
        pod: null,
        parent: { binary: '/usr/bin/deb-systemd-invoke', arguments: 'stop falco-modern-bpf.service', pod: null },
        ancestors: [
          { binary: '/usr/bin/dpkg', arguments: '--status-fd 10 --no-triggers --unpack --auto-deconfigure /var/cache/apt/archives/falco_0.39.2_amd64.deb', pod: null },
          { binary: '/usr/bin/python3', arguments: '/usr/bin/unattended-upgrade', pod: null },
        ],
      }),
    },
    {
      name: 'a CNI plugin flushes its own iptables chain',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/sbin/iptables', arguments: '-w -t nat -F CILIUM_POST_nat', pod: null, parent: { binary: '/opt/cni/bin/cilium-cni', arguments: '', pod: null } }),
    },
    {
      name: 'systemctl restarts the container runtime',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/systemctl', arguments: 'restart containerd', pod: null }),
    },
  ],
});
