import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { firstPublicSourceIp } from '../../../intel/threatIntelMatch';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent } from '../../exampleEvents';
import { actingUsername } from '../../predicates/identities';
import { isDelete, isResource, isWrite, requestPath } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** The bundled list's name in alerts (a custom set is named by its own name, and `custom` says which kind it is). */
const BUNDLED_LIST = 'threatIntelAddresses';

interface ThreatIntelIpHit {
  address: string;
  /** The custom set's name, the feed's, or the bundled list's. */
  list: string;
  kind: 'custom' | 'feed' | 'bundled';
  /** The entry that matched, as written in the list (an address or a range). */
  entry: string;
}

/**
 * The caller's first public address and the list naming it: the subscription's own sets first (its team's
 * knowledge, and the name it gave them), then the configured `ip` feeds (THREAT_INTEL_FEEDS, the same for every
 * subscription), then the bundled malicious-address lists.
 */
function threatIntelHitOf(event: AuditEvent, context: DetectionContext): ThreatIntelIpHit | undefined {
  const address = firstPublicSourceIp(event);
  if (address === undefined) return undefined;
  const custom = context.customThreatIntel.matchAddress(address);
  if (custom !== undefined) return { address, list: custom.list, kind: custom.origin === 'feed' ? 'feed' : 'custom', entry: custom.entry };
  const bundled = context.lists.threatIntelAddresses.find(address);
  return bundled === undefined ? undefined : { address, list: BUNDLED_LIST, kind: 'bundled', entry: bundled };
}

// 45.9.148.35 is a TeamTNT address of the bundled Maltrail trails (shared/intel/data/maltrailLinuxThreats.ts).
export const threatIntelIpApiCall = defineRule({
  id: 'threat-intel-ip-api-call',
  alertType: 'K8S_TI_MaliciousIPCaller',
  displayName: 'K8S API request from an address on a threat-intelligence list',
  description:
    "An API request reached the cluster from an address on a threat-intelligence list: the caller's first public address " +
    "in the audit event's sourceIPs (private, loopback, link-local, carrier-grade NAT and unique-local hops skipped) is in " +
    "one of the subscription's custom threat-intel sets (PUT /api/subscriptions/{id}/threatIntelSets/{name}), or on the " +
    'bundled malicious-address lists (command-and-control, download and pool-proxy addresses of Linux and container ' +
    'threats such as TeamTNT and Kinsing, from Maltrail). The alert names the list and the entry that matched; a custom ' +
    'set is consulted first. Credentials used from attacker infrastructure are stolen credentials until shown otherwise.',
  severity: Severity.Medium,
  // Like GuardDuty's MaliciousIPCaller family: changing the cluster or reading secrets is worse than discovery;
  // a refused request only knocked.
  severityFor: (event) => {
    if ((event.responseStatus?.code ?? 0) >= 400) return Severity.Low;
    return isWrite(event) || isDelete(event) || isResource(event, 'secrets') ? Severity.High : Severity.Medium;
  },
  intent: Intent.InitialAccess,
  techniques: ['T1078'],
  remediation: [
    'Find the credential behind the request (user, service account token, kubeconfig) and revoke it; review everything it did, from this and other addresses.',
    'Restrict who can reach the API server: AKS authorized IP ranges or a private cluster.',
    'If the address was listed by mistake, remove it from the custom set (the change takes effect within the settings cache period); for the bundled lists, add a suppression rule naming the address.',
  ],
  falsePositives: [
    'An address that has changed hands since it was listed (cloud and hosting addresses are reassigned).',
    "A custom set entry that is too broad (a range shared with a partner's or an employee's network).",
  ],
  references: [
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-kubernetes.html',
    'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html',
    'https://github.com/stamparm/maltrail',
    'https://attack.mitre.org/techniques/T1078/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [
      'CredentialAccess:Kubernetes/MaliciousIPCaller',
      'CredentialAccess:Kubernetes/MaliciousIPCaller.Custom',
      'DefenseEvasion:Kubernetes/MaliciousIPCaller',
      'DefenseEvasion:Kubernetes/MaliciousIPCaller.Custom',
      'Discovery:Kubernetes/MaliciousIPCaller',
      'Discovery:Kubernetes/MaliciousIPCaller.Custom',
      'Impact:Kubernetes/MaliciousIPCaller',
      'Impact:Kubernetes/MaliciousIPCaller.Custom',
      'Persistence:Kubernetes/MaliciousIPCaller',
      'Persistence:Kubernetes/MaliciousIPCaller.Custom',
    ],
    elastic: [],
  },
  // Exec and port-forward only log ResponseStarted.
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  readsCustomThreatIntel: true,
  match: (event, context) => threatIntelHitOf(event, context) !== undefined,
  entities: (event, context): AlertEntity[] => {
    const entities = requestEntities(event);
    const address = threatIntelHitOf(event, context)?.address;
    const listed = address !== undefined && entities.some((entity) => entity.type === EntityType.ip && entity.address === address);
    return address === undefined || listed ? entities : [...entities, { type: EntityType.ip, address }];
  },
  details: (event, context) => {
    const hit = threatIntelHitOf(event, context);
    return {
      sourceIp: hit?.address ?? '',
      threatIntelList: hit?.list ?? '',
      threatIntelListKind: hit?.kind ?? '',
      listEntry: hit?.entry ?? '',
      verb: event.verb,
      path: redactText(requestPath(event)),
      userAgent: redactText(event.userAgent ?? ''),
    };
  },
  dedupKey: (event, context) => {
    const hit = threatIntelHitOf(event, context);
    return `${hit?.address ?? ''}|${hit?.list ?? ''}|${actingUsername(event)}`;
  },
  examples: [
    {
      name: 'a stolen kubeconfig lists secrets from a TeamTNT address (bundled list)',
      expect: 'alert',
      event: auditEvent({ verb: 'list', resource: 'secrets', user: 'carl@contoso.com', sourceIP: '45.9.148.35' }),
    },
    {
      name: 'a pod is created from an address in a range the deployment lists (through the cluster network, IPv4-mapped)',
      expect: 'alert',
      event: {
        ...auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', name: 'debug', user: 'carl@contoso.com' }),
        sourceIPs: ['10.224.0.4', '::ffff:203.0.113.77'],
      },
      lists: { threatIntelAddresses: ['203.0.113.*'] },
    },
    {
      name: 'a request from an address on no list',
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
