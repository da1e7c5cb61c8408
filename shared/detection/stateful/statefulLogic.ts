import { type SequenceStep } from './sequence';

/**
 * What makes a rule stateful: `match` picks the events it watches, and whether a watched event alerts depends on what
 * came before, kept per cluster (shared/detection/stateful/detectionState.ts):
 * - `firstSeen`: `subject` shows a `value` it never showed (after the cluster's learning period);
 * - `burst`: one `key` touches at least `distinct` values (with at least `refusedCount` refused) within `windowInMs`;
 * - `sequence`: a `first` step followed within `withinInMs` by a `then` step of the same `key`.
 * The functions are pure and total like `match`; undefined means "nothing to count".
 */
export type StatefulLogic<Event> =
  | {
      kind: 'firstSeen';
      /** Whose profile (an identity, a namespace). */
      subject: (event: Event) => string | undefined;
      /** What is profiled (a registry, `verb resource`, a user agent). */
      value: (event: Event) => string | undefined;
      /** For people: what the value is (`registry`, `operation`). */
      valueName: string;
    }
  | {
      kind: 'burst';
      key: (event: Event) => string | undefined;
      /** The value counted distinct (a secret's name, a URI). */
      value: (event: Event) => string | undefined;
      /** Whether the event was refused (for bursts that count refusals). */
      refused?: (event: Event) => boolean;
      windowInMs: number;
      distinct: number;
      refusedCount?: number;
      valueName: string;
    }
  | {
      kind: 'sequence';
      key: (event: Event) => string | undefined;
      step: (event: Event) => SequenceStep | undefined;
      withinInMs: number;
      /** For people: what each step is. */
      stepNames: { first: string; then: string };
    };

export type StatefulKind = StatefulLogic<unknown>['kind'];

/**
 * A stateful rule's example: events of one cluster, fed in the order given (their own times decide), and how many
 * alerts they must raise. The catalogue runs each timeline in order and shuffled, and demands the same count.
 */
export interface RuleTimeline {
  name: string;
  expect: 'alert' | 'none';
  /** Alerts raised (default 1 for `alert`, 0 for `none`). */
  alerts?: number;
  /** Default 0: the cluster is past its learning period. */
  learningPeriodInMs?: number;
  /** When the cluster's learning started (RFC 3339); default: its earliest event in the timeline. */
  learningStart?: string;
  events: readonly Record<string, unknown>[];
}
