import { type NodeEvent } from '../../../node/nodeEvent';
import { falcoAlertEvent, processConnectEvent, processExecEvent, tcpConnectEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import { cloudEndpointOf, connectionOf, metadataEndpointNamed } from '../../predicates/nodeNetwork';
import { baseName, commandLineText, isExec, isInContainer, isListedProcess, isSystemWorkload } from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, Severity } from '../../rule';

interface MetadataAccess {
  endpoint: string;
  via: 'connection' | 'command line';
  address?: string;
  port?: number;
}

/** Script interpreters whose one-liners (`python3 -c "...urlopen('http://169.254.169.254/...')"`) fetch URLs like curl does. */
const INTERPRETER = /^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|php[0-9.]*)$/;

/**
 * The cloud endpoint a container process reaches: a connection to the metadata service or WireServer, or a
 * download tool (or interpreter) whose command line names one (Azure's token endpoint needs the `Metadata: true`
 * header, which a connect event cannot show). Platform pods and listed metadata callers are expected.
 */
function metadataAccessOf(event: NodeEvent, context: DetectionContext): MetadataAccess | undefined {
  if (!isInContainer(event) || isSystemWorkload(event, context) || isListedProcess(event.process, context.lists.metadataCallers)) return undefined;
  const connection = connectionOf(event);
  if (connection !== undefined) {
    const endpoint = cloudEndpointOf(connection);
    if (endpoint === undefined) return undefined;
    return { endpoint, via: 'connection', address: connection.daddr, ...(connection.dport === undefined ? {} : { port: connection.dport }) };
  }
  if (!isExec(event)) return undefined;
  const fetcher = isListedProcess(event.process, context.lists.downloadTools) || INTERPRETER.test(baseName(event.process.binary));
  if (!fetcher) return undefined;
  const endpoint = metadataEndpointNamed(commandLineText(event.process));
  return endpoint === undefined ? undefined : { endpoint, via: 'command line' };
}

const python = { binary: '/usr/local/bin/python3.12', arguments: '-m gunicorn app:app --bind 0.0.0.0:8080', uid: 1000 };

