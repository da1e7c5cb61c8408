import { type NodeEvent } from '../../../node/nodeEvent';
import { falcoAlertEvent, processExecEvent, tcpConnectEvent } from '../../../node/exampleNodeEvents';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { redactText } from '../../redaction';
import { defineNodeRule, Intent, Severity } from '../../rule';

/** Falco's priorities (its `priority` field, any case) as alert severities. */
const SEVERITY_OF_PRIORITY: Readonly<Record<string, Severity>> = {
  emergency: Severity.High,
  alert: Severity.High,
  critical: Severity.High,
  error: Severity.Medium,
  warning: Severity.Medium,
  notice: Severity.Low,
  informational: Severity.Informational,
  info: Severity.Informational,
  debug: Severity.Informational,
};

const GENERIC_ALERT_TYPE = 'K8S.NODE_FalcoAlert';

/** `Read sensitive file untrusted` -> `ReadSensitiveFileUntrusted`: words kept, non-alphanumerics dropped, each word capitalised. */
function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`)
    .join('');
}

/** The alert type of a Falco alert: `K8S.NODE_Falco<rule in PascalCase>`, or the generic type when the rule has no letters or digits. */
function falcoAlertType(event: NodeEvent): string {
  const name = pascalCase(event.falco?.rule ?? '');
  return name === '' ? GENERIC_ALERT_TYPE : `K8S.NODE_Falco${name}`;
}

export const falcoAlert = defineNodeRule({
  id: 'falco-alert',
  alertType: GENERIC_ALERT_TYPE,
  displayName: 'Falco alert',
  description:
    'An alert of a Falco rule that no Argus node rule names: Falco judged the event, Argus keeps its rule name, ' +
    'priority, tags and redacted output and attaches the node, pod, container and process entities. The alert type ' +
    'is `K8S.NODE_Falco` followed by the rule\'s name (`K8S.NODE_FalcoReadEnvironmentVariableFromProcFiles`), the ' +
    'severity follows Falco\'s priority (Emergency, Alert, Critical: High; Error, Warning: Medium; Notice: Low; ' +
    'Informational, Debug: Informational). Falco rules that an Argus rule names raise that rule instead, with its ' +
    'triage guidance.',
  severity: Severity.Medium,
  severityFor: (event) => SEVERITY_OF_PRIORITY[(event.falco?.priority ?? '').toLowerCase()] ?? Severity.Medium,
  alertTypeFor: falcoAlertType,
  displayNameFor: (event) => `Falco: ${event.falco?.rule ?? 'alert'}`,
  intent: Intent.Execution,
  techniques: [],
  remediation: [
    'Read the Falco rule\'s description (falcosecurity/rules) and its output: it names the process, the file or connection and the container.',
    'Tune noisy rules in Falco (its macros and lists) or suppress the alert type in Argus for the workloads where the behaviour is expected.',
  ],
  falsePositives: ['Falco\'s incubating and sandbox rules are broad by design and need tuning to the cluster before they are trusted.'],
  references: ['https://falco.org/docs/reference/rules/default-rules/', 'https://github.com/falcosecurity/rules', 'https://github.com/falcosecurity/falcosidekick'],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
  eventTypes: ['falco_alert'],
  match: (event) => event.falco !== undefined,
  entities: (event) => nodeEventEntities(event),
  details: (event) => {
    const falco = event.falco;
    if (falco === undefined) return {};
    return {
      falcoRule: falco.rule,
      priority: falco.priority,
      source: falco.source,
      ...(falco.tags.length === 0 ? {} : { tags: falco.tags.join(', ') }),
      output: redactText(falco.output),
      commandLine: commandLineOf(event.process),
    };
  },
  dedupKey: (event) => nodeDedupKey(event, event.falco?.rule ?? ''),
  examples: [
    {
      name: 'Falco reports environment variables read from /proc',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Read environment variable from /proc files',
        priority: 'Warning',
        outputFields: { 'proc.name': 'cat', 'proc.exepath': '/bin/cat', 'proc.cmdline': 'cat /proc/1/environ', 'fd.name': '/proc/1/environ' },
        tags: ['maturity_incubating', 'container', 'filesystem', 'process', 'mitre_discovery', 'T1083'],
      }),
    },
    {
      name: 'Falco reports a packet socket created in a container',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Packet socket created in container',
        priority: 'Notice',
        outputFields: { 'proc.name': 'tcpdump', 'proc.exepath': '/usr/bin/tcpdump', 'proc.cmdline': 'tcpdump -i eth0' },
        tags: ['maturity_stable', 'container', 'network', 'mitre_credential_access', 'T1557.002'],
      }),
    },
    {
      name: 'Falco reports a package manager launched in a container',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Launch Package Management Process in Container',
        priority: 'Error',
        outputFields: { 'proc.name': 'apt-get', 'proc.exepath': '/usr/bin/apt-get', 'proc.cmdline': 'apt-get install -y nmap' },
        tags: ['maturity_incubating', 'container', 'process', 'software_mgmt', 'mitre_persistence', 'T1505'],
      }),
    },
    {
      name: 'a Tetragon process start is not a Falco alert',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/cat', arguments: '/proc/1/environ', parent: { binary: '/bin/sh' } }),
    },
    {
      name: 'a Tetragon connection is not a Falco alert',
      expect: 'none',
      event: tcpConnectEvent({ daddr: '20.42.65.92', dport: 443 }),
    },
  ],
});
