import { type NodeEvent, NodeEventType } from '../../../node/nodeEvent';
import { type ExamplePod, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { commandLineOf, nodeEventEntities } from '../../nodeEntities';
import {
  isContainerStartup,
  isExec,
  isExecProbe,
  isInContainer,
  isInteractiveExecShell,
  isShell,
  isSystemWorkload,
} from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/** A week of learning from the start of a test cluster (the pipeline's default). */
const LEARNING = { learningPeriodInMs: 7 * 24 * 60 * 60 * 1000, learningStart: '2026-11-02T00:00:00Z' };

/** The one value of every profile: whether the workload's container ever ran a shell. */
const SHELL = 'shell';

/** `contoso.azurecr.io/shop/api:2.14.0` or `...@sha256:...` -> `contoso.azurecr.io/shop/api` (a new tag is the same image line). */
function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/**
 * Whose profile: the workload and the container's name (`Deployment shop/api, container api`), which persist while pods and
 * containers are replaced; a sidecar (istio-proxy) has its own. Without a workload (the sensor did not resolve the owner),
 * the image's repository in the namespace; the pod as a last resort.
 */
function workloadKeyOf(event: NodeEvent): string | undefined {
  const pod = event.process.pod;
  if (pod === undefined) return undefined;
  const image = pod.container?.image?.name ?? pod.container?.image?.id;
  const where =
    pod.workload !== undefined && pod.workload !== ''
      ? `${pod.workloadKind ?? 'workload'} ${pod.namespace}/${pod.workload}`
      : image !== undefined && image !== ''
        ? `image ${repositoryOf(image)} in ${pod.namespace}`
        : `pod ${pod.namespace}/${pod.name}`;
  const container = pod.container?.name;
  return container === undefined || container === '' ? where : `${where}, container ${container}`;
}

/**
 * Cheap first: the one field check that drops every non-exec event, then whether it is a shell in a container, then the
 * exclusions: exec probes, the entrypoint's own shells at container start (every new workload would alert otherwise), the
 * interactive exec shells (interactive-shell-in-container reports each of them), listed system workloads.
 */
function isWatched(event: NodeEvent, context: DetectionContext): boolean {
  return (
    isExec(event) &&
    isInContainer(event) &&
    isShell(event.process, context) &&
    !isExecProbe(event) &&
    !isContainerStartup(event) &&
    !isInteractiveExecShell(event, context) &&
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
  startTime: '2026-11-02T08:15:40Z',
};
/** A worker whose code runs `sh -c` for its jobs; its pods are replaced between the two sightings. */
const worker = (name: string, startTime: string): ExamplePod => ({
  namespace: 'shop',
  name,
  container: 'worker',
  image: 'contoso.azurecr.io/shop/worker:1.8.3',
  workload: 'worker',
  workloadKind: 'Deployment',
  startTime,
});
const shim = { binary: '/usr/bin/containerd-shim-runc-v2', arguments: '-namespace k8s.io -id 3f2a9c81d7e4 -address /run/containerd/containerd.sock', pod: null };
const workerJob = (pod: ExamplePod, time: string, pid: number): Record<string, unknown> =>
  processExecEvent({
    binary: '/bin/sh',
    arguments: '-c "pg_dump --format=custom --file=/backup/orders.dump orders"',
    pid,
    time,
    pod,
    parent: { binary: '/usr/local/bin/python3.12', arguments: '/app/worker.py', pid: pid - 1 },
  });

/**
 * Not interactive-shell-in-container's single event (a terminal, `kubectl exec -it`, whatever came before): novelty. Any
 * shell (`sh -c ...` from an exec, a remote code execution, a dropped script) in a workload whose container never ran one
 * since Argus watched the cluster. The interactive exec shells are left to that rule, so one shell raises one of the two.
 */
export const firstShellInContainer = defineNodeRule({
  id: 'first-shell-in-container',
  alertType: 'K8S.NODE_FirstShellInContainer',
  displayName: 'Shell in a container whose workload never ran one',
  description:
    'A shell (sh, bash, ash, dash, zsh, BusyBox sh) ran in a container whose workload (Deployment, StatefulSet, DaemonSet, ' +
    'Job ...; its image when the owner is unknown) never ran one since Argus started watching the cluster. Containers are ' +
    'replaced, workloads persist: most workloads either run shells all the time (entrypoint scripts, jobs that shell out) or ' +
    'never do. A first shell in one that never did is a command run with `kubectl exec`, a remote code execution or a dropped ' +
    'script. Exec probes, the entrypoint\'s own shells in the first two minutes of a container, the interactive exec shells ' +
    '(reported by interactive-shell-in-container) and listed system workloads are not counted. Silent while the cluster is ' +
    'learning (default 7 days); the alert names the workload and since when Argus watched it.',
  // New alert type in Defender's node style. Medium: Elastic's "Unusual Interactive Process Launched in a Container" rates
  // its new-terms rule medium too; a workload doing what it never did deserves a look the same day.
  severity: Severity.Medium,
  intent: Intent.Execution,
  techniques: ['T1059.004'],
  remediation: [
    'Find what started the shell (its parent in the alert): the container runtime (an exec: the exec request in the audit log names who ran it), the application (a remote code execution: look at its requests at that time), or a file the application does not ship.',
    'If nobody can explain it, treat the pod as compromised: isolate it with a network policy, keep its logs and file system, delete it, and rotate its service-account token and mounted secrets.',
    'Ship images without shells (distroless, scratch) where the application does not need one, and grant `pods/exec` only to the people who need it.',
  ],
  falsePositives: [
    'A workload deployed after the learning period that shells out later in its life (its first shell alerts once).',
    'An operator running a one-off command with `kubectl exec <pod> -- sh -c ...` (the audit log names them).',
    'A new version of an application that starts calling shell scripts.',
  ],
  references: [
    'https://attack.mitre.org/techniques/T1059/004/',
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/bash%20or%20cmd%20inside%20container/',
    'https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/',
  ],
  // Falco's shell rules (`Terminal shell in container`, `Run shell untrusted`) judge one event and keep no baseline; naming
  // one here would route its alerts to this rule instead of interactive-shell-in-container or falco-alert.
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Unusual Interactive Process Launched in a Container'],
  },
  eventTypes: [NodeEventType.processExec],
  match: isWatched,
  stateful: {
    kind: 'firstSeen',
    subject: workloadKeyOf,
    value: () => SHELL,
    valueName: 'kind of process',
  },
  entities: (event) => nodeEventEntities(event),
  details: (event) => ({ shell: event.process.binary, command: commandLineOf(event.process), workload: workloadKeyOf(event) ?? '' }),
  dedupKey: (event) => `${workloadKeyOf(event) ?? `node:${event.nodeName}`}|first-shell`,
  examples: [
    {
      name: 'one shell alone says nothing of what the workload ran before (first-seen rules alert over time)',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "cat /etc/passwd"', pod: api, parent: shim, time: '2026-11-10T01:48:09.660291Z' }),
    },
    {
      name: 'a liveness probe runs sh -c (an exec probe)',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/sh', arguments: '-c "pg_isready -U postgres"', pod: { ...api, maybeExecProbe: true }, time: '2026-11-10T01:47:00.000000Z' }),
    },
    {
      name: 'a shell on the node (not in a container)',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/bash', arguments: '', pod: null, parent: { binary: '/usr/sbin/sshd', arguments: '-D -R', pod: null } }),
    },
  ],
  timelines: [
    {
      name: 'after a learning week in which only the worker ran shells, an exec runs sh -c "cat /etc/passwd; env" in the api Deployment',
      expect: 'alert',
      ...LEARNING,
      events: [
        workerJob(worker('worker-6c7d8e9f0a-m4n5p', '2026-11-02T08:16:02Z'), '2026-11-03T02:00:04.118204Z', 9102),
        processExecEvent({ binary: '/usr/local/bin/node', arguments: '/app/server.js', pod: api, inInitTree: true, time: '2026-11-02T08:15:41.402117Z', pid: 4850 }),
        processExecEvent({ binary: '/bin/sh', arguments: '-c "cat /etc/passwd; env"', pod: api, parent: shim, time: '2026-11-10T01:48:09.660291Z', pid: 7321 }),
      ],
    },
    {
      name: "the api Deployment's first shell comes during the learning week: learned, not reported",
      expect: 'none',
      ...LEARNING,
      events: [processExecEvent({ binary: '/bin/sh', arguments: '-c "ls /app/config"', pod: api, parent: shim, time: '2026-11-05T14:20:31.771204Z', pid: 7101 })],
    },
    {
      name: 'the worker runs a shell during the learning week and again after it, from a replaced pod',
      expect: 'none',
      ...LEARNING,
      events: [
        workerJob(worker('worker-6c7d8e9f0a-m4n5p', '2026-11-02T08:16:02Z'), '2026-11-03T02:00:04.118204Z', 9102),
        workerJob(worker('worker-6c7d8e9f0a-q8r2t', '2026-11-09T17:40:55Z'), '2026-11-10T02:00:03.550194Z', 9388),
      ],
    },
    {
      name: "after the learning week: Container Insights' ama-logs (a system workload) runs a shell",
      expect: 'none',
      ...LEARNING,
      events: [
        processExecEvent({
          binary: '/bin/bash',
          arguments: '-c "df -P | tail -n +2"',
          pid: 8801,
          time: '2026-11-10T05:00:01.215530Z',
          pod: {
            namespace: 'kube-system',
            name: 'ama-logs-x7k2p',
            container: 'ama-logs',
            image: 'mcr.microsoft.com/azuremonitor/containerinsights/ciprod:3.1.24',
            workload: 'ama-logs',
            workloadKind: 'DaemonSet',
            startTime: '2026-11-08T09:12:44Z',
          },
          parent: { binary: '/usr/bin/ruby', arguments: '/opt/microsoft/omsagent/plugin/in_kube_health.rb', pid: 8790 },
        }),
      ],
    },
    {
      name: 'after the learning week: kubectl exec -it into the api Deployment (reported by interactive-shell-in-container)',
      expect: 'none',
      ...LEARNING,
      events: [processExecEvent({ binary: '/bin/bash', arguments: '', pod: api, parent: shim, time: '2026-11-10T03:12:44.302117Z', pid: 7455 })],
    },
    {
      name: "after the learning week: a new StatefulSet's entrypoint script runs sh as its container starts",
      expect: 'none',
      ...LEARNING,
      events: [
        processExecEvent({
          binary: '/bin/sh',
          arguments: '-c "chown -R postgres:postgres /var/lib/postgresql/data"',
          pid: 4852,
          inInitTree: true,
          time: '2026-11-10T06:00:03.402117Z',
          pod: { namespace: 'data', name: 'orders-db-0', container: 'postgres', image: 'docker.io/library/postgres:16.4', workload: 'orders-db', workloadKind: 'StatefulSet', startTime: '2026-11-10T06:00:01Z' },
          parent: { binary: '/bin/bash', arguments: '/usr/local/bin/docker-entrypoint.sh postgres', pid: 4850, inInitTree: true },
        }),
      ],
    },
  ],
});
