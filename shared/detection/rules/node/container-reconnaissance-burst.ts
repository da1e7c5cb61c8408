import { type NodeEvent, NodeEventType, type NodeProcess } from '../../../node/nodeEvent';
import { processExecEvent, type ExamplePod } from '../../../node/exampleNodeEvents';
import { type DetectionContext, defaultDetectionContext } from '../../detectionContext';
import { commandLineOf, nodeEventEntities } from '../../nodeEntities';
import {
  argumentList,
  baseName,
  findProcessInList,
  isContainerStartup,
  isExec,
  isExecProbe,
  isInContainer,
  isSystemWorkload,
  processName,
} from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/**
 * Sigma's "Quick Execution of a Series of Suspicious Commands" (MITRE CAR-2013-04-002) fires on more than 5 listed
 * commands within 5 minutes on one machine, at level low. A container runs one application, which rarely starts
 * discovery commands at all: Argus asks for 5 DIFFERENT ones (a script looping over `ps` counts once) in ONE container
 * within 1 minute, the pace of someone typing or pasting a recon one-liner after getting a shell.
 */
const WINDOW_IN_MS = 60_000;
const DISTINCT_COMMANDS = 5;

/** Readers whose file says what is looked at: `cat /etc/passwd`, `head /proc/1/cgroup`. */
const FILE_READERS: ReadonlySet<string> = new Set(['cat', 'head', 'tail', 'less', 'more']);
/** Files read to learn the users, the system, the network and whether this is a container. */
const TELLING_FILE =
  /^\/(?:etc\/(?:passwd|shadow|group|sudoers|hosts|resolv\.conf|os-release|issue|hostname)|proc\/(?:version|cpuinfo|mounts|(?:1|self)\/(?:cgroup|status|mountinfo|environ)|net\/(?:tcp6?|udp6?|arp|route|fib_trie)))$/;
/** The cloud instance metadata endpoints (Azure IMDS, AWS, GCP, Alibaba). */
const METADATA_ENDPOINT = /169\.254\.169\.254|metadata\.google\.internal|\[?fd00:ec2::254\]?|100\.100\.100\.200/i;
/** The pod's service-account directory (`ls /var/run/secrets/kubernetes.io/serviceaccount`). */
const SERVICE_ACCOUNT_DIRECTORY = /^\/(?:var\/)?run\/secrets\/kubernetes\.io(?:\/serviceaccount)?\/?$/;

/** The command a process runs and its arguments: a BusyBox applet called as `busybox <applet> ...` is the applet. */
function commandOf(process: NodeProcess): { name: string; args: readonly string[] } {
  const args = argumentList(process);
  const name = processName(process).toLowerCase();
  const applet = args[0];
  if (name === 'busybox' && applet !== undefined && !applet.startsWith('-')) return { name: baseName(applet).toLowerCase(), args: args.slice(1) };
  return { name, args };
}

/**
 * What reconnaissance the process is, named for counting (`id`, `cat /etc/passwd`, `find -perm`, `curl metadata`), or
 * undefined when it is none: a listed recon command (`reconCommands`), a listed attack tool (`attackToolBinaries`: nmap,
 * linpeas), or a telling use of an ordinary one (a reader on a system file, a SUID search, a metadata request, a look at
 * the service-account directory). `env` and `printenv` count only when they print the environment (`env node app.js` runs
 * a program).
 */
function reconCommandOf(process: NodeProcess, context: DetectionContext): string | undefined {
  const { name, args } = commandOf(process);
  if (name === '') return undefined;
  if (FILE_READERS.has(name)) {
    const file = args.find((arg) => TELLING_FILE.test(arg));
    return file === undefined ? undefined : `${name} ${file}`;
  }
  if (name === 'find') return args.includes('-perm') ? 'find -perm' : undefined;
  if (name === 'curl' || name === 'wget') return args.some((arg) => METADATA_ENDPOINT.test(arg)) ? `${name} metadata` : undefined;
  if (name === 'ls') return args.some((arg) => SERVICE_ACCOUNT_DIRECTORY.test(arg)) ? 'ls serviceaccount' : undefined;
  if (name === 'env' || name === 'printenv') return args.every((arg) => arg.startsWith('-')) ? name : undefined;
  if (context.lists.reconCommands.matches(name)) return name;
  return findProcessInList(process, context.lists.attackToolBinaries) === undefined ? undefined : name;
}

