import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type DetectionRecord } from '../../../shared/detection/detectionRecord';
import { type Rule } from '../../../shared/detection/rule';
import { containerReconnaissanceBurst } from '../../../shared/detection/rules/node/container-reconnaissance-burst';
import { firstShellInContainer } from '../../../shared/detection/rules/node/first-shell-in-container';
import { interactiveShellInContainer } from '../../../shared/detection/rules/node/interactive-shell-in-container';
import { evaluateWithMemory } from '../../../shared/detection/stateful/runTimeline';
import { type RuleTimeline } from '../../../shared/detection/stateful/statefulLogic';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { type ClusterIdentity } from '../../../shared/kubernetes/auditEvent';
import { decodeNodeInput } from '../../../shared/node/decodeNodeInput';
import { detectionRecordOf, evaluate } from '../../support/ruleHarness';

/**
 * The node plane's stateful rules beyond the catalogue: each exclusion a near-miss timeline relies on is shown to matter
 * (the same events without it alert), the alert explains itself, and the burst stays silent over the benign node baseline.
 */

function timelineOf(rule: Rule, name: string): RuleTimeline {
  const timeline = rule.timelines?.find((candidate) => candidate.name.startsWith(name));
  if (timeline === undefined) throw new Error(`no timeline "${name}" in ${rule.id}`);
  return timeline;
}

function alertsOf(rule: Rule, timeline: RuleTimeline, mutate: (event: Record<string, unknown>) => Record<string, unknown> = (event) => event) {
  const records = timeline.events.map((event, index) => detectionRecordOf(mutate(structuredClone<Record<string, unknown>>(event)), index));
  const learningStart = timeline.learningStart === undefined ? undefined : Date.parse(timeline.learningStart);
  return evaluateWithMemory(records, {
    rules: [rule],
    learningPeriodInMs: timeline.learningPeriodInMs ?? 0,
    ...(learningStart === undefined ? {} : { learningStartOf: () => learningStart }),
  }).statefulFindings;
}

/** The raw Tetragon process of a `process_exec` event, for editing a copy. */
function processOf(event: Record<string, unknown>): Record<string, unknown> {
  return (event.process_exec as { process: Record<string, unknown> }).process;
}

function podOf(event: Record<string, unknown>): Record<string, unknown> {
  return processOf(event).pod as Record<string, unknown>;
}

