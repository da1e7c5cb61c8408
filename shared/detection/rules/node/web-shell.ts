import { type NodeEvent, NodeEventType, type NodeProcess } from '../../../node/nodeEvent';
import { falcoAlertEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { commandLineOf, nodeEventEntities } from '../../nodeEntities';
import {
  ancestorsUpTo,
  argumentList,
  isExec,
  isExecProbe,
  isShell,
  isSystemWorkload,
  processInList,
  parsedScriptPipelines,
  processName,
  shellScript,
} from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/**
 * Listed web servers that are application runtimes (PHP, Python, Java, Node.js, ...): applications start commands of
 * their own through them (`sh -c convert ...`), so a shell under one counts only when it is interactive or looks
 * around. Under a plain web server (nginx, Apache, lighttpd, Caddy) any shell or recon command counts.
 */
const APPLICATION_RUNTIME =
  /^(?:java|node|nodejs|python[\d.]*|ruby[\d.]*|perl[\d.]*|php[\d.]*|php-fpm[\d.]*|php[\d.]*-fpm|php-cgi[\d.]*|dotnet|bun|deno|beam\.smp|uwsgi|gunicorn|hypercorn|uvicorn|fcgiwrap)$/i;

/** Recon commands that applications do not run for themselves: enough under an application runtime. */
const TELLING_RECON: ReadonlySet<string> = new Set(['whoami', 'id', 'ifconfig', 'netstat', 'w', 'who', 'last', 'lastlog', 'users', 'capsh', 'hostnamectl']);

/** What plain web servers legitimately start through a shell: piped access logs (Apache `CustomLog "|rotatelogs ..."`), mail. */
const WEB_SERVER_HELPERS: ReadonlySet<string> = new Set(['rotatelogs', 'cronolog', 'logger', 'multilog', 'svlogd', 'sendmail', 'msmtp', 'ssmtp']);

/** Shell options that keep a shell interactive (no script): `sh`, `bash -i`, `sh -il`. */
const INTERACTIVE_SHELL_OPTION = /^-(?:[ilp]+|-login|-norc|-noprofile|-noediting)$/;

interface WebShellFinding {
  webServer: NodeProcess;
  /** Why the child is suspicious: `shell`, `interactive shell`, `recon command`, `recon in shell`. */
  reason: string;
}

function isWebServer(process: NodeProcess, context: DetectionContext): boolean {
  return processInList(process, context.lists.webServers) && !isShell(process, context);
}

function isRuntime(process: NodeProcess): boolean {
  return APPLICATION_RUNTIME.test(processName(process));
}

/** True for a recon command line that an application would not run for itself (`whoami`, `id`, `uname -a`, `cat /etc/passwd`). */
function isTellingRecon(name: string, args: readonly string[]): boolean {
  const lower = name.toLowerCase();
  if (TELLING_RECON.has(lower)) return true;
  if (lower === 'uname') return args.some((arg) => arg === '-a' || arg === '--all');
  if (lower === 'cat' || lower === 'head' || lower === 'less' || lower === 'more') return args.some((arg) => /^\/etc\/(?:passwd|shadow|group|sudoers)$/.test(arg));
  return false;
}

function isInteractiveShell(process: NodeProcess): boolean {
  return argumentList(process).every((arg) => INTERACTIVE_SHELL_OPTION.test(arg));
}

/** The recon commands a shell script runs, as `[name, args]`. */
function reconInScript(process: NodeProcess, context: DetectionContext): { name: string; args: readonly string[] }[] {
  const recon: { name: string; args: readonly string[] }[] = [];
  for (const pipeline of parsedScriptPipelines(process, context)) {
    for (const { name, words } of pipeline) {
      if (name === '') continue;
      const args = words.slice(1);
      if (context.lists.reconCommands.matches(name) || isTellingRecon(name, args)) recon.push({ name, args });
    }
  }
  return recon;
}

/** The shell case: what a shell under a web server or runtime runs, judged by the kind of parent. */
function judgeShell(process: NodeProcess, webServer: NodeProcess, context: DetectionContext): string | undefined {
  const script = shellScript(process, context);
  if (script === undefined) return isInteractiveShell(process) ? 'interactive shell' : undefined;
  const recon = reconInScript(process, context);
  if (isRuntime(webServer)) return recon.some((command) => isTellingRecon(command.name, command.args)) ? 'recon in shell' : undefined;
  const commands = parsedScriptPipelines(process, context).flat();
  if (commands.length > 0 && commands.every((command) => WEB_SERVER_HELPERS.has(command.lowerName))) return undefined;
  return recon.length > 0 ? 'recon in shell' : 'shell';
}

/** The web server a shell or recon command runs under (its parent or grandparent), and why it is suspicious. */
function webShellFinding(event: NodeEvent, context: DetectionContext): WebShellFinding | undefined {
  const process = event.process;
  const shell = isShell(process, context);
  const reconName = processName(process);
  const recon = !shell && context.lists.reconCommands.matches(reconName);
  if (!shell && !recon && !isTellingRecon(reconName, argumentList(process))) return undefined;
  const webServer = ancestorsUpTo(event, 2).find((ancestor) => isWebServer(ancestor, context));
  if (webServer === undefined) return undefined;
  if (shell) {
    const reason = judgeShell(process, webServer, context);
    return reason === undefined ? undefined : { webServer, reason };
  }
  if (isRuntime(webServer) && !isTellingRecon(reconName, argumentList(process))) return undefined;
  return { webServer, reason: 'recon command' };
}

const wordpress = {
  namespace: 'blog',
  name: 'wordpress-6c8f7d9b4-7kq2m',
  container: 'wordpress',
  image: 'docker.io/library/wordpress:6.5-php8.2-fpm',
};
const phpApache = { namespace: 'shop', name: 'catalog-5f6d8c7b9-p4x7w', container: 'catalog', image: 'docker.io/library/php:8.2-apache' };
const tomcat = { namespace: 'billing', name: 'invoices-7b9c6d5f4-zt8qv', container: 'invoices', image: 'docker.io/library/tomcat:9.0-jdk17' };
const shim = { binary: '/usr/bin/containerd-shim-runc-v2', arguments: '-namespace k8s.io -id 8c1e4f0b2a9d -address /run/containerd/containerd.sock', pod: null };

export const webShell = defineNodeRule({
  id: 'web-shell',
  alertType: 'K8S.NODE_Webshell',
  displayName: 'Possible web shell: a web server started a shell or a recon command',
  description:
    'A shell or a reconnaissance command (whoami, id, uname -a, ...) was started by a web server or web application runtime ' +
    '(nginx, Apache, PHP-FPM, Tomcat, Node.js, ...), directly or through one shell. Web servers do not start shells: this is how ' +
    'a web shell, a command injection or a remote-code-execution exploit (Struts, Log4Shell, a vulnerable PHP plugin) looks from ' +
    'the node. Under an application runtime, which starts commands of its own, only an interactive shell or a telling recon ' +
    "command counts. Kubelet exec probes and Apache's piped-log helpers are ignored.",
  severity: Severity.Medium,
  intent: Intent.Persistence,
  techniques: ['T1505.003', 'T1190', 'T1059.004'],
  remediation: [
    'Isolate the pod (a deny-all network policy) and keep it for investigation; look for uploaded files in the web root and for what the shell ran next.',
    'Find the request that started the command in the web server access logs around the alert time, and the vulnerability it used.',
    'Patch or remove the vulnerable application or plugin, redeploy from a clean image, and rotate every credential the pod could read.',
    'Run web workloads with a read-only root file system, as a non-root user, without shells in the image where possible.',
  ],
  falsePositives: [
    'Applications that run shell commands by design (CI servers such as Jenkins, admin consoles, PHP applications calling `id` or `whoami`).',
    'CGI scripts written in shell, served by Apache or lighttpd.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1505/003/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://github.com/falcosecurity/rules/blob/main/rules/falco_rules.yaml',
    'https://www.microsoft.com/security/blog/2021/02/11/web-shell-attacks-continue-to-rise/',
  ],
  equivalents: {
    defender: ['K8S.NODE_Webshell'],
    falco: ['Run shell untrusted'],
    guardDuty: ['Execution:Runtime/SuspiciousShellCreated'],
    elastic: ['Potential Shell via Web Server', 'Linux Webshell Indicators'],
  },
  eventTypes: [NodeEventType.processExec],
  match: (event, context) => isExec(event) && !isExecProbe(event) && !isSystemWorkload(event, context) && webShellFinding(event, context) !== undefined,
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => {
    const finding = webShellFinding(event, context);
    return {
      command: commandLineOf(event.process),
      ...(finding === undefined ? {} : { webServer: commandLineOf(finding.webServer), reason: finding.reason }),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => {
    const pod = event.process.pod;
    const where = pod === undefined ? `node:${event.nodeName}` : `${pod.namespace}/${pod.workload ?? pod.name}`;
    const server = webShellFinding(event, context)?.webServer.binary ?? event.parent?.binary ?? '';
    return `${where}|${server}`;
  },
  examples: [
    {
      name: 'PHP-FPM (WordPress) starts sh -c with id, uname -a and /etc/passwd',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: '-c "id; uname -a; cat /etc/passwd"',
        uid: 33,
        cwd: '/var/www/html/wp-content/uploads',
        pod: wordpress,
        parent: { binary: '/usr/local/sbin/php-fpm', arguments: '', uid: 33, pid: 21 },
        ancestors: [shim],
      }),
    },
    {
      name: 'whoami under Apache with mod_php, through sh -c',
      expect: 'alert',
      event: processExecEvent({
        binary: '/usr/bin/whoami',
        uid: 33,
        cwd: '/var/www/html',
        pod: phpApache,
        parent: { binary: '/bin/sh', arguments: '-c whoami', uid: 33 },
        ancestors: [{ binary: '/usr/sbin/apache2', arguments: '-DFOREGROUND', uid: 33, pid: 1 }, shim],
      }),
    },
    {
      name: 'Tomcat (java) starts sh -c "whoami && hostname" (Struts or Log4Shell exploitation)',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: '-c "whoami && hostname"',
        cwd: '/usr/local/tomcat',
        pod: tomcat,
        parent: {
          binary: '/opt/java/openjdk/bin/java',
          arguments: '-Djava.util.logging.config.file=/usr/local/tomcat/conf/logging.properties -classpath /usr/local/tomcat/bin/bootstrap.jar org.apache.catalina.startup.Bootstrap start',
          pid: 1,
        },
        ancestors: [shim],
      }),
    },
    {
      name: 'nginx starts an interactive /bin/sh',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/sh',
        uid: 101,
        parent: { binary: '/usr/sbin/nginx', arguments: '-g "daemon off;"', uid: 101, pid: 29 },
        ancestors: [shim],
      }),
    },
    {
      name: 'Falco: Run shell untrusted (shell spawned by apache2)',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Run shell untrusted',
        outputFields: {
          'proc.cmdline': 'sh -c id',
          'proc.exepath': '/bin/sh',
          'proc.name': 'sh',
          'proc.pname': 'apache2',
          'proc.pexe': '/usr/sbin/apache2',
          'user.name': 'www-data',
          'user.uid': 33,
        },
        tags: ['maturity_stable', 'host', 'container', 'process', 'shell', 'mitre_execution', 'T1059.004'],
      }),
    },
    {
      name: 'a liveness exec probe checks the nginx master process (maybeExecProbe)',
      expect: 'none',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: `-c "ps aux | grep -q '[n]ginx: master'"`,
        pod: { maybeExecProbe: true },
        parent: { binary: '/usr/bin/runc', arguments: '--root /run/containerd/runc/k8s.io exec --process /tmp/runc-process123 --detach 8c1e4f0b2a9d', pod: null },
      }),
    },
    {
      name: 'a Node.js cluster master starts its worker (the server starting itself)',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/local/bin/node',
        arguments: '/app/server.js',
        cwd: '/app',
        pod: { namespace: 'shop', name: 'api-5b6c7d8e9f-k3j2h', container: 'api', image: 'docker.io/library/node:20-alpine' },
        parent: { binary: '/usr/local/bin/node', arguments: '/app/server.js', pid: 1, cwd: '/app' },
        ancestors: [shim],
      }),
    },
    {
      name: "nginx's entrypoint script renders its templates with sh -c (no web server above it)",
      expect: 'none',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: '-c "envsubst < /etc/nginx/templates/default.conf.template > /etc/nginx/conf.d/default.conf"',
        parent: { binary: '/bin/sh', arguments: '/docker-entrypoint.sh nginx -g "daemon off;"', pid: 1 },
        ancestors: [shim],
      }),
    },
    {
      name: "Python's platform module runs uname -p through sh -c",
      expect: 'none',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: '-c "uname -p 2> /dev/null"',
        cwd: '/app',
        pod: { namespace: 'shop', name: 'recommender-6d7f8b9c5-m2n4p', container: 'recommender', image: 'docker.io/library/python:3.8-slim' },
        parent: { binary: '/usr/local/bin/python3.8', arguments: '/usr/local/bin/gunicorn --bind 0.0.0.0:8000 app:app', pid: 1, cwd: '/app' },
        ancestors: [shim],
      }),
    },
    {
      name: 'Apache pipes its access log to rotatelogs through sh -c',
      expect: 'none',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: '-c "/usr/bin/rotatelogs -l /var/log/apache2/access.%Y-%m-%d.log 86400"',
        pod: phpApache,
        parent: { binary: '/usr/sbin/apache2', arguments: '-DFOREGROUND', pid: 1 },
        ancestors: [shim],
      }),
    },
  ],
});
