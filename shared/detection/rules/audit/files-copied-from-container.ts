import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { execEvent } from '../../exampleEvents';
import { classifyCommandLine, CommandCategory, execCommandArgs, execEntities, redactedExecCommand, streamContainerName } from '../../predicates/commandLines';
import { isSystemRequest } from '../../predicates/identities';
import { isPodStreamRequest, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { defineRule, Intent, Severity } from '../../rule';

/** Shells whose `-c` script kubectl uses when it resumes a copy (`sh -c "tar cf - /x | tail -c+N"`). */
const SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh']);
const COMMAND_SEPARATORS: ReadonlySet<string> = new Set(['|', '||', '&&', ';', '&']);
/** Paths named in an alert at most (a copy may name many files). */
const MAX_PATHS = 10;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The words of the command: its arguments, or the words of the script of `sh -c '...'`. */
function commandWords(args: readonly string[]): string[] {
  const [program, flag, script] = args;
  if (program !== undefined && SHELLS.has(baseName(program)) && flag === '-c' && script !== undefined) {
    return script
      .replace(/([|;&]+)/g, ' $1 ')
      .split(/\s+/)
      .filter((word) => word !== '')
      .map((word) => word.replace(/^["']|["']$/g, ''));
  }
  return [...args];
}

/** Programs that run the command after them (`busybox tar`, `sudo tar`, `exec tar`). */
const COMMAND_PREFIXES: ReadonlySet<string> = new Set(['busybox', 'sudo', 'exec', 'env', 'nice', 'nohup', 'command']);

/** The word runs `tar`: it names tar and stands where a command starts (first, after a separator or a prefix). */
function isTarCommand(words: readonly string[], index: number): boolean {
  const word = words[index];
  if (word === undefined || baseName(word) !== 'tar') return false;
  const previous = words[index - 1];
  return previous === undefined || COMMAND_SEPARATORS.has(previous) || COMMAND_PREFIXES.has(baseName(previous));
}

/** The options and operands of the first `tar` command in the words, up to the next command separator. */
function tarArguments(words: readonly string[]): string[] | undefined {
  const start = words.findIndex((_word, index) => isTarCommand(words, index));
  if (start === -1) return undefined;
  const rest = words.slice(start + 1);
  const end = rest.findIndex((word) => COMMAND_SEPARATORS.has(word));
  return end === -1 ? rest : rest.slice(0, end);
}

/** The archive file names standard output. */
function isStdout(file: string): boolean {
  return file === '-' || file === '/dev/stdout' || file === '/dev/fd/1' || file === '/proc/self/fd/1';
}

interface TarArchive {
  /** The archive is written to standard output, that is, streamed back to the client. */
  toStdout: boolean;
  /** The files and directories archived, as named (joined to a `-C` directory). */
  paths: string[];
}

/**
 * What a `tar` that creates an archive packs and where the archive goes; undefined when the words run no tar or a tar
 * that extracts or lists. Reads old-style bundled options (`cf`), short (`-czf`) and long ones (`--create`, `--file=-`).
 */
function tarArchiveOf(words: readonly string[]): TarArchive | undefined {
  const args = tarArguments(words);
  if (args === undefined) return undefined;
  let create = false;
  let fileOption = false;
  let toStdout = false;
  let directory: string | undefined;
  const operands: string[] = [];
  let expectsValue: 'file' | 'directory' | undefined;
  let operandsOnly = false;
  args.forEach((arg, index) => {
    if (expectsValue !== undefined) {
      if (expectsValue === 'file' && isStdout(arg)) toStdout = true;
      if (expectsValue === 'directory') directory = arg;
      expectsValue = undefined;
      return;
    }
    if (operandsOnly || arg === '-' || (!arg.startsWith('-') && index > 0)) {
      if (arg !== '-') operands.push(arg);
      return;
    }
    if (arg === '--') {
      operandsOnly = true;
    } else if (arg.startsWith('--')) {
      const [name, value] = arg.split('=', 2);
      if (name === '--create') create = true;
      if (name === '--file') {
        fileOption = true;
        if (value === undefined) expectsValue = 'file';
        else if (isStdout(value)) toStdout = true;
      }
      if (name === '--directory') {
        if (value === undefined) expectsValue = 'directory';
        else directory = value;
      }
    } else {
      // Bundled letters: `cf` as the first argument (old style) or `-czf`; `f` and `C` take the next argument (or the rest, `-f-`).
      const letters = arg.startsWith('-') ? arg.slice(1) : arg;
      for (let position = 0; position < letters.length; position++) {
        const letter = letters.charAt(position);
        if (letter === 'c') create = true;
        if (letter === 'f' || letter === 'C') {
          const attached = letters.slice(position + 1);
          if (letter === 'f') fileOption = true;
          if (attached === '') expectsValue = letter === 'f' ? 'file' : 'directory';
          else if (letter === 'f') toStdout = isStdout(attached);
          else directory = attached;
          break;
        }
      }
    }
  });
  if (!create) return undefined;
  const paths = operands.map((operand) => (directory === undefined || operand.startsWith('/') ? operand : `${directory.replace(/\/$/, '')}/${operand}`));
  // Without -f, tar writes the archive to standard output (the default device of the tar builds found in images).
  return { toStdout: toStdout || !fileOption, paths };
}

/** The paths a `kubectl cp` from the container (or an equivalent `kubectl exec ... tar c`) copied out; undefined for anything else. */
function copiedPaths(event: AuditEvent): string[] | undefined {
  if (!isPodStreamRequest(event, 'exec')) return undefined;
  const archive = tarArchiveOf(commandWords(execCommandArgs(event)));
  return archive?.toStdout === true ? archive.paths : undefined;
}

function copiesCredentials(event: AuditEvent): boolean {
  return classifyCommandLine((copiedPaths(event) ?? []).join(' ')).some((match) => match.category === CommandCategory.credentialAccess);
}

function raisesSeverity(event: AuditEvent, context: DetectionContext): boolean {
  return context.lists.infrastructureNamespaces.matches(namespaceOf(event)) || copiesCredentials(event);
}

const web1 = { namespace: 'shop', pod: 'web-7d9f8c6b5-x2k4q', container: 'web', streams: ['stdout', 'stderr'] as const };

export const filesCopiedFromContainer = defineRule({
  id: 'files-copied-from-container',
  alertType: 'K8S_FilesCopiedFromContainer',
  displayName: 'Files copied out of a container (kubectl cp)',
  description:
    'Files were copied out of a running container through the API server: `kubectl cp <pod>:<path> <local>` runs `tar cf - <path>` ' +
    'in the container with exec and unpacks the archive on the client (as does `kubectl exec ... -- tar c...` by hand). Whatever ' +
    'the container can read leaves the cluster this way: application data, configuration, mounted secrets and service-account ' +
    'tokens. The exec alert (exec-into-pod) is raised for the same request as well; this one says that data was taken and which ' +
    'paths. Copies into a container (`kubectl cp <local> <pod>:<path>`, which runs `tar -xmf -`) are not reported here: they are ' +
    'execs that write files, reported by exec-into-pod.',
  // New alert type. Low: operators copy logs and dumps out of containers; Medium from a platform namespace or when the copied paths
  // hold credentials (tokens, kubeconfig, keys) (severityFor).
  severity: Severity.Low,
  severityFor: (event, context) => (raisesSeverity(event, context) ? Severity.Medium : Severity.Low),
  intent: Intent.Exfiltration,
  // T1041: the archive leaves over the API server connection the caller already controls the container with.
  techniques: ['T1005', 'T1560.001', 'T1041', 'T1609'],
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  resources: ['pods'],
  remediation: [
    'Ask the account owner what was copied and why; check the paths reported against what the container holds (mounted secrets, tokens, data volumes).',
    'If the copy was not expected, rotate every credential under the copied paths, treat the data as disclosed, and review the account\'s other requests.',
    'Grant `pods/exec` (which `kubectl cp` needs) only to operators who need it, ideally through just-in-time access.',
  ],
  falsePositives: [
    'Operators copying logs, heap dumps or database exports out of a container while troubleshooting.',
    'Backup or support tools that collect files with `kubectl cp`.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/kubectl/generated/kubectl_cp/',
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Exec%20into%20container/',
    'https://attack.mitre.org/techniques/T1005/',
    'https://attack.mitre.org/techniques/T1560/001/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: [] },
  match: (event, context) => copiedPaths(event) !== undefined && succeeded(event) && !isSystemRequest(event, context),
  entities: (event) => [
    ...execEntities(event),
    ...(copiedPaths(event) ?? []).slice(0, MAX_PATHS).map((path): AlertEntity => ({ type: EntityType.file, name: redactText(path) })),
  ],
  details: (event) => {
    const container = streamContainerName(event);
    return {
      copiedPaths: redactText((copiedPaths(event) ?? []).join(', ')),
      command: redactedExecCommand(event) ?? '',
      ...(container === undefined ? {} : { container }),
    };
  },
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${event.objectRef?.name ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'kubectl cp copies a directory out of a container',
      expect: 'alert',
      event: execEvent({ ...web1, command: ['tar', 'cf', '-', '/app/data'] }),
    },
    {
      name: 'kubectl cp (WebSocket, newer kubectl) copies a file with -C and --',
      expect: 'alert',
      event: execEvent({ ...web1, verb: 'get', command: ['tar', 'cf', '-', '-C', '/etc/app', '--', 'settings.yaml'] }),
    },
    {
      name: 'kubectl cp resumes a copy of the service-account token directory from a kube-system pod',
      expect: 'alert',
      event: execEvent({
        namespace: 'kube-system',
        pod: 'coredns-6f9c8d7b5-q8w2e',
        container: 'coredns',
        streams: ['stdout', 'stderr'],
        command: ['sh', '-c', 'tar cf - /var/run/secrets/kubernetes.io/serviceaccount | tail -c+10241'],
      }),
    },
    {
      name: 'a compressed archive streamed out by hand',
      expect: 'alert',
      event: execEvent({ ...web1, command: ['tar', '-czf', '-', '/var/lib/postgresql/data'] }),
    },
    {
      name: 'busybox tar writes the archive to /dev/stdout',
      expect: 'alert',
      event: execEvent({ ...web1, command: ['busybox', 'tar', '-c', '-f', '/dev/stdout', '/etc/nginx'] }),
    },
    {
      name: 'kubectl cp copies a file into a container (tar -xmf -)',
      expect: 'none',
      event: execEvent({ ...web1, streams: ['stdin', 'stdout', 'stderr'], command: ['tar', '-xmf', '-', '-C', '/tmp'] }),
    },
    {
      name: 'an archive written to a file inside the container',
      expect: 'none',
      event: execEvent({ ...web1, command: ['tar', 'czf', '/tmp/backup.tgz', '/app/data'] }),
    },
    {
      name: 'a listing of an archive',
      expect: 'none',
      event: execEvent({ ...web1, command: ['tar', 'tvf', '/tmp/backup.tgz'] }),
    },
    {
      name: 'a command that only names the tar binary',
      expect: 'none',
      event: execEvent({ ...web1, command: ['sh', '-c', 'ls -l /bin/tar cf'] }),
    },
    {
      name: 'an interactive shell',
      expect: 'none',
      event: execEvent({ ...web1, streams: ['stdin', 'stdout', 'tty'], command: ['sh'] }),
    },
    {
      name: 'a copy out refused by RBAC',
      expect: 'none',
      event: execEvent({ ...web1, command: ['tar', 'cf', '-', '/app/data'], code: 403, stage: AuditStage.ResponseComplete }),
    },
    {
      name: 'the AKS control plane archives a directory in a kube-system pod',
      expect: 'none',
      event: execEvent({
        namespace: 'kube-system',
        pod: 'konnectivity-agent-5c7d9b8f6-m2n4p',
        container: 'konnectivity-agent',
        streams: ['stdout'],
        command: ['tar', 'cf', '-', '/var/log/konnectivity'],
        user: 'aksService',
      }),
    },
  ],
});
