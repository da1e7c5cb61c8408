import { type AuditEvent } from '../../kubernetes/auditEvent';
import { queryValues } from './requests';

/**
 * Helm's own release records: Helm keeps each release in a Secret labelled `owner=helm` and reads them with that
 * selector (`helm list`; `helm install` and `upgrade` look up the release so). Such a request returns release records only.
 */
export function isHelmReleaseQuery(event: AuditEvent): boolean {
  return queryValues(event, 'labelSelector').some((selector) =>
    selector.split(',').some((requirement) => /^owner\s*==?\s*helm$/.test(requirement.trim())),
  );
}
