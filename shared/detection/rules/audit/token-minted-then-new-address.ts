import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { asString, asStringArray, getPath } from '../../../kubernetes/jsonValues';
import { firstPublicSourceIp, normalizedAddressOf } from '../../../intel/threatIntelMatch';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, tokenRequestEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { isNodeIdentity, isSystemRequest, serviceAccountOf } from '../../predicates/identities';
import { isCreate, isResource, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';
import { SequenceStep } from '../../stateful/sequence';

/**
 * The sequence's window: one hour, the default lifetime of a TokenRequest (`kubectl create token` without `--duration`
 * gets the API server's default of 3600 s). A token minted by hand is used within it; a longer window would pair every
 * new pod of the account (new pod IPs) with a mint made hours before.
 */
const WITHIN_IN_MS = 60 * 60_000;

/**
 * The account's history required before a use is judged: an hour of its requests. It absorbs late delivery (hub
 * partitions read minutes apart, retried batches) and keeps quiet about accounts with no past to compare with: one
 * created a moment ago, or any account in Argus's first hour on a cluster.
 */
const HISTORY_IN_MS = 60 * 60_000;

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** A token minted (TokenRequest, `kubectl create token`): a successful create of serviceaccounts/token, not a dry run. */
function isTokenMint(event: AuditEvent): boolean {
  return isCreate(event) && isResource(event, 'serviceaccounts', 'token') && succeeded(event) && !isDryRun(event);
}

/** The account the token is for, as its requests authenticate: `system:serviceaccount:<namespace>:<name>`. */
function mintedFor(event: AuditEvent): string | undefined {
  const namespace = event.objectRef?.namespace;
  const name = event.objectRef?.name;
  return namespace === undefined || name === undefined || namespace === '' || name === '' ? undefined : `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/**
 * Watched: the mints made by anyone but the nodes (the kubelet mints every pod's projected token) and the cluster's own
 * identities, and every request authenticated as a service account (a string prefix check: the then-steps, and the
 * account's history of addresses). Cost: on AKS service accounts make most of the audit traffic (controllers' lists,
 * watches and lease renewals), so most events become candidates of this rule: one parse of their source addresses each,
 * and one read of the rule's state per cluster and batch. The state changes (and is written) only for a mint or an
 * address an account never showed before: an account's usual traffic writes nothing.
 */
function isWatched(event: AuditEvent, context: DetectionContext): boolean {
  if (isTokenMint(event)) return !isNodeIdentity(event.user.username) && !isSystemRequest(event, context);
  return event.user.username.startsWith(SERVICE_ACCOUNT_PREFIX);
}

/** A mint counts for the account the token is for; any other request for the account it authenticated as. */
function identityOf(event: AuditEvent): string | undefined {
  return isTokenMint(event) ? mintedFor(event) : event.user.username;
}

function stepOf(event: AuditEvent): SequenceStep {
  return isTokenMint(event) ? SequenceStep.first : SequenceStep.then;
}

/**
 * The address the account's request came from: the first public address of sourceIPs (behind a proxy or load balancer
 * the list starts with a cluster-internal hop), else the first address (pods call from private pod IPs). None for a
 * mint made by someone else: the minter's address is not the account's.
 */
function addressOf(event: AuditEvent): string | undefined {
  if (identityOf(event) !== event.user.username) return undefined;
  const first = event.sourceIPs[0];
  if (first === undefined) return undefined;
  return firstPublicSourceIp(event) ?? normalizedAddressOf(first) ?? first;
}

/** The TokenRequest spec as the client sent it (the response carries the token itself: never read). */
function tokenRequestDetails(event: AuditEvent): Record<string, string> {
  const spec = getPath(event.requestObject, 'spec');
  const details: Record<string, string> = {};
  const expirationSeconds = getPath(spec, 'expirationSeconds');
  if (typeof expirationSeconds === 'number') details.expirationSeconds = String(expirationSeconds);
  const audiences = asStringArray(getPath(spec, 'audiences'));
  if (audiences.length > 0) details.audiences = audiences.join(', ');
  const boundKind = asString(getPath(spec, 'boundObjectRef', 'kind'));
  const boundName = asString(getPath(spec, 'boundObjectRef', 'name'));
  if (boundKind !== undefined && boundName !== undefined) details.boundObject = `${boundKind}/${boundName}`;
  return details;
}

/** The mint in words, kept in the state for the alert's explanation. */
function describeMint(event: AuditEvent): string {
  const account = serviceAccountOf(mintedFor(event) ?? '');
  const spec = tokenRequestDetails(event);
  const lifetime = spec.expirationSeconds === undefined ? '' : `, valid ${spec.expirationSeconds} s`;
  const bound = spec.boundObject === undefined ? '' : `, bound to ${spec.boundObject}`;
  const target = account === undefined ? 'a service account' : `service account ${account.namespace}/${account.name}`;
  return `A token for ${target} (audit id ${event.auditID}${lifetime}${bound}) was minted by ${event.user.username} from ${event.sourceIPs[0] ?? 'an unknown address'}`;
}

function entitiesOf(event: AuditEvent): AlertEntity[] {
  const account = serviceAccountOf(identityOf(event) ?? '');
  const target: AlertEntity[] = account === undefined ? [] : [{ type: EntityType.serviceAccount, name: account.name, namespace: account.namespace }];
  return [...requestEntities(event).filter((entity) => !(isTokenMint(event) && entity.type === EntityType.resource)), ...target];
}

function detailsOf(event: AuditEvent): Record<string, string> {
  const request = `${event.verb} ${event.requestURI}`;
  if (isTokenMint(event)) return { step: 'token minted', serviceAccount: identityOf(event) ?? '', mintedBy: event.user.username, request, ...tokenRequestDetails(event) };
  return { step: 'request by the service account', serviceAccount: event.user.username, sourceAddress: addressOf(event) ?? '', request };
}

// One test cluster's story: the shop's web service account, its pods, and a token minted for it by hand.
const WEB = 'system:serviceaccount:shop:web';
const WEB_AGENT = 'web/1.4.3 (linux/amd64) kubernetes-client/go';
const KUBECTL = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
const POD_IP = '10.244.1.23';
const OTHER_POD_IP = '10.244.2.47';
const ATTACKER_IP = '198.51.100.73';
const OPERATOR = 'jordan@contoso.com';
const OPERATOR_IP = '203.0.113.58';
const webRead = (time: string, auditID: string, sourceIP = POD_IP, userAgent = WEB_AGENT): Record<string, unknown> =>
  auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'web-config', user: WEB, userAgent, sourceIP, time, auditID });
const mint = (time: string, auditID: string): Record<string, unknown> =>
  tokenRequestEvent({ namespace: 'shop', name: 'web' }, { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600 }, { user: OPERATOR, sourceIP: OPERATOR_IP, userAgent: KUBECTL, time, auditID });
const history = [webRead('2026-11-02T08:00:04.118203Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a01'), webRead('2026-11-02T09:00:04.301877Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a02')];

export const tokenMintedThenNewAddress = defineRule({
  id: 'token-minted-then-new-address',
  alertType: 'K8S_TokenUsedFromNewAddress',
  displayName: 'Service account token minted, then used from an address never seen for the account',
  description:
    'Someone other than the nodes and the cluster\'s own components minted a token for a service account (TokenRequest API, ' +
    '`kubectl create token`) and, within an hour, the account made a request from a source address it never used before. Pods ' +
    'call the API server from their own addresses; a minted token carried out of the cluster is used from somewhere else. The ' +
    'pair is the shape of a token stolen or minted for use elsewhere: an attacker with `create serviceaccounts/token` mints a ' +
    'token for a more privileged account and calls the API with it from their own machine. Judged against the account\'s history ' +
    '(an account with no earlier request has no address to compare with); the alert names the mint, its author, the new address ' +
    'and how long the account had been observed.',
  // New alert type (Defender has none). Medium: either step alone is routine (tokens are minted for CI, pods move), the pair
  // is a stolen-token pattern, but a token minted for an external system on purpose produces it too.
  severity: Severity.Medium,
  intent: Intent.CredentialAccess,
  techniques: ['T1528', 'T1550.001'],
  // Long-running requests (watch, exec) by the account may log only ResponseStarted.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Ask the author of the mint (details: mintedBy of the first step, its audit id) why the token was needed and where it was used; check the new address against your egress and VPN ranges.',
    'If not expected: a token cannot be revoked by itself. Delete and recreate the service account (its tokens stop working) or wait out the token\'s lifetime, and review what the account did from the new address since (its audit events by source IP).',
    'Remove `create` on serviceaccounts/token from the author\'s rights unless minting tokens is its job, and prefer short `--duration` values and bound tokens for external systems.',
  ],
  falsePositives: [
    'A token minted on purpose for an external system (a CI runner, a dashboard, a developer\'s kubectl) that then calls from its own address.',
    'A new pod of the account starting within the hour after a mint (a rollout, a rescheduled pod): its new pod IP is an address the account never used.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/',
    'https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#bound-service-account-token-volume',
    'https://attack.mitre.org/techniques/T1528/',
    'https://attack.mitre.org/techniques/T1550/001/',
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
    key: identityOf,
    step: stepOf,
    withinInMs: WITHIN_IN_MS,
    stepNames: { first: 'a token minted', then: 'a request by the service account' },
    novelty: { value: addressOf, valueName: 'source IP', describeFirst: describeMint, historyInMs: HISTORY_IN_MS },
  },
  entities: (event) => entitiesOf(event),
  details: (event) => detailsOf(event),
  // Every event of the account gives the same key, whichever reports the pair.
  dedupKey: (event) => `token-new-address|${identityOf(event) ?? ''}`,
  examples: [
    {
      name: 'a token minted by a person alone (one event shows no sequence)',
      expect: 'none',
      event: mint('2026-11-02T10:00:12.532190Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a10'),
    },
    {
      name: 'a service account request from a public address alone',
      expect: 'none',
      event: webRead('2026-11-02T10:03:41.220847Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a11', ATTACKER_IP, KUBECTL),
    },
    {
      name: 'the kubelet mints the projected token of a pod',
      expect: 'none',
      event: tokenRequestEvent(
        { namespace: 'shop', name: 'web' },
        { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-7d9f8c6b5-x2k4q' } },
        { user: 'system:node:aks-nodepool1-12345678-vmss000000', userAgent: 'kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46', sourceIP: '10.224.0.4' },
      ),
    },
  ],
  timelines: [
    {
      name: 'an operator mints a token for the web service account, which is used from a public address it never used 3 minutes later',
      expect: 'alert',
      events: [
        ...history,
        mint('2026-11-02T10:00:12.532190Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a03'),
        webRead('2026-11-02T10:01:04.550912Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a04'),
        auditEvent({
          verb: 'list',
          resource: 'secrets',
          namespace: 'shop',
          user: WEB,
          userAgent: KUBECTL,
          sourceIP: ATTACKER_IP,
          requestURI: '/api/v1/namespaces/shop/secrets?limit=500',
          time: '2026-11-02T10:03:41.220847Z',
          auditID: '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a05',
        }),
        // The same address again: the same token's use, no second alert.
        webRead('2026-11-02T10:04:02.910455Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a06', ATTACKER_IP, KUBECTL),
      ],
    },
    {
      name: 'after a mint, the account is used only from the pod addresses it always used',
      expect: 'none',
      events: [
        ...history,
        webRead('2026-11-02T09:30:00.772014Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a07', OTHER_POD_IP),
        mint('2026-11-02T10:00:12.532190Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a08'),
        webRead('2026-11-02T10:01:04.550912Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a09'),
        webRead('2026-11-02T10:20:33.104968Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a0a', OTHER_POD_IP),
      ],
    },
    {
      name: 'the account is used from a new public address, but no token was minted for it',
      expect: 'none',
      events: [...history, webRead('2026-11-02T10:03:41.220847Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a0b', ATTACKER_IP, KUBECTL)],
    },
    {
      name: 'the account is used from a new public address two hours after the mint (outside the window)',
      expect: 'none',
      events: [
        ...history,
        mint('2026-11-02T10:00:12.532190Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a0c'),
        webRead('2026-11-02T12:00:40.618230Z', '4b6e2f1a-9c3d-4e57-8a0b-1d2c3e4f5a0d', ATTACKER_IP, KUBECTL),
      ],
    },
  ],
});
