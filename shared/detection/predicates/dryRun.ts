import { type AuditEvent } from '../../kubernetes/auditEvent';
import { queryValues } from './requests';

/**
 * The request was a server-side dry run (`kubectl ... --dry-run=server`, `?dryRun=All`): the API server
 * admitted and validated it, logged it, and stored nothing. Rules about changes to the cluster skip it.
 */
export function isDryRun(event: AuditEvent): boolean {
  return queryValues(event, 'dryRun').some((value) => value === 'All');
}
