import { type SequenceStep } from './sequence';

/**
 * What makes a rule stateful: `match` picks the events it watches, and whether a watched event alerts depends on what
 * came before, kept per cluster (shared/detection/stateful/detectionState.ts):
 * - `firstSeen`: `subject` shows a `value` it never showed (after the cluster's learning period);
 * - `burst`: one `key` touches at least `distinct` values (with at least `refusedCount` refused) within `windowInMs`;
 * - `sequence`: a `first` step followed within `withinInMs` by a `then` step of the same `key` (with `novelty`: a then-step
 *   whose value, a source address, was never seen for the key before it).
 * The functions are pure and total like `match`; undefined means "nothing to count".
 */
export type StatefulLogic<Event> =
  | {
      kind: 'firstSeen';
      /** Whose profile (an identity, a namespace). */
      subject: (event: Event) => string | undefined;
      /**
       * What is profiled (a registry, `verb resource`, a user agent); several values (the registries of a pod's images)
       * are each profiled, and the event reports those that are new.
       */
      value: (event: Event) => string | readonly string[] | undefined;
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
      /**
       * The then-step counts only when its value is new for the key (shared/detection/stateful/sequence.ts,
       * observeNovelSequence): every watched event of the key with a value teaches the key's profile, so `match`
       * watches the key's ordinary events too, and `step` may be undefined for those that are no step.
       */
      novelty?: {
        /** The value profiled per key (a source address); undefined: the event teaches nothing (a first step by someone else). */
        value: (event: Event) => string | undefined;
        /** For people: what the value is (`source address`). */
        valueName: string;
        /** A first step in words, kept with it for the explanation (`a token for shop/web minted by dana@contoso.com`). */
        describeFirst: (event: Event) => string;
        /** How long the key must have been observed before a then-step for its value to be judged new (at least some history). */
        historyInMs: number;
      };
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
