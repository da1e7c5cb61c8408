import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asString } from '../../../kubernetes/jsonValues';
import { ContainerKind, workloadContainers } from '../../../kubernetes/workloads';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, ephemeralContainerEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { commandLineOf, imagesOf } from '../../predicates/podSecurity';
import { isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const EPHEMERAL_CONTAINER_VERBS: ReadonlySet<string> = new Set(['patch', 'update']);

/** The ephemeral containers the request shows (an update lists those already there too). */
function ephemeralContainers(event: AuditEvent) {
  return workloadContainers(event).filter((c) => c.kind === ContainerKind.ephemeralContainer);
}

const webPod = { namespace: 'shop', name: 'web-7d9f8c6b5-x2k4q' };
const busyboxDebugger = { name: 'debugger-8kz2n', image: 'docker.io/library/busybox:1.36' };

export const ephemeralContainerAdded = defineRule({
  id: 'ephemeral-container-added',
  alertType: 'K8S_EphemeralContainerAdded',
  displayName: 'Ephemeral container added to a running pod',
  description:
    'An ephemeral container was added to a running pod (`kubectl debug`). The new container runs an image of the caller\'s ' +
    'choice inside the pod, with its network, its volumes if mounted, its service-account token and, with a target container, ' +
    'its processes. It is a way to run code in a pod that exec restrictions and image policies on workloads may miss.',
  // New alert type. Low: debugging is a normal operator task; the platform namespaces raise it to Medium (severityFor).
  severity: Severity.Low,
  severityFor: (event, context) => (context.lists.infrastructureNamespaces.matches(namespaceOf(event)) ? Severity.Medium : Severity.Low),
  intent: Intent.Execution,
  techniques: ['T1609', 'T1610'],
  remediation: [
    'Confirm with the account owner that the debugging session was expected, and review the image it ran.',
    'Grant the `pods/ephemeralcontainers` permission only to the operators who debug production, and apply image and Pod Security admission policies to it too.',
    'If the session was not expected, delete the pod (an ephemeral container cannot be removed) and rotate the credentials it could read.',
  ],
  falsePositives: ['Operators and developers debugging a pod with `kubectl debug`.'],
  references: [
    'https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/',
    'https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container',
    'https://attack.mitre.org/techniques/T1609/',
  ],
  equivalents: { defender: [], falco: ['EphemeralContainers Created'], guardDuty: [], elastic: [] },
  resources: ['pods'],
  match: (event, context) =>
    EPHEMERAL_CONTAINER_VERBS.has(event.verb) &&
    isResource(event, 'pods', 'ephemeralcontainers') &&
    succeeded(event) &&
    !isSystemRequest(event, context),
  entities: (event) => {
    const containers = ephemeralContainers(event);
    const processes = containers
      .map(commandLineOf)
      .filter((line) => line !== '')
      .map((line): AlertEntity => ({ type: EntityType.process, commandLine: redactText(line) }));
    return [...requestEntities(event), ...containerEntities(containers), ...processes];
  },
  details: (event) => {
    const containers = ephemeralContainers(event);
    const targets = containers.map((c) => asString(c.spec.targetContainerName)).filter((t): t is string => t !== undefined);
    const images = imagesOf(containers);
    return {
      ...(containers.length > 0 ? { ephemeralContainers: containers.map((c) => c.name).join(', ') } : {}),
      ...(images.length > 0 ? { images: images.join(', ') } : {}),
      ...(targets.length > 0 ? { targetContainers: targets.join(', ') } : {}),
    };
  },
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${event.objectRef?.name ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'kubectl debug adds a busybox container targeting the app',
      expect: 'alert',
      event: ephemeralContainerEvent(webPod, { ...busyboxDebugger, targetContainerName: 'app', stdin: true, tty: true, terminationMessagePolicy: 'File' }),
    },
    {
      name: 'an ephemeral container with a command in a kube-system pod',
      expect: 'alert',
      event: ephemeralContainerEvent(
        { namespace: 'kube-system', name: 'coredns-6f9c8d7b5-q8w2e' },
        {
          name: 'debugger-p4m7x',
          image: 'docker.io/nicolaka/netshoot:v0.13',
          command: ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token'],
          targetContainerName: 'coredns',
        },
      ),
    },
    {
      name: 'a client updates the ephemeral containers with a full pod and only metadata is logged',
      expect: 'alert',
      event: auditEvent({ verb: 'update', resource: 'pods', subresource: 'ephemeralcontainers', ...webPod }),
    },
    {
      name: 'someone reads the ephemeral containers of a pod',
      expect: 'none',
      event: auditEvent({ verb: 'get', resource: 'pods', subresource: 'ephemeralcontainers', ...webPod }),
    },
    {
      name: 'a patch of the pod itself',
      expect: 'none',
      event: auditEvent({ verb: 'patch', resource: 'pods', ...webPod, requestObject: { metadata: { labels: { debug: 'true' } } } }),
    },
    {
      name: 'kubectl debug refused by RBAC',
      expect: 'none',
      event: ephemeralContainerEvent(webPod, busyboxDebugger, { code: 403 }),
    },
    {
      name: 'a listed system identity writes the ephemeral containers',
      expect: 'none',
      event: ephemeralContainerEvent(webPod, busyboxDebugger, { user: 'system:kube-controller-manager' }),
    },
  ],
});
