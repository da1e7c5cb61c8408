import { type NodeEvent, NodeEventType } from '../../../node/nodeEvent';
import { processExecEvent } from '../../../node/exampleNodeEvents';
import { commandLineOf, nodeEventEntities } from '../../nodeEntities';
import { argumentList, baseName, isExec, processName } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

/** The file name whose execution raises Argus's node test alert (documented in the README; used by the simulation). */
export const NODE_ALERT_TEST_MARKER = 'argus_alerttest_node';
/** Defender for Containers' node test marker, so that existing runbooks prove Argus too. */
export const DEFENDER_NODE_ALERT_TEST_MARKER = 'asc_alerttest_662jfi039n';
const markers: ReadonlySet<string> = new Set([NODE_ALERT_TEST_MARKER, DEFENDER_NODE_ALERT_TEST_MARKER]);
const MARKER_FRAGMENT = /_alerttest_/i;

/** The marker the process runs or names (as its binary, or as an argument: `cp /bin/echo ./asc_alerttest_662jfi039n`). */
function markerOf(event: NodeEvent): string | undefined {
  const process = event.process;
  if (markers.has(processName(process).toLowerCase())) return processName(process).toLowerCase();
  for (const arg of argumentList(process)) {
    // Both markers hold `_alerttest_`: an argument without it names neither.
    if (!MARKER_FRAGMENT.test(arg)) continue;
    for (const word of arg.split(/[\s;&|]+/)) {
      const name = baseName(word).toLowerCase();
      if (markers.has(name)) return name;
    }
  }
  return undefined;
}

export const nodeTestAlert = defineNodeRule({
  id: 'node-test-alert',
  alertType: 'K8S.NODE_EICAR',
  displayName: 'Argus node test alert (not a threat)',
  description:
    `A process ran (or named) the test marker \`${NODE_ALERT_TEST_MARKER}\`. This is the documented way to prove that a ` +
    "node sensor's events reach Argus and raise alerts: copy any harmless binary to a file of that name in a container and " +
    `run it. Defender for Containers' node test (a file named \`${DEFENDER_NODE_ALERT_TEST_MARKER}\`) raises it too, and ` +
    'the simulation uses it.',
  // High, as Defender's own node test alert: notification rules usually forward High alerts, and the test must reach them.
  severity: Severity.High,
  intent: Intent.Execution,
  techniques: [],
  remediation: ['Nothing to do: this alert exists to test the pipeline. Delete the test pod when the test is over.'],
  falsePositives: ['Every hit is intended: the marker names are reserved for this test.'],
  references: ['https://learn.microsoft.com/azure/defender-for-cloud/alert-validation#simulate-alerts-on-kubernetes-'],
  equivalents: { defender: ['K8S.NODE_EICAR'], falco: [], guardDuty: [], elastic: [] },
  eventTypes: [NodeEventType.processExec],
  match: (event) => isExec(event) && markerOf(event) !== undefined,
  entities: (event) => nodeEventEntities(event),
  details: (event) => ({ command: commandLineOf(event.process), marker: markerOf(event) ?? '' }),
  // One alert per test run in a container: the copy, the run and the shell around them are the same test.
  dedupKey: (event) => {
    const pod = event.process.pod;
    return `${pod === undefined ? `node:${event.nodeName}` : `${pod.namespace}/${pod.name}`}|${markerOf(event) ?? ''}`;
  },
  examples: [
    {
      name: `the Argus test marker runs in a container (/${NODE_ALERT_TEST_MARKER})`,
      expect: 'alert',
      event: processExecEvent({
        binary: `/${NODE_ALERT_TEST_MARKER}`,
        arguments: 'testing argus node pipeline',
        pod: { namespace: 'argus-alerttest', name: 'alerttest-node', container: 'alerttest', image: 'docker.io/library/busybox:1.36', workload: 'alerttest-node', workloadKind: 'Pod' },
        parent: { binary: '/bin/sh', arguments: `-c "cp /bin/echo /${NODE_ALERT_TEST_MARKER} && /${NODE_ALERT_TEST_MARKER} testing argus node pipeline"` },
      }),
    },
    {
      name: "Defender's node test command (sh -c naming asc_alerttest_662jfi039n)",
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: `-c "cp /bin/echo ./${DEFENDER_NODE_ALERT_TEST_MARKER} && ./${DEFENDER_NODE_ALERT_TEST_MARKER} testing eicar pipe"`,
        cwd: '/',
      }),
    },
    {
      name: 'echo runs normally',
      expect: 'none',
      event: processExecEvent({ binary: '/bin/echo', arguments: 'testing pipeline', pod: { namespace: 'argus-alerttest', name: 'alerttest-node', container: 'alerttest', image: 'docker.io/library/busybox:1.36' } }),
    },
    {
      name: 'a file merely named like the test (argus_alerttest_nodes.log)',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/tail', arguments: '-n 20 /var/log/argus_alerttest_nodes.log' }),
    },
  ],
});