describe('container-reconnaissance-burst', () => {
  const rule = containerReconnaissanceBurst;

  it('when the exec session runs seven commands within a minute, then one alert names the container, the commands and the span', () => {
    const [finding, ...more] = alertsOf(rule, timelineOf(rule, 'an exec session in the api container'));
    expect(more).toEqual([]);
    expect(finding?.details['burstKey']).toMatch(/^container shop\/api-5b6c7d8e9f-k3j2h\/api \([0-9a-f]{12}\)$/);
    expect(finding?.details['burstValues']).toBe('cat /etc/passwd, hostname, id, uname, whoami');
    expect(finding?.details['explanation']).toContain('5 distinct reconnaissance commands within 1 minute(s)');
    expect(finding?.alertType).toBe('K8S.NODE_ReconnaissanceBurst');
  });

  it('when the ama-logs commands run in an application namespace instead, then they alert (the system-workload exclusion is what keeps them quiet)', () => {
    const timeline = timelineOf(rule, "Container Insights' ama-logs agent");
    expect(alertsOf(rule, timeline)).toHaveLength(0);
    expect(
      alertsOf(rule, timeline, (event) => {
        const pod = podOf(event);
        pod.namespace = 'monitoring';
        return event;
      }),
    ).toHaveLength(1);
  });

  it('when the entrypoint commands run ten minutes after the container started, then they alert (only the start-up is excused)', () => {
    const timeline = timelineOf(rule, 'a PostgreSQL entrypoint script');
    expect(alertsOf(rule, timeline)).toHaveLength(0);
    expect(
      alertsOf(rule, timeline, (event) => {
        (podOf(event).container as Record<string, unknown>).start_time = '2026-11-10T05:50:01Z';
        return event;
      }),
    ).toHaveLength(1);
  });

  it('when the three-minute commands are pressed into 40 seconds, then they alert (the window is what keeps them quiet)', () => {
    const timeline = timelineOf(rule, 'five different commands spread over three minutes');
    expect(alertsOf(rule, timeline)).toHaveLength(0);
    expect(
      alertsOf(rule, timeline, (event) => {
        const time = String(event.time);
        const pressed = `2026-11-10T03:00:${String(Math.round((Date.parse(time) - Date.parse('2026-11-10T03:00:00Z')) / 4500)).padStart(2, '0')}.000000Z`;
        event.time = pressed;
        processOf(event).start_time = pressed;
        return event;
      }),
    ).toHaveLength(1);
  });

  it('when a command is busybox with an applet, a metadata request or a SUID search, then each counts as its own reconnaissance command', () => {
    const base = timelineOf(rule, 'four different commands, some repeated').events;
    const cases = [
      { binary: '/bin/busybox', arguments: 'netstat -tlnp', value: 'netstat' },
      { binary: '/usr/bin/curl', arguments: '-s -H Metadata:true "http://169.254.169.254/metadata/instance?api-version=2021-02-01"', value: 'curl metadata' },
      { binary: '/usr/bin/find', arguments: '/ -perm -4000 -type f', value: 'find -perm' },
      { binary: '/usr/bin/env', arguments: '', value: 'env' },
    ];
    for (const fifth of cases) {
      const event = structuredClone(base[0]) as Record<string, unknown>;
      const raw = processOf(event);
      raw.binary = fifth.binary;
      raw.arguments = fifth.arguments;
      event.time = '2026-11-10T02:10:40.000000Z';
      const findings = alertsOf(rule, { ...timelineOf(rule, 'four different commands, some repeated'), events: [...base, event] });
      expect(findings.map((finding) => finding.details['burstValues'])).toEqual([[fifth.value, 'hostname', 'id', 'uname', 'whoami'].sort().join(', ')]);
    }
  });

  it('when the fifth command is an ordinary use of a reader, curl or env, then it is not counted', () => {
    const base = timelineOf(rule, 'four different commands, some repeated').events;
    for (const fifth of [
      { binary: '/bin/cat', arguments: '/app/config/settings.json' },
      { binary: '/usr/bin/curl', arguments: '-s http://orders.shop.svc.cluster.local/healthz' },
      { binary: '/usr/bin/env', arguments: 'NODE_ENV=production node /app/server.js' },
    ]) {
      const event = structuredClone(base[0]) as Record<string, unknown>;
      const raw = processOf(event);
      raw.binary = fifth.binary;
      raw.arguments = fifth.arguments;
      event.time = '2026-11-10T02:10:40.000000Z';
      expect(alertsOf(rule, { ...timelineOf(rule, 'four different commands, some repeated'), events: [...base, event] })).toEqual([]);
    }
  });

  it('when the events are not process starts, then match rejects them on the event type alone', () => {
    const record = detectionRecordOf(timelineOf(rule, 'an exec session in the api container').events[0]) as DetectionRecord & { signal: 'node' };
    const exit = { ...record.event, type: 'process_exit' as const };
    expect(rule.match(exit, { lists: undefined } as never)).toBe(false);
  });

  it('when the benign node baseline runs through it with memory, then it raises nothing', () => {
    const fixtures = path.join(__dirname, '../../fixtures/node-benign');
    const cluster = parseClusterResourceId(
      '/subscriptions/9f3a2c71-4e5b-4d8a-b6c2-7e1f0a9d3b45/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod',
    ) as ClusterIdentity;
    const records = ['aks-shop-prod-vmss000000.tetragon.ndjson', 'aks-payments-vmss00000a.tetragon.ndjson'].flatMap(
      (file) => decodeNodeInput(readFileSync(path.join(fixtures, file), 'utf8'), { cluster }).records,
    );
    expect(records.length).toBeGreaterThan(1000);
    expect(evaluateWithMemory(records, { rules: [rule] }).statefulFindings).toEqual([]);
  });
});

