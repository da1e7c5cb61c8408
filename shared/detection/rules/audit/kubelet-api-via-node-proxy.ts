import { type AuditEvent, AuditStage } from '../../../kubernetes/auditEvent';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, type AuditEventOverrides } from '../../exampleEvents';
import { displayCommandLine } from '../../predicates/commandLines';
import { isSystemRequest } from '../../predicates/identities';
import { isResource, queryValues, requestPath, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const NODE_PROXY_PATH = /^\/api\/v1\/nodes\/([^/]+)\/proxy(\/.*)?$/;

/** Kubelet endpoints that run a command in a container or join its streams. */
const COMMAND_ENDPOINTS: ReadonlySet<string> = new Set(['exec', 'run', 'attach']);
/** The kubelet's CRI streaming endpoints (`/cri/exec/<token>`): the same as exec and attach. */
const CRI_COMMAND_ENDPOINTS: ReadonlySet<string> = new Set(['exec', 'attach']);
/** Read-only monitoring endpoints (numbers and health): scraped by Prometheus through the proxy, nothing sensitive. */
const MONITORING_ENDPOINTS: ReadonlySet<string> = new Set(['metrics', 'healthz', 'stats']);

/** The kubelet path the API server proxied to (`/exec/shop/web-1/app`), `/` when none; undefined when not a node proxy. */
function kubeletPath(event: AuditEvent): string | undefined {
  const match = NODE_PROXY_PATH.exec(requestPath(event));
  if (match === null) return undefined;
  return match[2] ?? '/';
}

function pathSegments(event: AuditEvent): string[] {
  return (kubeletPath(event) ?? '').split('/').filter((segment) => segment !== '');
}

/** The kubelet endpoint, lower-case: `exec`, `pods`, `containerlogs`, `cri/exec`, ... */
function endpointOf(event: AuditEvent): string {
  const [first = '', second = ''] = pathSegments(event).map((segment) => segment.toLowerCase());
  return first === 'cri' ? `cri/${second}` : first;
}

function runsCommand(event: AuditEvent): boolean {
  const endpoint = endpointOf(event);
  return COMMAND_ENDPOINTS.has(endpoint) || (endpoint.startsWith('cri/') && CRI_COMMAND_ENDPOINTS.has(endpoint.slice(4)));
}

/** Endpoints that name a pod: `/<endpoint>/<namespace>/<pod>[/<container>]`. */
const POD_ENDPOINTS: ReadonlySet<string> = new Set(['exec', 'run', 'attach', 'portforward', 'containerlogs']);

interface PodTarget {
  namespace: string;
  pod: string;
  container?: string;
}

function podTarget(event: AuditEvent): PodTarget | undefined {
  if (!POD_ENDPOINTS.has(endpointOf(event))) return undefined;
  const [, namespace, pod, container] = pathSegments(event);
  if (namespace === undefined || pod === undefined) return undefined;
  return { namespace, pod, ...(container === undefined ? {} : { container }) };
}

/** The command of `/exec` (`command`, once per argument) or `/run` (`cmd`, one string), redacted. */
function commandLine(event: AuditEvent): string | undefined {
  const args = [...queryValues(event, 'command'), ...queryValues(event, 'cmd')];
  return args.length === 0 ? undefined : redactText(displayCommandLine(args));
}

function nodeName(event: AuditEvent): string {
  return event.objectRef?.name ?? NODE_PROXY_PATH.exec(requestPath(event))?.[1] ?? '';
}

const NODE = 'aks-nodepool1-12345678-vmss000000';

/** A request through the API server's proxy to the node's kubelet, at the kubelet path given (with its query). */
const nodeProxyEvent = (kubeletPathAndQuery: string, overrides: AuditEventOverrides = {}, node = NODE) =>
  auditEvent({
    verb: 'get',
    resource: 'nodes',
    subresource: 'proxy',
    name: node,
    requestURI: `/api/v1/nodes/${node}/proxy${kubeletPathAndQuery}`,
    ...overrides,
  });

export const kubeletApiViaNodeProxy = defineRule({
  id: 'kubelet-api-via-node-proxy',
  alertType: 'K8S_KubeletApiViaNodeProxy',
  displayName: 'Kubelet API reached through the API server node proxy',
  description:
    'A user or workload used the nodes/proxy subresource to reach a node\'s kubelet through the API server. Through it the caller ' +
    'can run commands in any container of the node (/exec, /run, /attach) without a pods/exec request, so without the exec audit ' +
    'record and admission checks, and read every pod spec with its environment values (/pods), container logs and the kubelet ' +
    'configuration. Read-only monitoring endpoints (/metrics, /healthz, /stats) are not reported.',
  // Medium for reads (pod specs, logs, kubelet configuration): sensitive but no code runs; severityFor raises command execution.
  severity: Severity.Medium,
  // High for /exec, /run, /attach (and their /cri forms): a command runs in a container while bypassing pods/exec audit and admission.
  severityFor: (event) => (runsCommand(event) ? Severity.High : Severity.Medium),
  intent: Intent.Execution,
  techniques: ['T1609', 'T1613', 'T1552.007'],
  stages: [AuditStage.ResponseStarted, AuditStage.ResponseComplete],
  remediation: [
    'Find out who holds `nodes/proxy` and why: it is effectively command execution on every node\'s pods and should belong to no person or application account.',
    'If a command ran (/exec, /run, /attach), treat the target container and its secrets as compromised: look at what the command did and rotate the credentials the container holds.',
    'If pod specs or logs were read (/pods, /containerLogs), rotate the secrets passed as environment values on that node.',
    'Remove `nodes/proxy` from the Role or ClusterRole that grants it; monitoring agents only need `nodes/metrics` and `nodes/stats`.',
  ],
  falsePositives: [
    'Monitoring or debugging tools that read the kubelet through the API server proxy on endpoints other than /metrics, /healthz and /stats (for example /pods or /configz).',
    'An administrator troubleshooting a node through `kubectl get --raw /api/v1/nodes/<node>/proxy/...`.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/',
    'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
    'https://attack.mitre.org/techniques/T1609/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes API Server Proxying Request to Kubelet'],
  },
  resources: ['nodes'],
  match: (event, context) =>
    isResource(event, 'nodes', 'proxy') &&
    succeeded(event) &&
    kubeletPath(event) !== undefined &&
    !MONITORING_ENDPOINTS.has(endpointOf(event)) &&
    !isSystemRequest(event, context),
  entities: (event) => {
    const entities: AlertEntity[] = requestEntities(event);
    const target = podTarget(event);
    if (target !== undefined) {
      entities.push({ type: EntityType.pod, name: target.pod, namespace: target.namespace });
      if (target.container !== undefined) entities.push({ type: EntityType.container, name: target.container });
    }
    const command = commandLine(event);
    if (command !== undefined) entities.push({ type: EntityType.process, commandLine: command });
    return entities;
  },
  details: (event) => {
    const details: Record<string, string> = {
      node: nodeName(event),
      kubeletEndpoint: endpointOf(event) || '/',
      kubeletPath: redactText(kubeletPath(event) ?? ''),
    };
    const target = podTarget(event);
    if (target !== undefined) details.targetPod = `${target.namespace}/${target.pod}`;
    const command = commandLine(event);
    if (command !== undefined) details.command = command;
    return details;
  },
  dedupKey: (event) => {
    const target = podTarget(event);
    return `${nodeName(event)}|${endpointOf(event)}|${target === undefined ? '' : `${target.namespace}/${target.pod}`}|${event.user.username}`;
  },
  examples: [
    {
      name: 'a developer runs a command in a pod through the kubelet exec endpoint',
      expect: 'alert',
      event: nodeProxyEvent('/exec/shop/web-7d9f8c6b5-x2k4q/app?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&output=1', {
        code: 101,
        stage: AuditStage.ResponseStarted,
      }),
    },
    {
      name: 'a workload runs a command through the kubelet run endpoint',
      expect: 'alert',
      event: nodeProxyEvent(
        '/run/kube-system/coredns-789789675-8wm9t/coredns?cmd=id',
        { verb: 'create', code: 200, user: 'system:serviceaccount:shop:web', userAgent: 'curl/8.5.0' },
        'aks-nodepool1-12345678-vmss000001',
      ),
    },
    {
      name: 'a developer lists the pods of a node from the kubelet',
      expect: 'alert',
      event: nodeProxyEvent('/pods'),
    },
    {
      name: 'Prometheus scrapes cAdvisor metrics through the node proxy',
      expect: 'none',
      event: nodeProxyEvent('/metrics/cadvisor', { user: 'system:serviceaccount:monitoring:prometheus-server', userAgent: 'Prometheus/2.53.0' }),
    },
    {
      name: 'the Container Insights agent reads the pods of a node',
      expect: 'none',
      event: nodeProxyEvent('/pods', { user: 'system:serviceaccount:kube-system:ama-logs' }),
    },
    {
      name: 'a kubelet exec through the node proxy that RBAC refused',
      expect: 'none',
      event: nodeProxyEvent('/exec/shop/web-7d9f8c6b5-x2k4q/app?command=id', { code: 403 }),
    },
  ],
});
