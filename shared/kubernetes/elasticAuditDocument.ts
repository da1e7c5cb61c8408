import { asObject, type JsonObject } from './jsonValues';

/**
 * Elastic's Kubernetes audit documents, as the Elastic Agent `kubernetes.audit_logs` integration indexes them
 * (https://www.elastic.co/docs/reference/integrations/kubernetes/audit-logs): the audit event under
 * `kubernetes.audit` (nested objects in `_source`, or dotted keys such as `"kubernetes.audit.verb"` in
 * flattened exports), ECS copies beside it (`user.name`, `source.ip`, `event.action`, `@timestamp`), and the
 * annotation keys rewritten by its ingest pipeline with `_` for `.` (`authorization_k8s_io/decision`).
 * The pipeline also removes `requestObject.metadata` and `responseObject.metadata`; that is not recoverable.
 */

const PREFIX = 'kubernetes.audit';
const DOTTED_PREFIX = `${PREFIX}.`;

/** The audit event inside an Elastic document, or undefined when the object is not one. */
export function auditEventOfElasticDocument(document: JsonObject): JsonObject | undefined {
  let audit = asObject(asObject(document.kubernetes)?.audit) ?? asObject(document[PREFIX]);
  const dotted = Object.keys(document).filter((key) => key.startsWith(DOTTED_PREFIX));
  if (audit === undefined && dotted.length === 0) return undefined;
  // A copy: the document stays as it came (it may be dead-lettered). Dotted keys write into nested objects.
  audit = audit === undefined ? {} : dotted.length === 0 ? { ...audit } : structuredClone(audit);
  for (const key of dotted) setPath(audit, key.slice(DOTTED_PREFIX.length).split('.'), document[key]);
  const annotations = asObject(audit.annotations);
  if (annotations !== undefined) audit.annotations = restoreAnnotationKeys(annotations);
  // The document's own time (when the agent read the line) only stands in for a missing event time.
  if (audit['@timestamp'] === undefined && document['@timestamp'] !== undefined) audit['@timestamp'] = document['@timestamp'];
  return audit;
}

/** An Elasticsearch hit (`{"_index","_id","_source":{...}}`): its document. */
export function sourceOfElasticHit(value: JsonObject): JsonObject | undefined {
  return typeof value._index === 'string' || typeof value._id === 'string' ? asObject(value._source) : undefined;
}

/**
 * Annotation keys are `<prefix>/<name>` with a DNS-subdomain prefix, which has no `_`: the ingest pipeline's
 * `authorization_k8s_io/decision` can only have been `authorization.k8s.io/decision`. Names keep their `_`.
 */
function restoreAnnotationKeys(annotations: JsonObject): JsonObject {
  const restored: JsonObject = {};
  for (const [key, value] of Object.entries(annotations)) {
    const slash = key.indexOf('/');
    restored[slash > 0 ? `${key.slice(0, slash).replaceAll('_', '.')}${key.slice(slash)}` : key] = value;
  }
  return restored;
}

/** `requestObject.spec.hostNetwork` -> nested objects; a step that is not an object is replaced. */
function setPath(target: JsonObject, path: readonly string[], value: unknown): void {
  let current = target;
  for (const [index, step] of path.entries()) {
    if (index === path.length - 1) {
      current[step] = value;
      return;
    }
    let next = asObject(current[step]);
    if (next === undefined) {
      next = {};
      current[step] = next;
    }
    current = next;
  }
}