/**
 * The container the commands run in: its runtime id (a restarted container is another one), named for people with its
 * pod; the pod when the sensor gave no container id.
 */
function containerKeyOf(event: NodeEvent): string | undefined {
  const pod = event.process.pod;
  if (pod === undefined) return undefined;
  const id = pod.container?.id?.replace(/^[a-z0-9-]+:\/\//i, '').slice(0, 12);
  if (id === undefined || id === '') return `pod ${pod.namespace}/${pod.name}`;
  return `container ${pod.namespace}/${pod.name}/${pod.container?.name ?? ''} (${id})`;
}

/** The parent is the container's exec probe (a probe script's own commands: `sh -c "ps aux | grep java && df /data"`). */
function isUnderExecProbe(event: NodeEvent): boolean {
  return event.parent?.pod?.container?.maybeExecProbe === true;
}

/**
 * Cheap first: the one field check that drops every non-exec event, then where the process runs, then the name lookups,
 * then the exclusions (probes, the entrypoint at container start, listed system workloads).
 */
function isWatched(event: NodeEvent, context: DetectionContext): boolean {
  return (
    isExec(event) &&
    isInContainer(event) &&
    reconCommandOf(event.process, context) !== undefined &&
    !isExecProbe(event) &&
    !isUnderExecProbe(event) &&
    !isContainerStartup(event) &&
    !isSystemWorkload(event, context)
  );
}

const api: ExamplePod = {
  namespace: 'shop',
  name: 'api-5b6c7d8e9f-k3j2h',
  container: 'api',
  image: 'contoso.azurecr.io/shop/api:2.14.0',
  workload: 'api',
  workloadKind: 'Deployment',
  startTime: '2026-11-09T22:04:31Z',
};
const worker: ExamplePod = {
  namespace: 'shop',
  name: 'worker-6c7d8e9f0a-m4n5p',
  container: 'worker',
  image: 'contoso.azurecr.io/shop/worker:1.8.3',
  workload: 'worker',
  workloadKind: 'Deployment',
  startTime: '2026-11-09T22:05:12Z',
};
/** The shell of a `kubectl exec` session, started by the runtime's shim. */
const execShell = { binary: '/bin/sh', arguments: '', pid: 7321 };
const shim = { binary: '/usr/bin/containerd-shim-runc-v2', arguments: '-namespace k8s.io -id 3f2a9c81d7e4 -address /run/containerd/containerd.sock', pod: null };

/** One command typed in the exec session (its own pid and time, so its own event id). */
function typed(binary: string, args: string, time: string, pid: number, pod: ExamplePod = api): Record<string, unknown> {
  return processExecEvent({ binary, arguments: args, pid, time, pod, parent: execShell, ancestors: [shim] });
}

export const containerReconnaissanceBurst = defineNodeRule({
  id: 'container-reconnaissance-burst',
  alertType: 'K8S.NODE_ReconnaissanceBurst',
  displayName: 'Burst of reconnaissance commands in a container',
  description:
    'Five or more different reconnaissance commands ran in one container within one minute: who am I (whoami, id, groups), ' +
    'what is this system (uname, hostname, cat /etc/os-release, /proc/1/cgroup, mount, df, capsh), what runs here (ps, env), ' +
    'what network is this (ip, ifconfig, netstat, ss, cat /etc/resolv.conf, nmap), what can I reach (a request to the cloud ' +
    'metadata endpoint, a look at the service-account directory, a SUID search with find -perm). It is what an intruder does ' +
    'in the first minute after getting a shell in a pod (through an exec with stolen credentials or a remote code execution). ' +
    'Each command alone is ordinary; five different ones in a minute in one container are not. Exec probes, the entrypoint\'s ' +
    'own commands in the first two minutes of a container and listed system workloads are not counted. The threshold follows ' +
    'Sigma\'s "Quick Execution of a Series of Suspicious Commands" (MITRE CAR-2013-04-002), narrowed to one container and one minute.',
  // New alert type in Defender's node style. Medium: no harm yet, but a person is looking around inside a workload.
  severity: Severity.Medium,
  intent: Intent.Discovery,
  techniques: ['T1082', 'T1033', 'T1016', 'T1057'],
  remediation: [
    'Find who ran the commands: an exec session (the parent shell started by the container runtime; the exec request in the audit log names the identity) or the application itself (a remote code execution: look at its requests at that time).',
    'If it was not an operator, treat the pod as compromised: isolate it with a network policy, keep its logs and file system for the investigation, delete it, and rotate its service-account token and the secrets it mounts.',
    'Remove what the intruder relied on: grant `pods/exec` only to the people who need it, run images without shells or package managers (distroless), a read-only root file system and a non-root user.',
  ],
  falsePositives: [
    'An operator looking around in a pod with `kubectl exec` while debugging (the alert names the commands: compare with the exec request in the audit log).',
    'Diagnostic or support-bundle scripts that run inside application containers (list the workload in `systemWorkloads`).',
  ],
  references: [
    'https://car.mitre.org/analytics/CAR-2013-04-002',
    'https://github.com/SigmaHQ/sigma/blob/master/unsupported/windows/proc_creation_win_correlation_multiple_susp_cli.yml',
    'https://attack.mitre.org/tactics/TA0007/',
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/tactics/Discovery/',
  ],
  // No Falco rule counts commands over time (naming one here would route its alerts to this rule instead of falco-alert);
  // its per-command rule `Launch Suspicious Network Tool in Container` belongs to attack-tool-executed.
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Quick Execution of a Series of Suspicious Commands'],
  },
  eventTypes: [NodeEventType.processExec],
  match: isWatched,
  stateful: {
    kind: 'burst',
    key: containerKeyOf,
    // `match` judged the event with the tenant's lists; the value only names it (with the built-in lists, else its name).
    value: (event) => reconCommandOf(event.process, defaultDetectionContext) ?? (commandOf(event.process).name || undefined),
    windowInMs: WINDOW_IN_MS,
    distinct: DISTINCT_COMMANDS,
    valueName: 'reconnaissance command',
  },
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => ({ command: commandLineOf(event.process), reconCommand: reconCommandOf(event.process, context) ?? '' }),
  dedupKey: (event) => `${containerKeyOf(event) ?? `node:${event.nodeName}`}|reconnaissance`,
  examples: [
    {
      name: 'whoami alone (a burst needs five different commands within a minute)',
      expect: 'none',
      event: typed('/usr/bin/whoami', '', '2026-11-10T01:48:09.660291Z', 7330),
    },
    {
      name: 'a readiness probe runs ps (an exec probe)',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/ps', arguments: 'aux', pod: { ...api, maybeExecProbe: true }, time: '2026-11-10T01:47:00.000000Z' }),
    },
    {
      name: 'an application runs its own program, not a reconnaissance command',
      expect: 'none',
      event: typed('/usr/local/bin/node', '/app/scripts/migrate.js', '2026-11-10T01:49:00.000000Z', 7399),
    },
  ],
  timelines: [
    {
      name: 'an exec session in the api container runs whoami, id, uname -a, hostname, cat /etc/passwd, ps aux and ip a within 40 seconds',
      expect: 'alert',
      events: [
        typed('/usr/bin/whoami', '', '2026-11-10T01:48:09.660291Z', 7330),
        typed('/usr/bin/id', '', '2026-11-10T01:48:12.104772Z', 7331),
        typed('/bin/uname', '-a', '2026-11-10T01:48:16.551203Z', 7332),
        typed('/bin/hostname', '', '2026-11-10T01:48:21.090318Z', 7333),
        typed('/bin/cat', '/etc/passwd', '2026-11-10T01:48:27.731940Z', 7334),
        typed('/bin/ps', 'aux', '2026-11-10T01:48:38.402155Z', 7335),
        typed('/sbin/ip', 'a', '2026-11-10T01:48:49.218866Z', 7336),
      ],
    },
    {
      name: 'four different commands, some repeated, within a minute',
      expect: 'none',
      events: [
        typed('/usr/bin/id', '', '2026-11-10T02:10:01.118204Z', 7401),
        typed('/usr/bin/whoami', '', '2026-11-10T02:10:04.402117Z', 7402),
        typed('/usr/bin/id', '', '2026-11-10T02:10:09.660291Z', 7403),
        typed('/bin/uname', '-r', '2026-11-10T02:10:15.550194Z', 7404),
        typed('/bin/hostname', '', '2026-11-10T02:10:22.302117Z', 7405),
        typed('/usr/bin/whoami', '', '2026-11-10T02:10:31.771902Z', 7406),
      ],
    },
    {
      name: 'five different commands spread over three minutes',
      expect: 'none',
      events: [
        typed('/usr/bin/whoami', '', '2026-11-10T03:00:00.118400Z', 7501),
        typed('/usr/bin/id', '', '2026-11-10T03:00:45.702915Z', 7502),
        typed('/bin/uname', '-a', '2026-11-10T03:01:30.455071Z', 7503),
        typed('/bin/hostname', '', '2026-11-10T03:02:15.233190Z', 7504),
        typed('/bin/ps', 'aux', '2026-11-10T03:03:00.981442Z', 7505),
      ],
    },
    {
      name: 'three commands in each of two containers within a minute (counted per container)',
      expect: 'none',
      events: [
        typed('/usr/bin/whoami', '', '2026-11-10T04:00:01.118204Z', 7601),
        typed('/usr/bin/id', '', '2026-11-10T04:00:03.402117Z', 7602),
        typed('/bin/uname', '-a', '2026-11-10T04:00:06.660291Z', 7603),
        typed('/bin/hostname', '', '2026-11-10T04:00:08.550194Z', 7604, worker),
        typed('/bin/ps', 'aux', '2026-11-10T04:00:11.302117Z', 7605, worker),
        typed('/bin/df', '-h', '2026-11-10T04:00:14.771902Z', 7606, worker),
      ],
    },
    {
      name: "Container Insights' ama-logs agent (a system workload) collects ps, df, mount, uname and hostname",
      expect: 'none',
      events: ['/bin/ps -eo pid,comm', '/bin/df -P', '/bin/mount', '/bin/uname -r', '/bin/hostname'].map((line, index) => {
        const [binary = '', ...args] = line.split(' ');
        return processExecEvent({
          binary,
          arguments: args.join(' '),
          pid: 8801 + index,
          time: `2026-11-10T05:00:0${index}.215530Z`,
          pod: {
            namespace: 'kube-system',
            name: 'ama-logs-x7k2p',
            container: 'ama-logs',
            image: 'mcr.microsoft.com/azuremonitor/containerinsights/ciprod:3.1.24',
            workload: 'ama-logs',
            workloadKind: 'DaemonSet',
            startTime: '2026-11-08T09:12:44Z',
          },
          parent: { binary: '/bin/bash', arguments: '/opt/main.sh', pid: 8790 },
        });
      }),
    },
    {
      name: 'a PostgreSQL entrypoint script runs id, whoami, hostname, uname and getent as the container starts',
      expect: 'none',
      events: [
        ['/usr/bin/id', '-u'],
        ['/usr/bin/whoami', ''],
        ['/bin/hostname', '-i'],
        ['/bin/uname', '-m'],
        ['/usr/bin/getent', 'passwd postgres'],
      ].map(([binary = '', args = ''], index) =>
        processExecEvent({
          binary,
          arguments: args,
          pid: 4851 + index,
          inInitTree: true,
          time: `2026-11-10T06:00:0${3 + index}.402117Z`,
          pod: {
            namespace: 'data',
            name: 'orders-db-0',
            container: 'postgres',
            image: 'docker.io/library/postgres:16.4',
            workload: 'orders-db',
            workloadKind: 'StatefulSet',
            startTime: '2026-11-10T06:00:01Z',
          },
          parent: { binary: '/bin/bash', arguments: '/usr/local/bin/docker-entrypoint.sh postgres', pid: 4850, inInitTree: true },
        }),
      ),
    },
  ],
});
