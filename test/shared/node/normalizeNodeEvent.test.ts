import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commitCredsEvent,
  EXAMPLE_NODE,
  EXAMPLE_TIME,
  falcoAlertEvent,
  fileAccessEvent,
  kprobeEvent,
  lsmEvent,
  moduleLoadEvent,
  processConnectEvent,
  processExecEvent,
  processExitEvent,
  setnsEvent,
  tcpConnectEvent,
  tracepointEvent,
} from '../../../shared/node/exampleNodeEvents';
import { type NodeEvent } from '../../../shared/node/nodeEvent';
import { isNodeEventLike, normalizeNodeEvent } from '../../../shared/node/normalizeNodeEvent';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'node', name), 'utf8')) as Record<string, unknown>;

function normalized(raw: unknown): NodeEvent {
  const result = normalizeNodeEvent(raw);
  if (!result.ok) throw new Error(`expected a node event, got ${result.reason}: ${result.detail}`);
  return result.event;
}

function rejection(raw: unknown): { reason: string; detail: string } {
  const result = normalizeNodeEvent(raw);
  if (result.ok) throw new Error('expected the event to be rejected');
  return { reason: result.reason, detail: result.detail };
}

/** A deep copy with `path` set to `value` (or removed when `value` is undefined). */
function withField(raw: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

describe('normalizeNodeEvent', () => {
  describe('Tetragon events (published samples)', () => {
    it('when the docs sample exec of curl in the xwing pod is read, then process, pod, container and parent are mapped', () => {
      const event = normalized(fixture('tetragon-exec-curl-xwing.json'));
      expect(event.type).toBe('process_exec');
      expect(event.nodeName).toBe('gke-john-632-default-pool-7041cac0-9s95');
      expect(event.time).toBe('2023-10-06T22:03:57.700326678Z');
      expect(event.process).toMatchObject({
        execId: 'Z2tlLWpvaG4tNjMyLWRlZmF1bHQtcG9vbC03MDQxY2FjMC05czk1OjEzNTQ4Njc0MzIxMzczOjUyNjk5',
        pid: 52699,
        uid: 0,
        cwd: '/',
        binary: '/usr/bin/curl',
        arguments: 'https://ebpf.io/applications/#tetragon',
        flags: 'execve rootcwd',
        auid: 4294967295,
        tid: 52699,
        parentExecId: 'Z2tlLWpvaG4tNjMyLWRlZmF1bHQtcG9vbC03MDQxY2FjMC05czk1OjEzNTQ4NjcwODgzMjk5OjUyNjk5',
      });
      expect(event.process.pod).toEqual({
        namespace: 'default',
        name: 'xwing',
        podLabels: { 'app.kubernetes.io/name': 'xwing', class: 'xwing', org: 'alliance' },
        workload: 'xwing',
        container: {
          id: 'containerd://551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3',
          name: 'spaceship',
          image: {
            id: 'docker.io/tgraf/netperf@sha256:8e86f744bfea165fd4ce68caa05abc96500f40130b857773186401926af7e9e6',
            name: 'docker.io/tgraf/netperf:latest',
          },
          startTime: '2023-10-06T21:52:41Z',
          pid: 49,
        },
      });
      expect(event.parent).toMatchObject({ binary: '/bin/bash', arguments: '-c "curl https://ebpf.io/applications/#tetragon"' });
      expect(event.ancestors).toEqual([]);
      expect(event.hook).toBeUndefined();
    });

    it('when the docs sample security_file_permission write is read, then the hook has the file, the mask and the return', () => {
      const event = normalized(fixture('tetragon-kprobe-file-write.json'));
      expect(event.type).toBe('process_kprobe');
      expect(event.hook).toEqual({
        functionName: 'security_file_permission',
        args: [{ file: { path: '/etc/passwd', permission: '-rw-r--r--' } }, { int: 2 }],
        returnArg: { int: 0 },
        action: 'KPROBE_ACTION_POST',
        policyName: 'file-monitoring',
      });
      expect(event.process.pod?.workloadKind).toBe('Pod');
    });

    it('when a real tcp_connect kprobe with null return and empty labels is read, then the socket and credentials are mapped', () => {
      const event = normalized(fixture('tetragon-kprobe-tcp-connect.json'));
      expect(event.hook?.functionName).toBe('tcp_connect');
      expect(event.hook?.returnArg).toBeUndefined();
      expect(event.hook?.args).toEqual([
        {
          socket: {
            family: 'AF_INET',
            type: 'SOCK_STREAM',
            protocol: 'IPPROTO_TCP',
            saddr: '10.244.0.97',
            daddr: '140.82.121.4',
            sport: 55106,
            dport: 443,
            state: 'TCP_SYN_SENT',
          },
        },
      ]);
      expect(event.process.credentials).toEqual({ uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, fsuid: 0, fsgid: 0 });
      expect(event.process.pod?.container?.maybeExecProbe).toBe(false);
      expect(event.process.pod?.podLabels).toEqual({});
    });

    it('when a book-era process_connect is read, then its flat endpoint fields become the socket and Cilium labels are ignored for pod_labels', () => {
      const event = normalized(fixture('hubble-enterprise-process-connect.json'));
      expect(event.type).toBe('process_connect');
      expect(event.socket).toEqual({ protocol: 'UDP', saddr: '10.0.0.58', sport: 52802, daddr: '10.96.0.10', dport: 53 });
      expect(event.process.pod?.podLabels).toEqual({ app: 'coreapi', 'pod-template-hash': 'cd8c6d9b4' });
    });

    it('when a book-era process_connect has only the `labels` list, then pod labels come from its k8s: entries', () => {
      const raw = withField(fixture('hubble-enterprise-process-connect.json'), ['process_connect', 'process', 'pod', 'pod_labels'], undefined);
      expect(normalized(raw).process.pod?.podLabels).toEqual({ app: 'coreapi' });
    });

    it('when the parent is a host process (containerd-shim), then it has no pod while the child has one', () => {
      const line = readFileSync(join(__dirname, '..', '..', 'fixtures', 'node', 'tetragon-testdata-events.ndjson'), 'utf8').split('\n')[1] ?? '';
      const event = normalized(JSON.parse(line));
      expect(event.process.pod?.name).toBe('deathstar-6f87496b94-qdlh8');
      expect(event.parent?.binary).toBe('/usr/bin/containerd-shim-runc-v2');
      expect(event.parent?.pod).toBeUndefined();
    });
  });

  describe('Tetragon binary_properties', () => {
    const exec = (properties: unknown): NodeEvent =>
      normalized(withField(fixture('tetragon-exec-curl-xwing.json'), ['process_exec', 'process', 'binary_properties'], properties));

    it('when a non-root user runs sudo (the policy library sample), then setuid 0 and the privilege raise are mapped', () => {
      expect(exec({ setuid: 0, privileges_changed: ['PRIVILEGES_RAISED_EXEC_FILE_SETUID'] }).process.binaryProperties).toEqual({
        setuid: 0,
        privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_SETUID'],
      });
    });

    it('when a memfd is executed (the fileless sample), then the file has no link and its inode number is not kept', () => {
      expect(exec({ file: { inode: { number: '45021', links: 0 } } }).process.binaryProperties).toEqual({ privilegesChanged: [], file: { links: 0 } });
    });

    it('when the file has a path and setgid a group, then both are mapped', () => {
      expect(exec({ setgid: 5, file: { inode: { number: '4991635', links: 0 }, path: '/dev/shm/x' } }).process.binaryProperties).toEqual({
        setgid: 5,
        privilegesChanged: [],
        file: { path: '/dev/shm/x', links: 0 },
      });
    });

    it('when an exporter writes enum numbers and Tetragon\'s "no id" (2^32 - 1), then names are used and the id is absent', () => {
      expect(exec({ setuid: 4294967295, setgid: 4294967295, privileges_changed: [1, 3, 0, 'PRIVILEGES_CHANGED_UNSET'] }).process.binaryProperties).toEqual({
        privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_CAP', 'PRIVILEGES_RAISED_EXEC_FILE_SETGID'],
      });
    });

    it('when binary_properties is empty, not an object or absent, then the process has none', () => {
      expect(exec({}).process.binaryProperties).toBeUndefined();
      expect(exec('setuid').process.binaryProperties).toBeUndefined();
      expect(exec({ setuid: 4294967295, privileges_changed: [] }).process.binaryProperties).toBeUndefined();
      expect(normalized(fixture('tetragon-exec-curl-xwing.json')).process.binaryProperties).toBeUndefined();
    });
  });

  describe('Falco alerts (falcosidekick payloads)', () => {
    it('when the falcosidekick README alert is read, then the rule, fields and the process from proc.cmdline are mapped', () => {
      const event = normalized(fixture('falcosidekick-write-below-binary-dir.json'));
      expect(event.type).toBe('falco_alert');
      expect(event.nodeName).toBe('localhost');
      expect(event.falco).toMatchObject({ rule: 'Write below binary dir', priority: 'Error', source: 'syscall', tags: [] });
      expect(event.falco?.outputFields['fd.name']).toBe('/bin/hack');
      // No proc.name or proc.exepath in this output: the binary is unknown, the arguments still split off.
      expect(event.process).toEqual({ binary: '', arguments: '/bin/hack' });
      expect(event.id).toMatch(/^[0-9a-z]{14}$/);
    });

    it('when an alert carries customfields, uuid and container fields, then pod, container, parent and id are mapped', () => {
      const event = normalized(fixture('falcosidekick-terminal-shell-customfields.json'));
      expect(event.id).toBe('8d1b6f3e-2c4a-4f0e-9b7d-5a6c3e2f1d09');
      expect(event.nodeName).toBe('aks-nodepool1-12345678-vmss000001');
      expect(event.process).toEqual({
        binary: '/usr/bin/bash',
        arguments: '',
        uid: 0,
        auid: -1,
        pod: {
          namespace: 'shop',
          name: 'web-7d4b9c6f5-x2x9k',
          podLabels: {},
          container: { id: '3ad7b26ded6d', name: 'web', image: { name: 'docker.io/library/nginx:1.27' } },
        },
      });
      expect(event.parent?.binary).toBe('runc');
      expect(event.falco?.outputFields.cluster_resource_id).toMatch(/managedClusters\/aks-prod-01$/);
    });

    it('when proc.cmdline starts with the process name, then the arguments are the rest', () => {
      const event = normalized(
        falcoAlertEvent({
          rule: 'Drop and execute new binary in container',
          outputFields: { 'proc.name': 'xmrig', 'proc.exepath': '/tmp/xmrig', 'proc.cmdline': 'xmrig -o pool.example:3333', 'proc.pcmdline': 'sh -c ./xmrig', 'proc.pname': 'sh' },
        }),
      );
      expect(event.process).toMatchObject({ binary: '/tmp/xmrig', arguments: '-o pool.example:3333' });
      expect(event.parent).toMatchObject({ binary: 'sh', arguments: '-c ./xmrig' });
    });

    it('when the output lists proc.aname[2] and [3], then they become the ancestors, the parent first', () => {
      const event = normalized(
        falcoAlertEvent({ rule: 'Run shell untrusted', outputFields: { 'proc.pname': 'node', 'proc.aname[2]': 'npm', 'proc.aname[3]': 'containerd-shim', 'proc.apid[2]': 77 } }),
      );
      expect(event.ancestors).toEqual([
        { binary: 'npm', arguments: '', pid: 77 },
        { binary: 'containerd-shim', arguments: '' },
      ]);
    });

    it('when the alert is about a host process (container.id host, no k8s fields), then it has no pod', () => {
      const event = normalized(
        falcoAlertEvent({ rule: 'Linux Kernel Module Injection Detected', outputFields: { 'container.id': 'host', 'container.name': 'host', 'k8s.ns.name': null, 'k8s.pod.name': null } }),
      );
      expect(event.process.pod).toBeUndefined();
    });

    it('when Falco wrote <NA> for unknown fields, then they count as absent', () => {
      const event = normalized(falcoAlertEvent({ rule: 'x', outputFields: { 'proc.exepath': '<NA>', 'proc.name': 'bash', 'k8s.pod.name': '<NA>' } }));
      expect(event.process.binary).toBe('bash');
      expect(event.process.pod).toBeUndefined();
    });
  });

  describe('every example builder', () => {
    const parent = { binary: '/usr/sbin/nginx', arguments: '-g daemon off;', pid: 7 };
    const cases: [string, Record<string, unknown>, Partial<NodeEvent>][] = [
      ['processExecEvent', processExecEvent({ binary: '/bin/sh', arguments: '-c id', parent }), { type: 'process_exec' }],
      ['processExitEvent', processExitEvent({ binary: '/bin/sh', signal: 'SIGKILL', status: 137 }), { type: 'process_exit', exit: { signal: 'SIGKILL', status: 137 } }],
      ['kprobeEvent', kprobeEvent({ functionName: 'security_bprm_check', args: [{ string_arg: 'x' }], policyName: 'p' }), { type: 'process_kprobe' }],
      ['tcpConnectEvent', tcpConnectEvent({ daddr: '198.51.100.7', dport: 3333, parent }), { type: 'process_kprobe' }],
      ['fileAccessEvent', fileAccessEvent({ path: '/etc/shadow' }), { type: 'process_kprobe' }],
      ['fileAccessEvent (open)', fileAccessEvent({ path: '/etc/shadow', functionName: 'security_file_open' }), { type: 'process_kprobe' }],
      ['fileAccessEvent (fd_install)', fileAccessEvent({ path: '/etc/shadow', functionName: 'fd_install' }), { type: 'process_kprobe' }],
      ['setnsEvent', setnsEvent({}), { type: 'process_kprobe' }],
      ['commitCredsEvent', commitCredsEvent({}), { type: 'process_kprobe' }],
      ['moduleLoadEvent', moduleLoadEvent({ module: 'diamorphine' }), { type: 'process_kprobe' }],
      ['tracepointEvent', tracepointEvent({ subsys: 'syscalls', event: 'sys_enter_ptrace', args: [{ int_arg: 16 }] }), { type: 'process_tracepoint' }],
      ['lsmEvent', lsmEvent({ functionName: 'bprm_check_security', args: [{ file_arg: { path: '/tmp/x' } }] }), { type: 'process_lsm' }],
      ['processConnectEvent', processConnectEvent({ destinationIp: '203.0.113.9', destinationPort: 4444 }), { type: 'process_connect' }],
      ['falcoAlertEvent', falcoAlertEvent({ rule: 'Terminal shell in container' }), { type: 'falco_alert' }],
    ];

    it.each(cases)('when %s builds an event, then it is node-like, normalizes and keeps node, time and type', (_name, raw, expected) => {
      expect(isNodeEventLike(raw)).toBe(true);
      const event = normalized(raw);
      expect(event).toMatchObject({ nodeName: EXAMPLE_NODE, time: EXAMPLE_TIME, ...expected });
      expect(event.simulation).toBeUndefined();
    });

    it.each(cases.filter(([, raw]) => !('rule' in raw)))('when %s builds a Tetragon event, then the acting process keeps its binary, exec id and pod', (_name, raw) => {
      const event = normalized(raw);
      const body = Object.values(raw).find((value) => typeof value === 'object' && value !== null) as { process: { binary: string; exec_id: string; pod?: { name: string } } };
      expect(event.process.binary).toBe(body.process.binary);
      expect(event.process.execId).toBe(body.process.exec_id);
      expect(event.process.pod?.name).toBe(body.process.pod?.name);
    });

    it('when an exec event has a parent and ancestors, then they are linked by parent_exec_id and keep their order', () => {
      const raw = processExecEvent({ binary: '/bin/sh', parent, ancestors: [{ binary: '/usr/bin/containerd-shim-runc-v2', pod: null }, { binary: '/sbin/init', pod: null }] });
      const event = normalized(raw);
      expect(event.process.parentExecId).toBe(event.parent?.execId);
      expect(event.parent?.parentExecId).toBe(event.ancestors[0]?.execId);
      expect(event.ancestors.map((ancestor) => ancestor.binary)).toEqual(['/usr/bin/containerd-shim-runc-v2', '/sbin/init']);
      expect(event.ancestors[0]?.pod).toBeUndefined();
      expect(event.parent?.pod?.name).toBe('web-7d4b9c6f5-x2x9k');
    });

    it('when a builder makes an exec id, then it is base64 of <node>:<ktime>:<pid> as Tetragon makes it', () => {
      const raw = processExecEvent({ binary: '/bin/sh', pid: 4242, node: 'aks-system-1-vmss000002' });
      const decoded = Buffer.from(normalized(raw).process.execId ?? '', 'base64').toString('utf8');
      expect(decoded).toMatch(/^aks-system-1-vmss000002:\d+:4242$/);
    });

    it('when the same builder call is made twice, then the raw events and ids are identical', () => {
      const first = tcpConnectEvent({ daddr: '198.51.100.7', dport: 3333 });
      expect(tcpConnectEvent({ daddr: '198.51.100.7', dport: 3333 })).toEqual(first);
      expect(normalized(first).id).toBe(normalized(tcpConnectEvent({ daddr: '198.51.100.7', dport: 3333 })).id);
    });

    it('when a process sets inInitTree, then the raw event carries in_init_tree and the decoded process keeps it', () => {
      const raw = processExecEvent({ binary: '/bin/chmod', arguments: '+x /tmp/x', inInitTree: false, parent: { binary: '/bin/sh', inInitTree: true } });
      expect((raw.process_exec as { process: Record<string, unknown> }).process.in_init_tree).toBe(false);
      const event = normalized(raw);
      expect(event.process.inInitTree).toBe(false);
      expect(event.parent?.inInitTree).toBe(true);
      expect(normalized(processExecEvent({ binary: '/bin/chmod' })).process.inInitTree).toBeUndefined();
    });

    it('when the acting process\'s pod sets maybeExecProbe, then its container carries maybe_exec_probe and an inheriting parent does not', () => {
      const raw = processExecEvent({ binary: '/bin/sh', arguments: '-c "pg_isready"', pod: { maybeExecProbe: true }, parent: { binary: '/bin/sh' } });
      const body = raw.process_exec as { process: { pod: { container: Record<string, unknown> } }; parent: { pod: { container: Record<string, unknown> } } };
      expect(body.process.pod.container.maybe_exec_probe).toBe(true);
      expect(body.parent.pod.container).not.toHaveProperty('maybe_exec_probe');
      const event = normalized(raw);
      expect(event.process.pod?.container?.maybeExecProbe).toBe(true);
      expect(event.parent?.pod?.container?.maybeExecProbe).toBeUndefined();
      expect(event.process.pod?.name).toBe('web-7d4b9c6f5-x2x9k');
    });

    it('when a process sets binaryProperties, then the raw event has Tetragon\'s shape and decodes back', () => {
      const raw = processExecEvent({
        binary: '/proc/self/fd/3',
        binaryProperties: { setuid: 0, privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_SETUID'], file: { links: 0, path: '/memfd:x' } },
      });
      const properties = (raw.process_exec as { process: { binary_properties: { file: { inode: { number: unknown; links: unknown } } } } }).process.binary_properties;
      expect(properties).toMatchObject({ setuid: 0, privileges_changed: ['PRIVILEGES_RAISED_EXEC_FILE_SETUID'], file: { path: '/memfd:x', inode: { links: 0 } } });
      expect(properties.file.inode.number).toMatch(/^\d+$/);
      expect(normalized(raw).process.binaryProperties).toEqual({
        setuid: 0,
        privilegesChanged: ['PRIVILEGES_RAISED_EXEC_FILE_SETUID'],
        file: { path: '/memfd:x', links: 0 },
      });
      expect(normalized(processExecEvent({ binary: '/usr/bin/wall', binaryProperties: { setgid: 5 } })).process.binaryProperties).toEqual({ setgid: 5, privilegesChanged: [] });
    });

    it('when a process is a host process (pod null), then the raw event has no pod and no docker id', () => {
      const raw = processExecEvent({ binary: '/usr/bin/kubelet', pod: null });
      expect((raw.process_exec as { process: Record<string, unknown> }).process).not.toHaveProperty('pod');
      expect(normalized(raw).process.pod).toBeUndefined();
    });
  });

  describe('event ids', () => {
    it('when two hooks differ only in their arguments, then their ids differ', () => {
      expect(normalized(fileAccessEvent({ path: '/etc/shadow' })).id).not.toBe(normalized(fileAccessEvent({ path: '/etc/passwd' })).id);
    });

    it('when the same event is exec and exit of one process, then their ids differ', () => {
      expect(normalized(processExecEvent({ binary: '/bin/sh' })).id).not.toBe(normalized(processExitEvent({ binary: '/bin/sh' })).id);
    });

    it('when a Falco alert has no uuid, then its id is a stable hash', () => {
      const raw = withField(falcoAlertEvent({ rule: 'x' }), ['uuid'], undefined);
      expect(normalized(raw).id).toBe(normalized(raw).id);
      expect(normalized(raw).id).toMatch(/^[0-9a-z]{14}$/);
    });
  });

  describe('simulation marks', () => {
    it('when both argus_simulation_id and argus_simulation_signature are strings, then the event carries them', () => {
      const raw = { ...processExecEvent({ binary: '/bin/sh' }), argus_simulation_id: 'sim-1', argus_simulation_signature: 'c2ln' };
      expect(normalized(raw).simulation).toEqual({ id: 'sim-1', signature: 'c2ln' });
    });

    it('when only one of them is present, then the event carries none', () => {
      const raw = { ...falcoAlertEvent({ rule: 'x' }), argus_simulation_id: 'sim-1' };
      expect(normalized(raw).simulation).toBeUndefined();
    });
  });

  describe('rejections', () => {
    const exec = processExecEvent({ binary: '/bin/sh' });

    it.each([
      ['a process without binary', withField(exec, ['process_exec', 'process', 'binary'], undefined), 'invalidNodeEvent', /binary/],
      ['a binary of the wrong type', withField(exec, ['process_exec', 'process', 'binary'], 42), 'invalidNodeEvent', /binary/],
      ['no process', withField(exec, ['process_exec', 'process'], undefined), 'invalidNodeEvent', /process/],
      ['an event body that is not an object', withField(exec, ['process_exec'], 'x'), 'invalidNodeEvent', /object/],
      ['no node_name', withField(exec, ['node_name'], undefined), 'invalidNodeEvent', /node_name/],
      ['no time', withField(exec, ['time'], undefined), 'invalidNodeEvent', /time is missing/],
      ['a time that is not RFC 3339', withField(exec, ['time'], '06/03/2025 09:41'), 'invalidNodeEvent', /RFC 3339/],
      ['a time that is a number', withField(exec, ['time'], 1748943687), 'invalidNodeEvent', /RFC 3339/],
      ['a kprobe without function_name', withField(fileAccessEvent({ path: '/x' }), ['process_kprobe', 'function_name'], undefined), 'invalidNodeEvent', /function_name/],
      ['a tracepoint without subsys', withField(tracepointEvent({ subsys: 's', event: 'e' }), ['process_tracepoint', 'subsys'], undefined), 'invalidNodeEvent', /subsys/],
      ['a process_loader event', { process_loader: { process: { binary: '/bin/sh' }, path: '/lib/x.so' }, node_name: 'n', time: EXAMPLE_TIME }, 'unsupportedNodeEventType', /process_loader/],
      ['a rate_limit_info event', { rate_limit_info: { number_of_dropped_process_events: 4 }, node_name: 'n', time: EXAMPLE_TIME }, 'unsupportedNodeEventType', /rate_limit_info/],
      ['an unknown process_* event', { process_future: { process: { binary: '/bin/sh' } }, node_name: 'n', time: EXAMPLE_TIME }, 'unsupportedNodeEventType', /unknown type/],
      ['a Falco alert without rule text', withField(falcoAlertEvent({ rule: 'x' }), ['rule'], ''), 'invalidNodeEvent', /rule/],
      ['a Falco alert without output', withField(falcoAlertEvent({ rule: 'x' }), ['output'], undefined), 'invalidNodeEvent', /output/],
      ['a Falco alert with a bad time', withField(falcoAlertEvent({ rule: 'x' }), ['time'], 'yesterday'), 'invalidNodeEvent', /RFC 3339/],
      ['a Falco alert with output_fields of the wrong type', withField(falcoAlertEvent({ rule: 'x' }), ['output_fields'], 'x'), 'invalidNodeEvent', /output_fields/],
      ['an audit event', { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a', stage: 'ResponseComplete' }, 'notANodeEvent', /neither/],
      ['an array', [exec], 'notANodeEvent', /array/],
      ['null', null, 'notANodeEvent', /null/],
    ])('when %s is read, then it is rejected', (_name, raw, reason, detail) => {
      const result = rejection(raw);
      expect(result.reason).toBe(reason);
      expect(result.detail).toMatch(detail);
    });

    it('when odd values fill every field, then it never throws', () => {
      const odd = [null, 1, 'x', [], {}, [null], { a: null }, true];
      for (const value of odd) {
        for (const raw of [
          { process_exec: { process: value, parent: value, ancestors: value }, node_name: 'n', time: EXAMPLE_TIME },
          { process_kprobe: { process: { binary: '/b', pod: value }, function_name: 'f', args: value, return: value }, node_name: 'n', time: EXAMPLE_TIME },
          { process_kprobe: { process: { binary: '/b', pod: { name: 'p', container: value, pod_labels: value } }, function_name: 'f', args: [value] }, node_name: 'n', time: EXAMPLE_TIME },
          { rule: 'r', priority: 'p', output: 'o', time: EXAMPLE_TIME, output_fields: { 'proc.pid': value as never }, tags: value },
        ]) {
          expect(() => normalizeNodeEvent(raw)).not.toThrow();
        }
      }
    });
  });

  describe('isNodeEventLike', () => {
    it.each([
      ['a Tetragon exec', true, processExecEvent({ binary: '/bin/sh' })],
      ['an unsupported Tetragon type', true, { process_throttle: {}, node_name: 'n', time: EXAMPLE_TIME }],
      ['a Falco alert', true, { rule: 'r', priority: 'Warning', output: 'o' }],
      ['an audit event', false, { kind: 'Event', auditID: 'x', verb: 'get' }],
      ['a diagnostic record', false, { category: 'kube-audit', properties: { log: '{}' } }],
      ['a string', false, 'process_exec'],
    ])('when %s is given, then it answers %s', (_name, expected, raw) => {
      expect(isNodeEventLike(raw)).toBe(expected);
    });
  });
});
