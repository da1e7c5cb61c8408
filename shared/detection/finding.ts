import { type DetectionRecord } from './detectionRecord';
import { type AlertEntity } from './entities';
import { type Rule, type Severity } from './rule';

/** One rule matching one event (of any signal): what the alert layer aggregates into alerts. */
export interface Finding {
  rule: Rule;
  /** The rule's alert type for this event (a rule may raise several: Falco alerts keep their rule's name). */
  alertType: string;
  displayName: string;
  /** The rule's severity for this event. */
  severity: Severity;
  record: DetectionRecord;
  entities: AlertEntity[];
  details: Record<string, string>;
  dedupKey: string;
}
