import { type AuditRecord } from '../kubernetes/auditEvent';
import { type AlertEntity } from './entities';
import { type Rule, type Severity } from './rule';

/** One rule matching one request: what the alert layer aggregates into alerts. */
export interface Finding {
  rule: Rule;
  /** The rule's severity for this request. */
  severity: Severity;
  record: AuditRecord;
  entities: AlertEntity[];
  details: Record<string, string>;
  dedupKey: string;
}
