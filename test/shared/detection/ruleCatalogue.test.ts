import { readdirSync } from 'node:fs';
import path from 'node:path';
import { mergeDetectionLists } from '../../../shared/detection/allowLists';
import { createDetectionContext } from '../../../shared/detection/detectionContext';
import { Intent, type Rule, Severity, SignalSource } from '../../../shared/detection/rule';
import { allRules } from '../../../shared/detection/rules/index';
import { NodeEventType } from '../../../shared/node/nodeEvent';
import { evidenceIdOf } from '../../../shared/detection/detectionRecord';
import { evaluateWithMemory } from '../../../shared/detection/stateful/runTimeline';
import { detectionRecordOf, evaluate } from '../../support/ruleHarness';

const rulesDirectory = path.join(__dirname, '../../../shared/detection/rules');
const techniqueId = /^T\d{4}(\.\d{3})?$/;
/** Defender's styles: `K8S_` for the audit plane, `K8S.NODE_` for the node plane. */
const alertTypeStyle: Record<SignalSource, RegExp> = { audit: /^K8S_[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/, node: /^K8S\.NODE_[A-Za-z0-9]+$/ };
const anyAlertTypeStyle = /^K8S(\.NODE)?_[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/;

function checkSignalMetadata(rule: Rule): void {
  if (rule.source === 'audit') {
    expect(rule.stages.length).toBeGreaterThan(0);
    for (const resource of rule.resources ?? []) expect(resource).toMatch(/^[a-z]+$/);
  } else {
    for (const type of rule.eventTypes ?? []) expect(Object.values(NodeEventType)).toContain(type);
  }
}

describe('rule catalogue', () => {
  it.each(Object.values(SignalSource))('when the %s rules folder is listed, then every rule file is registered in the index under its own id and source', (source) => {
    const files = readdirSync(path.join(rulesDirectory, source))
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(allRules.filter((rule) => rule.source === source).map((rule) => rule.id).sort()).toEqual(files);
  });

  it('when the rules folder is listed, then it holds only the folders of the signal sources', () => {
    const entries = readdirSync(rulesDirectory).filter((entry) => entry !== 'index.ts').sort();
    expect(entries).toEqual(Object.values(SignalSource).sort());
  });

  it('when ids and alert types are compared, then each is unique', () => {
    const ids = allRules.map((rule) => rule.id);
    const alertTypes = allRules.map((rule) => rule.alertType);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(alertTypes).size).toBe(alertTypes.length);
  });

  describe.each(allRules.map((rule) => [rule.id, rule] as const))('%s', (_id, rule) => {
    it('when its metadata is checked, then every required field is present and well-formed', () => {
      expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(rule.alertType).toMatch(alertTypeStyle[rule.source]);
      expect(rule.displayName.length).toBeGreaterThan(5);
      expect(rule.description.length).toBeGreaterThan(40);
      expect(Object.values(Severity)).toContain(rule.severity);
      expect(Object.values(Intent)).toContain(rule.intent);
      for (const technique of rule.techniques) expect(technique).toMatch(techniqueId);
      expect(rule.remediation.length).toBeGreaterThan(0);
      expect(rule.falsePositives.length).toBeGreaterThan(0);
      expect(rule.references.length).toBeGreaterThan(0);
      for (const reference of rule.references) expect(reference).toMatch(/^https:\/\//);
      for (const name of ['defender', 'falco', 'guardDuty', 'elastic'] as const) expect(Array.isArray(rule.equivalents[name])).toBe(true);
      for (const defenderType of rule.equivalents.defender) expect(defenderType).toMatch(anyAlertTypeStyle);
      checkSignalMetadata(rule);
    });

    it('when its examples are counted, then there is at least one that alerts and one that does not (over time for a stateful rule)', () => {
      if (rule.stateful === undefined) {
        expect(rule.examples.some((example) => example.expect === 'alert')).toBe(true);
        expect(rule.timelines ?? []).toEqual([]);
      } else {
        // One event alone shows no pattern over time: a stateful rule alerts in its timelines.
        expect(rule.examples.every((example) => example.expect === 'none')).toBe(true);
        expect(rule.timelines?.some((timeline) => timeline.expect === 'alert')).toBe(true);
        expect(rule.timelines?.some((timeline) => timeline.expect === 'none')).toBe(true);
      }
      expect(rule.examples.some((example) => example.expect === 'none')).toBe(true);
      const names = [...rule.examples.map((example) => example.name), ...(rule.timelines ?? []).map((timeline) => timeline.name)];
      expect(new Set(names).size).toBe(names.length);
    });

    const timelines = rule.timelines ?? [];
    // jest refuses an empty table: only stateful rules have timelines.
    if (timelines.length > 0) it.each(timelines.map((timeline) => [timeline.expect, timeline.name, timeline] as const))(
      'when the timeline (%s) "%s" runs together, and one event per batch (in reverse but for first-seen rules), then it raises the declared alerts; replayed, no new pattern',
      (_expect, _name, timeline) => {
        const expected = timeline.alerts ?? (timeline.expect === 'alert' ? 1 : 0);
        const records = timeline.events.map((event, index) => detectionRecordOf(event, index));
        const learningStart = timeline.learningStart === undefined ? undefined : Date.parse(timeline.learningStart);
        const options = { rules: [rule], learningPeriodInMs: timeline.learningPeriodInMs ?? 0, ...(learningStart === undefined ? {} : { learningStartOf: () => learningStart }) };
        const together = evaluateWithMemory(records, options);
        expect(together.statefulFindings).toHaveLength(expected);
        for (const finding of together.statefulFindings) {
          expect(finding.details['explanation']?.length ?? 0).toBeGreaterThan(20);
          expect(finding.entities.length).toBeGreaterThan(0);
        }
        const states = new Map();
        // Bursts and sequences are judged over event times, whatever the arrival order: fed in reverse. A first-seen
        // value is judged at its arrival (a learned value arriving after a later sighting looks new: only partition skew
        // of minutes does that in the pipeline, never days of learning): fed in order, one batch each.
        const arrival = rule.stateful?.kind === 'firstSeen' ? records : [...records].reverse();
        const oneByOne = arrival.flatMap((record) => evaluateWithMemory([record], { ...options, states }).statefulFindings);
        expect(oneByOne).toHaveLength(expected);
        // Replayed, each event judges alike (the alert layer counts an event once): no finding names an event that did not before.
        const reported = new Set([...together.statefulFindings, ...oneByOne].map((finding) => evidenceIdOf(finding.record)));
        const replayed = records.flatMap((record) => evaluateWithMemory([record], { ...options, states }).statefulFindings);
        expect(replayed.filter((finding) => !reported.has(evidenceIdOf(finding.record)))).toEqual([]);
      },
    );

    it.each(rule.examples.map((example) => [example.expect, example.name, example] as const))(
      'when the example (%s) "%s" is evaluated, then it behaves as declared',
      (_expect, _name, example) => {
        const context = example.lists === undefined ? undefined : createDetectionContext(mergeDetectionLists(example.lists));
        const result = evaluate([rule], [example.event], context);
        expect(result.failures).toEqual([]);
        expect(result.findings.length).toBe(example.expect === 'alert' ? 1 : 0);
        for (const finding of result.findings) {
          expect(finding.entities.length).toBeGreaterThan(0);
          expect(finding.dedupKey.length).toBeGreaterThan(0);
          for (const value of Object.values(finding.details)) expect(typeof value).toBe('string');
        }
      },
    );
  });

  it('when every rule runs over every other rule\'s examples, then none throws', () => {
    const events = allRules.flatMap((rule) => rule.examples.map((example) => example.event));
    const result = evaluate(allRules, events);
    expect(result.failures).toEqual([]);
  });
});
