import { type AuditEvent } from '../../kubernetes/auditEvent';
import { podSpecOf, WORKLOAD_RESOURCES } from '../../kubernetes/workloads';
import { isDryRun } from './dryRun';
import { isCreate, isResource, isWrite, succeeded } from './requests';

/**
 * A deployment: a pod or pod controller created, or updated or patched with a pod spec (`kubectl apply`, `set image`,
 * Helm upgrades), that succeeded and was not a dry run. A patch that writes no pod spec (labels, a rollout restart's
 * annotation) deploys nothing. Pure and total.
 */
export function isDeployment(event: AuditEvent): boolean {
  if (!isWrite(event) || !isResource(event, WORKLOAD_RESOURCES) || !succeeded(event) || isDryRun(event)) return false;
  return isCreate(event) || podSpecOf(event) !== undefined;
}