export const cloudMetadataAccess = defineNodeRule({
  id: 'cloud-metadata-access',
  alertType: 'K8S.NODE_ImdsCall',
  displayName: 'Access to cloud metadata service detected',
  description:
    'A process in a container reached the cloud instance metadata service (169.254.169.254) or Azure\'s WireServer ' +
    '(168.63.129.16): a connection seen by the node sensor, or a download tool whose command line names the metadata ' +
    'service or its managed identity token endpoint. From the metadata service a container obtains tokens of the node\'s ' +
    'managed identity (the kubelet identity, with rights on the node resource group and the registry); from WireServer, ' +
    'extension settings that may hold secrets. Applications seldom need either: attackers reach them first after taking a ' +
    'container (SSRF, web shells). Azure\'s networking, identity and monitoring agents, listed platform pods and listed ' +
    'metadata callers are expected; DNS queries to 168.63.129.16:53 are not counted.',
  severity: Severity.Medium,
  intent: Intent.CredentialAccess,
  techniques: ['T1552.005', 'T1522'],
  remediation: [
    'Find out which process in the container made the call and why; an application that needs an Azure identity should use Microsoft Entra Workload ID instead of the node\'s identity.',
    'If the call is not explained, treat the container as compromised: isolate the pod, and review and rotate what the node\'s managed identity can reach (node resource group, container registry, key vaults).',
    'Block the metadata service and WireServer from pods with a network policy (Azure NPM, Cilium or Calico) that denies egress to 169.254.169.254/32 and 168.63.129.16/32 except for the platform pods that need them.',
    'Grant the kubelet identity only the roles it needs (AcrPull on the registry), nothing broader.',
  ],
  falsePositives: [
    'Applications that use the node\'s managed identity through the metadata service on purpose (legacy AAD Pod Identity, Azure SDK `DefaultAzureCredential` without workload identity): add the workload to `systemWorkloads` or its process to `metadataCallers`.',
    'Node agents deployed outside kube-system (monitoring, security, storage drivers) that read instance metadata: list them.',
  ],
  references: [
    'https://learn.microsoft.com/azure/virtual-machines/instance-metadata-service',
    'https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16',
    'https://learn.microsoft.com/azure/aks/use-managed-identity',
    'https://attack.mitre.org/techniques/T1552/005/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
  ],
  equivalents: {
    defender: ['K8S.NODE_ImdsCall'],
    falco: ['Contact cloud metadata service from container', 'Contact EC2 Instance Metadata Service From Container'],
    guardDuty: ['UnauthorizedAccess:Runtime/MetadataDNSRebind'],
    elastic: ['Unusual Instance Metadata Service (IMDS) API Request'],
  },
  eventTypes: ['process_kprobe', 'process_connect', 'process_exec'],
  match: (event, context) => metadataAccessOf(event, context) !== undefined,
  entities: (event, context) => {
    const access = metadataAccessOf(event, context);
    const falcoConnection = event.falco?.outputFields['fd.sip'];
    const address = access?.address ?? (typeof falcoConnection === 'string' ? falcoConnection : undefined);
    const remote: AlertEntity[] = address === undefined ? [] : [{ type: EntityType.ip, address, ...(access?.port === undefined ? {} : { port: access.port }) }];
    return [...nodeEventEntities(event), ...remote];
  },
  details: (event, context) => {
    const access = metadataAccessOf(event, context);
    return {
      endpoint: access?.endpoint ?? 'instance metadata service',
      ...(access === undefined ? {} : { seenIn: access.via }),
      ...(access?.address === undefined ? {} : { destination: `${access.address}${access.port === undefined ? '' : `:${access.port}`}` }),
      commandLine: commandLineOf(event.process),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, metadataAccessOf(event, context)?.endpoint ?? 'instance metadata service'),
  examples: [
    {
      name: 'a Python web application connects to the metadata service',
      expect: 'alert',
      event: tcpConnectEvent({ process: python, daddr: '169.254.169.254', dport: 80 }),
    },
    {
      name: 'curl asks the metadata service for a managed identity token',
      expect: 'alert',
      event: processExecEvent({
        binary: '/usr/bin/curl',
        arguments: '-s -H "Metadata: true" "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/"',
        parent: { binary: '/bin/sh', arguments: '-c "curl -s -H Metadata:true http://169.254.169.254/metadata/identity/oauth2/token"' },
      }),
    },
    {
      name: 'a container reads its extension settings from Azure WireServer',
      expect: 'alert',
      event: tcpConnectEvent({ process: { binary: '/usr/bin/wget', arguments: '-qO- http://168.63.129.16/machine?comp=goalstate' }, daddr: '168.63.129.16', dport: 80 }),
    },
    {
      name: 'a book-era process_connect to the metadata service',
      expect: 'alert',
      event: processConnectEvent({ process: { binary: '/app/server', uid: 65532 }, destinationIp: '169.254.169.254', destinationPort: 80 }),
    },
    {
      name: 'Falco reports a container contacting the metadata service',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Contact cloud metadata service from container',
        priority: 'Notice',
        outputFields: { 'proc.name': 'curl', 'proc.exepath': '/usr/bin/curl', 'proc.cmdline': 'curl http://169.254.169.254/metadata/instance', 'fd.sip': '169.254.169.254' },
        tags: ['maturity_incubating', 'network', 'container', 'mitre_discovery', 'T1565'],
      }),
    },
    {
      name: 'Azure CNS in kube-system calls the metadata service',
      expect: 'none',
      event: tcpConnectEvent({
        process: {
          binary: '/usr/local/bin/azure-cns',
          pod: { namespace: 'kube-system', name: 'azure-cns-7xk2p', container: 'cns-container', image: 'mcr.microsoft.com/containernetworking/azure-cns:v1.6.13', workload: 'azure-cns', workloadKind: 'DaemonSet' },
        },
        daddr: '169.254.169.254',
        dport: 80,
      }),
    },
    {
      name: 'the kubelet on the host calls the metadata service',
      expect: 'none',
      event: tcpConnectEvent({ process: { binary: '/usr/local/bin/kubelet', pod: null }, daddr: '169.254.169.254', dport: 80 }),
    },
    {
      name: 'a pod using the node\'s resolver queries Azure DNS over TCP',
      expect: 'none',
      event: tcpConnectEvent({ process: python, daddr: '168.63.129.16', dport: 53 }),
    },
    {
      name: 'an application calls a public HTTPS API',
      expect: 'none',
      event: tcpConnectEvent({ process: python, daddr: '20.42.65.92', dport: 443 }),
    },
    {
      name: 'a curl health check of the application',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/curl', arguments: '-fsS http://localhost:8080/healthz' }),
    },
  ],
});
