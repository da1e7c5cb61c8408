import { type NodeEvent, NodeEventType } from '../../../node/nodeEvent';
import { falcoAlertEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { commandSearchText, findProcessInList, isExec, isSystemWorkload, lowerCommandSearchText, parsedCommands } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/** Miner options: XMRig's (`--donate-level`, `--randomx-*`, `--coin`), cpuminer's and the stratum URL schemes. */
const MINER_ARGUMENTS: readonly { name: string; needle: string; pattern: RegExp }[] = [
  { name: 'stratum pool URL', needle: 'stratum', pattern: /\bstratum[12]?\+(?:tcp|ssl|tls):\/\//i },
  { name: 'miner option --donate-level', needle: '--donate-level', pattern: /(?:^|\s)--donate-level\b/i },
  { name: 'miner option --randomx', needle: '--randomx', pattern: /(?:^|\s)--randomx(?:-[\w-]+)?\b/i },
  { name: 'miner option --coin', needle: '--coin', pattern: /(?:^|\s)--coin[=\s]+(?:monero|xmr|zephyr|wownero|ravencoin|rvn|etc|ethash|kaspa|dero|arrr|keva)\b/i },
  { name: 'mining algorithm option', needle: '-a', pattern: /(?:^|\s)(?:-a|--algo)[=\s]+(?:rx\/\w+|cn\/\w+|cryptonight[\w-]*|randomx|kawpow|argon2\/\w+|ghostrider|astrobwt)\b/i },
  { name: 'miner option --cpu-max-threads-hint', needle: '--', pattern: /(?:^|\s)--(?:cpu-max-threads-hint|max-cpu-usage|cpu-priority)\b/i },
];

/** `-o <host>:<port>` / `--url=<host>:<port>` (XMRig, cpuminer), as host and port. */
const POOL_OPTION = /(?:^|\s)(?:-o|--url)[=\s]+(?:[a-z0-9+]+:\/\/)?([a-z0-9.-]+\.[a-z]{2,}|\d{1,3}(?:\.\d{1,3}){3}):(\d{2,5})\b/gi;

/** Host names in a command line (`pool.supportxmr.com`, from `-o x:443`, URLs, `--url=...`). */
const HOST_NAME = /(?:^|[\s"'=@/:,(])((?:[a-z0-9-]+\.)+[a-z]{2,})(?=$|[\s"':/,)])/gi;

/** The first host name in the text that a mining pool list names. */
function listedPoolIn(text: string, context: DetectionContext): string | undefined {
  for (const match of text.matchAll(HOST_NAME)) {
    const host = (match[1] ?? '').toLowerCase();
    if (context.lists.miningPoolDomains.matches(host)) return host;
  }
  return undefined;
}

/** Host names that look like a pool's, for a `-o host:port` on a listed pool port. */
const POOL_LIKE_HOST = /pool|xmr|mine|stratum|hashvault|nanopool|2miners|f2pool|c3pool|herominers/;

/** Writing to /etc/ld.so.preload hides miners from `ps` and `top` (libprocesshider), a Kinsing and TeamTNT habit. */
const LD_PRELOAD_WRITE = /(?:>>?\s*|\btee\s+(?:-a\s+)?|(?<![\w-])(?:cp|mv|ln|install)\s+(?:-[\w-]*(?:=[\w,.-]*)?\s+)*\S+\s+|\bchattr\s+[-+]i\s+|\bsed\s+-i\S*\s+(?:'[^']*'|"[^"]*"|\S+)\s+)\/etc\/ld\.so\.preload\b/i;

/** Huge pages tuning, which miners (RandomX) ask for: `sysctl -w vm.nr_hugepages=1280`, `echo 1280 > /proc/sys/vm/nr_hugepages`. */
const HUGE_PAGES = /\bvm\.nr_hugepages\s*=\s*\d+|>\s*\/proc\/sys\/vm\/nr_hugepages\b|>\s*\/sys\/kernel\/mm\/hugepages\/[\w/-]*nr_hugepages\b/i;

/** The mining indicators of one command line (and the script of `sh -c`); strong ones first. */
function miningIndicators(event: NodeEvent, context: DetectionContext): string[] {
  const process = event.process;
  const text = commandSearchText(process, context);
  // Each pattern below needs a literal fragment: a plain search skips the expressions on ordinary command lines.
  const lower = lowerCommandSearchText(process, context);
  const found: string[] = [];
  const miner = findProcessInList(process, context.lists.minerBinaries);
  if (miner !== undefined) found.push(`miner binary (${miner})`);
  for (const { name, needle, pattern } of MINER_ARGUMENTS) if (lower.includes(needle) && pattern.test(text)) found.push(name);
  if (lower.includes('-o') || lower.includes('--url')) {
    for (const match of text.matchAll(POOL_OPTION)) {
      const host = (match[1] ?? '').toLowerCase();
      const port = match[2] ?? '';
      if (context.lists.miningPoolDomains.matches(host) || (POOL_LIKE_HOST.test(host) && context.lists.miningPoolPorts.matches(port))) {
        found.push(`pool option -o ${host}:${port}`);
      }
    }
  }
  const pool = lower.includes('.') ? listedPoolIn(text, context) : undefined;
  if (pool !== undefined && !found.some((indicator) => indicator.includes(pool))) found.push(`mining pool domain ${pool}`);
  if (parsedCommands(process, context).some((command) => command.name === 'modprobe' && command.words.includes('msr', 1))) found.push('modprobe msr (RandomX MSR tuning)');
  if (lower.includes('nr_hugepages') && HUGE_PAGES.test(text)) found.push('huge pages tuning');
  if (lower.includes('ld.so.preload') && LD_PRELOAD_WRITE.test(text)) found.push('write to /etc/ld.so.preload');
  return found;
}

/** Node and kernel tuning alone (MSR, huge pages, ld.so.preload) is weaker evidence than a miner or a pool. */
const TUNING_ONLY = /^(?:modprobe msr|huge pages|write to \/etc\/ld\.so\.preload)/;

const xmrigArguments = '-o pool.supportxmr.com:443 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -k --tls --donate-level 1 --cpu-max-threads-hint 75';

export const cryptoMiningProcess = defineNodeRule({
  id: 'crypto-mining-process',
  alertType: 'K8S.NODE_DigitalCurrencyMining',
  displayName: 'Digital currency mining process',
  description:
    'A process ran that mines digital currency: a known miner binary (XMRig, cpuminer, xmr-stak, ...), miner options ' +
    '(`--donate-level`, `--randomx-*`, `--coin monero`, a `stratum+tcp://` pool URL, `-o <pool>:<port>`), a mining pool from the ' +
    'bundled threat list in its arguments, or the tuning miners do before they start: loading the `msr` kernel module, ' +
    'reserving huge pages (`vm.nr_hugepages`), or writing `/etc/ld.so.preload` to hide the miner from process listings. ' +
    'Cryptojacking is the most common goal of attacks on Kubernetes clusters: it burns the compute you pay for.',
  severity: Severity.High,
  severityFor: (event, context) => (miningIndicators(event, context).every((indicator) => TUNING_ONLY.test(indicator)) && event.falco === undefined ? Severity.Medium : Severity.High),
  intent: Intent.Impact,
  techniques: ['T1496', 'T1059.004', 'T1574.006'],
  remediation: [
    'Delete the pod (or drain the node for a host process) and find how the miner got there: a compromised image, an exposed service, a stolen credential, an exec.',
    'Block the mining pool addresses at the egress firewall and look for other connections to them.',
    'Check /etc/ld.so.preload, cron jobs, systemd units and authorized_keys on the node for persistence the miner may have added.',
    'Rotate the credentials the workload could read, and restrict which images may run (admission policy, trusted registries).',
  ],
  falsePositives: ['Intentional mining workloads (rare in business clusters); databases or HPC jobs that reserve huge pages with sysctl at start.'],
  references: [
    'https://attack.mitre.org/techniques/T1496/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://xmrig.com/docs/miner/command-line-options',
    'https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml',
  ],
  equivalents: {
    defender: ['K8S.NODE_DigitalCurrencyMining', 'K8S.NODE_CryptoCoinMinerArtifacts', 'K8S.NODE_CryptoCoinMinerExecution'],
    falco: ['Detect crypto miners using the Stratum protocol'],
    guardDuty: ['Impact:Runtime/CryptoMinerExecuted'],
    elastic: ['Linux Crypto Mining Indicators'],
  },
  eventTypes: [NodeEventType.processExec],
  match: (event, context) => isExec(event) && !isSystemWorkload(event, context) && miningIndicators(event, context).length > 0,
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => ({
    command: commandLineOf(event.process),
    indicators: miningIndicators(event, context).join(', '),
    ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
  }),
  dedupKey: (event) => nodeDedupKey(event, 'mining'),
  examples: [
    {
      name: 'xmrig started from /tmp with a pool and --donate-level',
      expect: 'alert',
      event: processExecEvent({
        binary: '/tmp/.x/xmrig',
        arguments: xmrigArguments,
        cwd: '/tmp/.x',
        pod: { namespace: 'shop', name: 'api-5b6c7d8e9f-k3j2h', container: 'api', image: 'contoso.azurecr.io/shop/api:2.14.0' },
        parent: { binary: '/bin/sh', arguments: '-c "cd /tmp/.x && nohup ./xmrig -o pool.supportxmr.com:443 --donate-level 1 &"' },
      }),
    },
    {
      name: 'a renamed miner (kworker) with a stratum+tcp URL',
      expect: 'alert',
      event: processExecEvent({
        binary: '/var/tmp/kworker',
        arguments: '-a rx/0 -o stratum+tcp://xmr.example-pool.net:3333 -u wallet.worker1 -p x',
        pod: { namespace: 'jobs', name: 'report-28551340-7xk2p', container: 'report', image: 'docker.io/library/python:3.12-slim', workload: 'report-28551340', workloadKind: 'Job' },
      }),
    },
    {
      name: 'a pool domain from the bundled threat list in a renamed binary\'s arguments',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/local/bin/sysupdate', arguments: '-c /etc/sysupdate.json --url xmr-eu1.nanopool.org:14433 --tls', pod: null }),
    },
    {
      name: 'modprobe msr and huge pages on the node (XMRig setup script)',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/bash',
        arguments: '-c "modprobe msr allow_writes=on; sysctl -w vm.nr_hugepages=1280"',
        pod: null,
        parent: { binary: '/bin/bash', arguments: '/root/.cache/setup_c3pool_miner.sh', pod: null },
      }),
    },
    {
      name: 'a process hider written to /etc/ld.so.preload',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "echo /usr/local/lib/libsystem.so > /etc/ld.so.preload"', pod: null }),
    },
    {
      name: 'Falco: Detect crypto miners using the Stratum protocol',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Detect crypto miners using the Stratum protocol',
        priority: 'Critical',
        outputFields: { 'proc.cmdline': 'minerd -a cryptonight -o stratum+tcp://xmr.example-pool.net:3333 -u wallet -p x', 'proc.exepath': '/tmp/minerd', 'proc.name': 'minerd', 'proc.pname': 'sh' },
        tags: ['maturity_sandbox', 'host', 'container', 'process', 'mitre_impact', 'T1496'],
      }),
    },
    {
      name: 'a Node.js API server',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/local/bin/node',
        arguments: '/app/dist/server.js --port 3000',
        pod: { namespace: 'shop', name: 'api-5b6c7d8e9f-k3j2h', container: 'api', image: 'contoso.azurecr.io/shop/api:2.14.0' },
      }),
    },
    {
      name: 'cat /etc/ld.so.preload (a rootkit check reads it)',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/cat', arguments: '/etc/ld.so.preload', pod: null, parent: { binary: '/usr/bin/rkhunter', arguments: '--check --sk', pod: null } }),
    },
    {
      name: 'sysctl reads the huge pages setting',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/sbin/sysctl', arguments: 'vm.nr_hugepages', pod: null }),
    },
    {
      name: 'ssh -o with a host and port (an option, not a pool)',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/ssh', arguments: '-o ProxyCommand=none -p 2222 git@git.contoso.com', pod: null }),
    },
  ],
});
