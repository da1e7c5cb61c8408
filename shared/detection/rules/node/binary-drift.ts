import { type NodeEvent, type NodeProcess } from '../../../node/nodeEvent';
import { falcoAlertEvent, fileAccessEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { hookFilePaths, hookSucceeded, isFileWrite, isRunByPackageManager, resolvePath } from '../../predicates/nodeFiles';
import { argumentList, baseName, isExec, isInContainer, isSystemWorkload } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

interface Drift {
  technique: string;
  file: string;
}

/** The directories of a container's programs: a file written there at run time is a program the image did not ship. */
const BINARY_DIRECTORY = /^\/(usr\/(local\/)?)?s?bin\/[^/]+$/;
/** chmod modes that make a file executable: `+x`, `u+x`, `a+rx`, `755`, `0700`, `775` (any octal mode whose owner digit is odd). */
const EXECUTABLE_SYMBOLIC = /^[ugoa]*[+=][rwXst]*x/;
const EXECUTABLE_OCTAL = /^0?[0-7]?[1357][0-7]{2}$/;

/** `chmod` making files executable, and the first file it names. */
function madeExecutable(process: NodeProcess): string | undefined {
  const args = argumentList(process);
  const operands = baseName(process.binary) === 'busybox' && args[0] === 'chmod' ? args.slice(1) : baseName(process.binary) === 'chmod' ? args : undefined;
  if (operands === undefined) return undefined;
  const [mode, ...files] = operands.filter((word) => !/^-[a-zA-Z]+$|^--/.test(word));
  if (mode === undefined || !(EXECUTABLE_SYMBOLIC.test(mode) || EXECUTABLE_OCTAL.test(mode))) return undefined;
  const first = files[0];
  return first === undefined ? undefined : (resolvePath(first, process.cwd) ?? first);
}

/**
 * How a container drifts from its image at run time: a process outside the container's init tree (a `kubectl exec`
 * session, a web shell) makes a file executable, or a program file is written into a binary directory. Tetragon
 * reports no overlay "upper layer" flag on exec (its `binary_properties` tell setuid, file capabilities and unlinked
 * files only), so a program run from a new file is seen by its making instead.
 * Entrypoints (the init tree), package managers and platform pods are expected.
 */
function driftOf(event: NodeEvent, context: DetectionContext): Drift | undefined {
  if (!isInContainer(event) || isSystemWorkload(event, context) || event.process.inInitTree === true || isRunByPackageManager(event, context)) return undefined;
  if (event.hook !== undefined) {
    if (!isFileWrite(event) || !hookSucceeded(event.hook)) return undefined;
    const file = hookFilePaths(event).find((path) => BINARY_DIRECTORY.test(path));
    return file === undefined ? undefined : { technique: 'program file written into a binary directory', file };
  }
  // Only a process known to be outside the init tree: entrypoints make their scripts executable all the time.
  if (!isExec(event) || event.process.inInitTree !== false) return undefined;
  const file = madeExecutable(event.process);
  return file === undefined ? undefined : { technique: 'file made executable by a process outside the container\'s init tree', file };
}

const execSession = { binary: '/bin/sh' };

export const binaryDrift = defineNodeRule({
  id: 'binary-drift',
  alertType: 'K8S.NODE_BinaryDrift',
  displayName: 'Container drifted from its image: new executable',
  description:
    'A running container gained a program its image did not ship: a file was made executable (chmod +x, 755) by a ' +
    'process outside the container\'s init tree (a kubectl exec session, a web shell, a command injection), or a file was ' +
    'written into a binary directory (/bin, /usr/bin, /usr/local/bin, ...). Containers are immutable by design; dropping ' +
    'and running a new binary is what attackers do right after getting in (miners, scanners, backdoors). Falco\'s drift ' +
    'rules, which see the overlay upper layer, raise this rule too. Entrypoints, package managers and platform pods are ' +
    'expected. Needs Tetragon\'s `in_init_tree` for the chmod case.',
  severity: Severity.Medium,
  intent: Intent.Execution,
  techniques: ['T1105', 'T1222.002'],
  remediation: [
    'Look at the new file (its name, where it came from: the parent process, a preceding download) and at what ran it.',
    'Redeploy the workload from its image and find how the session or command got into the container.',
    'Prevent drift: a read-only root file system (`readOnlyRootFilesystem: true`), no shell or package manager in the image, and `kubectl exec` limited to operators.',
  ],
  falsePositives: [
    'Operators installing a debugging tool in a running container.',
    'Images that install plugins or tools at run time outside their entrypoint (some CI agents, Jupyter): add their pods to `systemWorkloads` if that is accepted.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1105/',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    'https://tetragon.io/docs/reference/grpc-api/#process',
    'https://learn.microsoft.com/azure/defender-for-cloud/binary-drift-detection',
  ],
  equivalents: {
    defender: [],
    falco: ['Drop and execute new binary in container', 'Container Drift Detected (chmod)', 'Container Drift Detected (open+create)'],
    guardDuty: ['Execution:Runtime/NewBinaryExecuted'],
    elastic: [],
  },
  eventTypes: ['process_exec', 'process_kprobe', 'process_lsm'],
  match: (event, context) => driftOf(event, context) !== undefined,
  entities: (event, context) => {
    const file = driftOf(event, context)?.file ?? (typeof event.falco?.outputFields['proc.exepath'] === 'string' ? event.falco.outputFields['proc.exepath'] : undefined);
    return [...nodeEventEntities(event), ...(file === undefined ? [] : [{ type: EntityType.file, name: file, hostName: event.nodeName } satisfies AlertEntity])];
  },
  details: (event, context) => {
    const drift = driftOf(event, context);
    return {
      ...(drift === undefined ? {} : { technique: drift.technique, file: drift.file }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, driftOf(event, context)?.file ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'a kubectl exec session makes a downloaded file executable',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/chmod', arguments: '+x /tmp/xmrig', cwd: '/tmp', inInitTree: false, parent: execSession }),
    },
    {
      name: 'curl writes a program into /usr/local/bin',
      expect: 'alert',
      event: fileAccessEvent({ process: { binary: '/usr/bin/curl', arguments: '-sLo /usr/local/bin/kubectl https://dl.k8s.io/release/v1.31.0/bin/linux/amd64/kubectl' }, path: '/usr/local/bin/kubectl', write: true }),
    },
    {
      name: 'Falco reports a binary not in the image executed',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Drop and execute new binary in container',
        priority: 'Critical',
        outputFields: { 'proc.name': 'xmrig', 'proc.exepath': '/tmp/xmrig', 'proc.cmdline': 'xmrig -o pool.example:3333', 'proc.is_exe_upper_layer': true },
        tags: ['maturity_stable', 'container', 'process', 'mitre_persistence', 'TA0003', 'PCI_DSS_11.5.1'],
      }),
    },
    {
      name: 'an entrypoint makes its start script executable',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/chmod', arguments: '+x /app/start.sh', inInitTree: true, parent: { binary: '/bin/sh', arguments: '/docker-entrypoint.sh' } }),
    },
    {
      name: 'a session changes a file\'s mode without making it executable',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/chmod', arguments: '644 /app/config.yaml', inInitTree: false, parent: execSession }),
    },
    {
      name: 'a chmod +x whose place in the process tree the sensor does not report',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/chmod', arguments: '+x /app/run.sh', parent: execSession }),
    },
    {
      name: 'python reads its interpreter from /usr/bin',
      expect: 'none',
      event: fileAccessEvent({ process: { binary: '/usr/bin/python3', arguments: 'app.py' }, path: '/usr/bin/python3' }),
    },
  ],
});
