import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { asString, getPath } from '../../../kubernetes/jsonValues';
import { writtenObject } from '../../../kubernetes/workloads';
import { firstPublicSourceIp, normalizedAddressOf } from '../../../intel/threatIntelMatch';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent } from '../../exampleEvents';
import { CERTIFICATES_GROUP, CSR_RESOURCE, isCsrApproval, requestedSubject } from '../../predicates/certificateRequests';
import { isNodeIdentity, isSystemRequest } from '../../predicates/identities';
import { succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';
import { SequenceStep } from '../../stateful/sequence';

/** The signer whose certificates authenticate to the API server as the CSR's CN (kubelets have their own signers). */
const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

/** An hour: a certificate issued by hand is used soon; past that, a first request is no longer tied to the approval. */
const WITHIN_IN_MS = 60 * 60_000;

/**
 * The user's history required before a use is judged: an hour of its requests, which absorbs late delivery across
 * partitions. A user with no history is not judged: a certificate that creates a new identity is the approval rule's
 * (certificate-signing-request, High for `system:` users and groups such as system:masters).
 */
const HISTORY_IN_MS = 60 * 60_000;

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/**
 * The user a client certificate was issued for: an approval of a CSR for the API server client signer that names a
 * user (its CN). Needs the CSR in the approval's body (RequestResponse or Request level). Who approved is judged by
 * `isWatched` (the cluster's own identities' approvals are not watched at all).
 */
function approvedUser(event: AuditEvent): string | undefined {
  if (!isCsrApproval(event) || !succeeded(event)) return undefined;
  if (asString(getPath(writtenObject(event), 'spec', 'signerName')) !== CLIENT_SIGNER) return undefined;
  const user = requestedSubject(event).commonName;
  return user === undefined || user === '' || user.startsWith(SERVICE_ACCOUNT_PREFIX) ? undefined : user;
}

/**
 * Watched: the approvals above by anyone but the cluster's own identities, and every request by a user that is not a
 * service account, a node or one of the cluster's own identities (the then-steps, and each user's history of
 * addresses). People's requests are a small part of the traffic; the state changes only for an approval or an address
 * a user never showed.
 */
function isWatched(event: AuditEvent, context: DetectionContext): boolean {
  if (isSystemRequest(event, context)) return false;
  if (approvedUser(event) !== undefined) return true;
  const { username } = event.user;
  return !username.startsWith(SERVICE_ACCOUNT_PREFIX) && !isNodeIdentity(username);
}

/** Approvals key on the certificate's user; other requests on the user they authenticated as. */
function userOf(event: AuditEvent): string {
  return approvedUser(event) ?? event.user.username;
}

/** The address of a user's own request (first public, else first); none for an approval (the approver's address). */
function addressOf(event: AuditEvent): string | undefined {
  if (approvedUser(event) !== undefined) return undefined;
  const first = event.sourceIPs[0];
  if (first === undefined) return undefined;
  return firstPublicSourceIp(event) ?? normalizedAddressOf(first) ?? first;
}

function describeApproval(event: AuditEvent, user: string | undefined): string {
  const subject = requestedSubject(event);
  const groups = subject.organizations.length === 0 ? '' : ` in groups ${subject.organizations.join(', ')}`;
  return `A client certificate for ${user ?? 'a user'}${groups} (CSR ${event.objectRef?.name ?? ''}, audit id ${event.auditID}) was approved by ${event.user.username} from ${event.sourceIPs[0] ?? 'an unknown address'}`;
}

// One test cluster's story: Erin's client certificate, issued by hand, then used from outside.
const APPROVER = 'jordan@contoso.com';
const APPROVER_IP = '203.0.113.58';
const ATTACKER_IP = '198.51.100.73';
const DANA_IP = '203.0.113.24';
// PKCS#10 request for CN=erin, O=shop-developers (public data; its key was thrown away).
const ERIN_CSR = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIa01JR0xBZ0VBTUNreEdEQVdCZ05WQkFvTUQzTm9iM0F0WkdWMlpXeHZjR1Z5Y3pFTk1Bc0dBMVVFQXd3RQpaWEpwYmpCWk1CTUdCeXFHU000OUFnRUdDQ3FHU000OUF3RUhBMElBQkV0Z01ZKzMzWDkrbkhJaWxQdUc0YUlrCllmTkZJR0k0dDh0N2hPV1BsNDdxRjRKeWwxWEtYRkVOelJDUi9JenFrdmVmc1JjL0pJWmdiRTJqMUUwcXAydWcKQURBS0JnZ3Foa2pPUFFRREFnTklBREJGQWlCYmRMV0lPSG9NZXppMDJFM2JIVTRqNzJpYkJUTWVzaDJRYjQ0ZQpCWkM2VEFJaEFJS0FWUzdwUG04VTBzbFliQWdmWmwvUGMwR0crYWR6dDRhWVJoZXBxM01LCi0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=';

const approval = (request: string, time: string, auditID: string, overrides: { user?: string; signerName?: string } = {}): Record<string, unknown> =>
  auditEvent({
    verb: 'update',
    resource: CSR_RESOURCE,
    subresource: 'approval',
    apiGroup: CERTIFICATES_GROUP,
    name: 'erin-client',
    user: overrides.user ?? APPROVER,
    sourceIP: APPROVER_IP,
    time,
    auditID,
    requestObject: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'erin-client' },
      spec: { request, signerName: overrides.signerName ?? CLIENT_SIGNER, usages: ['client auth'] },
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }] },
    },
  });
