/**
 * The Kubernetes audit event (`audit.k8s.io/v1` Event) as every rule sees it, after normalization:
 * field names are the API server's own, optional lists are present (possibly empty), and
 * `requestReceivedTimestamp` is always set (v1beta1 events only had `timestamp`).
 */

export const AuditStage = {
  RequestReceived: 'RequestReceived',
  ResponseStarted: 'ResponseStarted',
  ResponseComplete: 'ResponseComplete',
  Panic: 'Panic',
} as const;
export type AuditStage = (typeof AuditStage)[keyof typeof AuditStage];

/** What the API server writes instead of an object it considers too large to log (AKS). */
export const SKIPPED_TOO_BIG_OBJECT = 'skipped-too-big-size-object';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface ResponseStatus {
  code?: number;
  status?: string;
  reason?: string;
  message?: string;
}

export interface AuditEvent {
  auditID: string;
  level: string;
  stage: AuditStage;
  /** Lower-case API verb: get, list, watch, create, update, patch, delete, deletecollection, ... */
  verb: string;
  requestURI: string;
  user: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  /**
   * The request body: a full object (create/update), a patch document (patch: strategic-merge or merge
   * patch object, or a JSON-patch array), the string {@link SKIPPED_TOO_BIG_OBJECT}, or absent.
   */
  requestObject?: unknown;
  /** The response body, with the same caveats as `requestObject`. */
  responseObject?: unknown;
  /** RFC 3339 with microseconds, as the API server writes it. */
  requestReceivedTimestamp: string;
  stageTimestamp?: string;
  annotations: Record<string, string>;
}

/** Which cluster an event came from. Names are lower-case: AKS writes them upper-case, Azure compares without case. */
export interface ClusterIdentity {
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
  /** Canonical `/subscriptions/<id>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>`. */
  resourceId: string;
}

/** Where a record sat in its input: the n-th usable-or-not record, and the diagnostic category when there was one. */
export interface RecordSource {
  index: number;
  category?: string;
}

/** One normalized audit event with the cluster it belongs to: the unit the detection engine works on. */
export interface AuditRecord {
  /** Tells audit records from node records (shared/node) where both meet (the engine, alerts); absent means audit. */
  signal?: 'audit';
  event: AuditEvent;
  cluster: ClusterIdentity;
  source: RecordSource;
}