describe('first-shell-in-container', () => {
  const rule = firstShellInContainer;

  it('when the api Deployment runs its first shell after the learning week, then the alert names the workload and since when Argus watched', () => {
    const [finding, ...more] = alertsOf(rule, timelineOf(rule, 'after a learning week in which only the worker ran shells'));
    expect(more).toEqual([]);
    expect(finding?.details['firstSeenSubject']).toBe('Deployment shop/api, container api');
    expect(finding?.details['explanation']).toBe(
      'Deployment shop/api, container api never showed this kind of process (shell) since Argus started watching the cluster on 2026-11-02T00:00:00.000Z; 0 other value(s) were known.',
    );
    expect(finding?.details['shell']).toBe('/bin/sh');
  });

  it('when the interactive exec shell is judged by both shell rules, then only interactive-shell-in-container alerts', () => {
    const timeline = timelineOf(rule, 'after the learning week: kubectl exec -it');
    expect(alertsOf(rule, timeline)).toHaveLength(0);
    expect(evaluate([interactiveShellInContainer], timeline.events).findings).toHaveLength(1);
  });

  it('when the one-off sh -c exec is judged by both shell rules, then only first-shell-in-container alerts', () => {
    const timeline = timelineOf(rule, 'after a learning week in which only the worker ran shells');
    expect(evaluate([interactiveShellInContainer], timeline.events).findings).toHaveLength(0);
    expect(alertsOf(rule, timeline)).toHaveLength(1);
  });

  it('when the ama-logs shell runs in an application namespace instead, then it alerts (the system-workload exclusion is what keeps it quiet)', () => {
    const timeline = timelineOf(rule, "after the learning week: Container Insights' ama-logs");
    expect(alertsOf(rule, timeline)).toHaveLength(0);
    expect(
      alertsOf(rule, timeline, (event) => {
        podOf(event).namespace = 'monitoring';
        return event;
      }),
    ).toHaveLength(1);
  });

  it('when the entrypoint shell runs outside the init tree, then it alerts (only the start-up of the container is excused)', () => {
    const timeline = timelineOf(rule, "after the learning week: a new StatefulSet's entrypoint");
    expect(alertsOf(rule, timeline)).toHaveLength(0);
    expect(
      alertsOf(rule, timeline, (event) => {
        processOf(event).in_init_tree = false;
        return event;
      }),
    ).toHaveLength(1);
  });

  it('when the worker pod has no workload, then its profile falls back to the image repository, whatever the tag', () => {
    const timeline = timelineOf(rule, 'the worker runs a shell during the learning week and again after it');
    const withoutWorkload = (tag: string) => (event: Record<string, unknown>) => {
      const pod = podOf(event);
      delete pod.workload;
      delete pod.workload_kind;
      (pod.container as { image: { name: string } }).image.name = `contoso.azurecr.io/shop/worker:${tag}`;
      return event;
    };
    expect(alertsOf(rule, timeline, withoutWorkload('1.8.3'))).toHaveLength(0);
    const [learned, later] = timeline.events;
    const findings = alertsOf(rule, { ...timeline, events: [withoutWorkload('1.8.3')(structuredClone(learned) as Record<string, unknown>), withoutWorkload('1.9.0')(structuredClone(later) as Record<string, unknown>)] });
    expect(findings).toHaveLength(0);
    const fresh = alertsOf(rule, { ...timeline, events: [withoutWorkload('1.9.0')(structuredClone(later) as Record<string, unknown>)] });
    expect(fresh.map((finding) => finding.details['firstSeenSubject'])).toEqual(['image contoso.azurecr.io/shop/worker in shop, container worker']);
  });
});