const request = (user: string, sourceIP: string, time: string, auditID: string): Record<string, unknown> =>
  auditEvent({ verb: 'list', resource: 'secrets', namespace: 'payments', user: { username: user, groups: ['shop-developers', 'system:authenticated'] }, sourceIP, time, auditID });

export const clientCertificateApprovedThenNewAddress = defineRule({
  id: 'client-certificate-approved-then-new-address',
  alertType: 'K8S_ClientCertificateUsedFromNewAddress',
  displayName: 'Client certificate approved, then used from an address never seen for its user',
  description:
    'Someone approved a certificate signing request for the API server client signer (`kubectl certificate approve`), and within an ' +
    'hour the user the certificate names (its CN) made a request from a source address that user never used before, judged ' +
    'against at least an hour of the user\'s history (a certificate for a user never seen is the approval rule\'s to report). A client certificate cannot be revoked short of rotating ' +
    'the cluster CA: an attacker with approve rights on CSRs issues one for a user or group of their choice and uses it from their own ' +
    'machine. The alert names the approval, its author, the certificate\'s user and groups, and the new address. Needs the CSR in the ' +
    'approval\'s audit event (Request or RequestResponse level for certificatesigningrequests, as AKS logs).',
  // New alert type (Defender has none). Medium: issuing client certificates by hand is rare on managed clusters; a PKI workflow does it too.
  severity: Severity.Medium,
  intent: Intent.CredentialAccess,
  techniques: ['T1649', 'T1550'],
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Ask the approver (details: the first step) why the certificate was issued and for whom; check the new address against your VPN and egress ranges.',
    'If not expected: remove the user\'s and its groups\' bindings at once (the certificate stays valid until it expires or the cluster CA is rotated: `az aks rotate-certs` on AKS), and review what the user did from the new address.',
    'Keep `approve` on certificatesigningrequests/approval and the client signer (`signers` resource) to the platform team; on AKS, use Entra ID users instead of client certificates and disable local accounts.',
  ],
  falsePositives: [
    'An administrator issuing a client certificate to a person or tool on purpose (an internal PKI workflow), which then connects from its own address.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#normal-user',
    'https://learn.microsoft.com/azure/aks/certificate-rotation',
    'https://attack.mitre.org/techniques/T1649/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: [],
  },
  match: isWatched,
  stateful: {
    kind: 'sequence',
    key: userOf,
    step: (event) => (approvedUser(event) !== undefined ? SequenceStep.first : SequenceStep.then),
    withinInMs: WITHIN_IN_MS,
    stepNames: { first: 'a client certificate approved', then: 'a request by its user' },
    novelty: {
      value: addressOf,
      valueName: 'source IP',
      describeFirst: (event) => describeApproval(event, approvedUser(event)),
      historyInMs: HISTORY_IN_MS,
    },
  },
  // An approval names the certificate's user beside the approver.
  entities: (event): AlertEntity[] => [...requestEntities(event), ...(approvedUser(event) === undefined ? [] : [{ type: EntityType.account, name: userOf(event) }])],
  details: (event): Record<string, string> =>
    approvedUser(event) !== undefined
      ? { step: 'client certificate approved', certificateUser: userOf(event), approvedBy: event.user.username, csr: event.objectRef?.name ?? '' }
      : { step: 'request by the certificate\'s user', user: event.user.username, sourceAddress: addressOf(event) ?? '', request: `${event.verb} ${event.requestURI}` },
  dedupKey: (event) => `client-certificate-new-address|${userOf(event)}`,
  examples: [
    {
      name: 'an approval alone (one event shows no sequence)',
      expect: 'none',
      event: approval(ERIN_CSR, '2026-11-02T10:00:12.532190Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e01'),
    },
    {
      name: 'a request from a public address alone',
      expect: 'none',
      event: request('erin', ATTACKER_IP, '2026-11-02T10:03:41.220847Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e02'),
    },
  ],
  timelines: [
    {
      name: 'a client certificate for erin, never seen before, is approved and used: no history to compare with (the approval rule reports it)',
      expect: 'none',
      events: [
        request('dana@contoso.com', DANA_IP, '2026-11-02T08:00:04.118203Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e03'),
        approval(ERIN_CSR, '2026-11-02T10:00:12.532190Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e04'),
        request('erin', ATTACKER_IP, '2026-11-02T10:03:41.220847Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e05'),
      ],
    },
    {
      name: 'erin, who always works from the office, gets a new certificate and uses it from a new address',
      expect: 'alert',
      events: [
        request('erin', DANA_IP, '2026-11-02T08:00:04.118203Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e06'),
        approval(ERIN_CSR, '2026-11-02T10:00:12.532190Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e07'),
        request('erin', ATTACKER_IP, '2026-11-02T10:30:41.220847Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e08'),
      ],
    },
    {
      name: 'erin gets a new certificate and uses it from the office, as always; a use two hours later from elsewhere is no longer tied to it',
      expect: 'none',
      events: [
        request('erin', DANA_IP, '2026-11-02T08:00:04.118203Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e09'),
        approval(ERIN_CSR, '2026-11-02T10:00:12.532190Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e0a'),
        request('erin', DANA_IP, '2026-11-02T10:05:41.220847Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e0b'),
        request('erin', ATTACKER_IP, '2026-11-02T12:10:41.220847Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e0c'),
      ],
    },
    {
      name: 'a kubelet serving certificate is approved, then a person works from a new address',
      expect: 'none',
      events: [
        approval(ERIN_CSR, '2026-11-02T10:00:12.532190Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e0d', { signerName: 'kubernetes.io/kubelet-serving' }),
        request('erin', ATTACKER_IP, '2026-11-02T10:03:41.220847Z', '6c2d8e1f-3a4b-4c5d-9e6f-7a8b9c0d1e0e'),
      ],
    },
  ],
});
