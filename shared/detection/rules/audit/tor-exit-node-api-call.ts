import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { firstPublicSourceIp } from '../../../intel/threatIntelMatch';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent } from '../../exampleEvents';
import { actingUsername } from '../../predicates/identities';
import { requestPath } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** The bundled snapshot's name in alerts (a Tor exit feed is named by its own name). */
const BUNDLED_LIST = 'torExitAddresses';

/**
 * The caller's first public address, the Tor exit list naming it and its entry, if any: the configured Tor exit feeds
 * when one is stored (THREAT_INTEL_FEEDS, refreshed by a timer; they replace the bundled snapshot), else the bundled
 * snapshot (with DETECTION_LISTS applied).
 */
function torExitOf(event: AuditEvent, context: DetectionContext): { address: string; list: string; entry: string } | undefined {
  const address = firstPublicSourceIp(event);
  if (address === undefined) return undefined;
  const feeds = context.customThreatIntel.torExitFeeds;
  if (feeds !== undefined) {
    const hit = feeds.matchAddress(address);
    return hit === undefined ? undefined : { address, list: hit.list, entry: hit.entry };
  }
  const entry = context.lists.torExitAddresses.find(address);
  return entry === undefined ? undefined : { address, list: BUNDLED_LIST, entry };
}

// 185.220.101.4 and 109.70.100.4 are in the bundled snapshot (Tor Project exit list of 2024-03-12).
export const torExitNodeApiCall = defineRule({
  id: 'tor-exit-node-api-call',
  alertType: 'K8S_TI_Proxy',
  displayName: 'K8S API requests from proxy IP address detected',
  description:
    "An API request reached the cluster from a Tor exit relay: the caller's first public address in the audit event's " +
    'sourceIPs (private, loopback, link-local, carrier-grade NAT and unique-local hops skipped) is on the bundled Tor exit ' +
    'list (the configured Tor exit feed when one is stored, else the bundled snapshot). This can be legitimate, but attackers use Tor to hide where they are; an administrator rarely does. Defender ' +
    'raises K8S_TI_Proxy for API requests from addresses associated with proxy services such as Tor.',
  severity: Severity.Low,
  // Defender rates K8S_TI_Proxy Low; an allowed request from Tor acted on the cluster, a refused one only knocked.
  severityFor: (event) => ((event.responseStatus?.code ?? 0) >= 400 ? Severity.Informational : Severity.Low),
  intent: Intent.Execution,
  techniques: ['T1090.003', 'T1078'],
  remediation: [
    'Find who made the request (user, user agent, credential) and whether that person uses Tor; if not, revoke the credential and review what it did from the same address.',
    'Restrict who can reach the API server: AKS authorized IP ranges or a private cluster.',
    'Block Tor exit addresses at the API server\'s network edge when nobody needs them.',
  ],
  falsePositives: [
    'A developer or researcher who uses Tor Browser or a Tor-routed VPN for privacy.',
    'An address that was a Tor exit when the snapshot was taken and has since changed hands (exit addresses churn daily).',
  ],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://check.torproject.org/exit-addresses',
    'https://attack.mitre.org/techniques/T1090/003/',
  ],
  equivalents: {
    defender: ['K8S_TI_Proxy'],
    falco: [],
    guardDuty: ['UnauthorizedAccess:Kubernetes/TorIPCaller', 'Discovery:Kubernetes/TorIPCaller'],
    elastic: [],
  },
  // Exec and port-forward through Tor only log ResponseStarted.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  // The configured Tor exit feeds reach the rule with the subscription's threat intel.
  readsCustomThreatIntel: true,
  match: (event, context) => torExitOf(event, context) !== undefined,
  entities: (event, context): AlertEntity[] => {
    const entities = requestEntities(event);
    const address = torExitOf(event, context)?.address;
    const listed = address !== undefined && entities.some((entity) => entity.type === EntityType.ip && entity.address === address);
    return address === undefined || listed ? entities : [...entities, { type: EntityType.ip, address }];
  },
  details: (event, context) => {
    const hit = torExitOf(event, context);
    return {
      sourceIp: hit?.address ?? '',
      threatIntelList: hit?.list ?? '',
      listEntry: hit?.entry ?? '',
      verb: event.verb,
      path: redactText(requestPath(event)),
      userAgent: redactText(event.userAgent ?? ''),
    };
  },
  dedupKey: (event, context) => `${torExitOf(event, context)?.address ?? ''}|${actingUsername(event)}`,
  examples: [
    {
      name: 'kubectl lists secrets from a Tor exit',
      expect: 'alert',
      event: auditEvent({ verb: 'list', resource: 'secrets', user: 'carl@contoso.com', sourceIP: '185.220.101.4' }),
    },
    {
      name: 'a request from a Tor exit that reached the API server through the cluster network (first public address)',
      expect: 'alert',
      event: { ...auditEvent({ verb: 'get', resource: 'pods', namespace: 'default', name: 'web-0', user: 'carl@contoso.com' }), sourceIPs: ['10.224.0.4', '::ffff:109.70.100.4'] },
    },
    {
      name: 'a request from an address that is not a Tor exit',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'secrets', user: 'carl@contoso.com', sourceIP: '20.42.65.92' }),
    },
    {
      name: 'a controller request from inside the cluster',
      expect: 'none',
      event: auditEvent({ verb: 'list', resource: 'pods', user: 'system:serviceaccount:kube-system:replicaset-controller', sourceIP: '10.224.0.4' }),
    },
  ],
});
