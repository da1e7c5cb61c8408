import { type AuditRecord } from '../kubernetes/auditEvent';
import { type AlertEntity } from './entities';
import { type Rule } from './rule';

/** One rule matching one request: what the alert layer aggregates into alerts. */
export interface Finding {
  rule: Rule;
  record: AuditRecord;
  entities: AlertEntity[];
  details: Record<string, string>;
  dedupKey: string;
}
