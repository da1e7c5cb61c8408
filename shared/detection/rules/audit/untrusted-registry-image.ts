import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { type ContainerView, WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { container, controllerPodEvent, ephemeralContainerEvent, workloadEvent, workloadPatchEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { canonicalImage, imageForms, parseImageReference } from '../../predicates/imageReferences';
import { imagesOf } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { isResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/**
 * The container's image comes from a trusted registry (any of its full forms matches the list), or it is a
 * listed infrastructure image in an infrastructure namespace (the platform's own components, as
 * `isInfrastructureWorkload` trusts them, judged per container).
 */
function isTrustedImage(image: string, event: AuditEvent, context: DetectionContext): boolean {
  if (imageForms(image).some((form) => context.lists.trustedRegistries.matches(form))) return true;
  return context.lists.infrastructureNamespaces.matches(namespaceOf(event)) && context.lists.infrastructureImages.matches(image);
}

/** `kubectl debug`: a successful write of a running pod's ephemeral containers by a person or workload (not a pod-spec write). */
function isEphemeralContainerWrite(event: AuditEvent, context: DetectionContext): boolean {
  return isWrite(event) && isResource(event, 'pods', 'ephemeralcontainers') && succeeded(event) && !isSystemRequest(event, context);
}

/** Containers whose image is set by the request and is not trusted; none while the policy is empty. */
function untrustedContainers(event: AuditEvent, context: DetectionContext): ContainerView[] {
  if (context.lists.trustedRegistries.patterns.length === 0) return [];
  return workloadContainers(event).filter((c) => c.image !== undefined && c.image.trim() !== '' && !isTrustedImage(c.image, event, context));
}

const policy = { trustedRegistries: ['contoso.azurecr.io/*'] };

export const untrustedRegistryImage = defineRule({
  id: 'untrusted-registry-image',
  alertType: 'K8S_UntrustedRegistryImage',
  displayName: 'Container image from an untrusted registry',
  description:
    'A pod or workload was written with a container whose image does not come from a registry on the `trustedRegistries` list ' +
    '(a policy list, empty by default: the rule is silent until it is set). Images are compared in full form, so Docker Hub ' +
    'short names count as Docker Hub (`nginx` is `docker.io/library/nginx:latest`) and a look-alike host ' +
    '(`contoso.azurecr.io.attacker.example`) is not the trusted registry. Attackers with write access run their tools from ' +
    'public registries; an image from outside the sanctioned registries has not been through their scanning and signing. ' +
    'Pods are judged whoever creates them (the controllers\' copies included), other workload writes and ephemeral (debug) ' +
    'containers when a person or workload writes them; alerts aggregate under the owning workload. Infrastructure images in ' +
    'infrastructure namespaces are trusted.',
  severity: Severity.Medium,
  intent: Intent.Execution,
  techniques: ['T1610', 'T1204.003'],
  remediation: [
    'Find out from the workload owner (the writing identity) why the image comes from that registry; if it is not sanctioned, delete or roll back the workload.',
    'Mirror needed public images into a trusted registry (`az acr import`) and reference them from there.',
    'Enforce the registry policy at admission (Azure Policy "Kubernetes cluster containers should only use allowed images", Gatekeeper or Kyverno), so such pods are refused, not only reported.',
  ],
  falsePositives: [
    'Add-ons and operators that pull from their vendor\'s registry (`mcr.microsoft.com/*`, `quay.io/jetstack/*`): add those registries to the list.',
    'A new registry adopted by a team before the list was updated.',
  ],
  references: [
    'https://learn.microsoft.com/azure/aks/policy-reference',
    'https://kubernetes.io/docs/concepts/containers/images/#image-names',
    'https://attack.mitre.org/techniques/T1610/',
  ],
  equivalents: {
    defender: [],
    falco: ['Create Disallowed Pod'],
    guardDuty: [],
    elastic: [],
  },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    (isJudgedPodSpecWrite(event, context) || isEphemeralContainerWrite(event, context)) && untrustedContainers(event, context).length > 0,
  entities: (event, context) => [...requestEntities(event), ...ownerEntities(event), ...containerEntities(untrustedContainers(event, context))],
  details: (event, context) => {
    const found = untrustedContainers(event, context);
    const images = imagesOf(found);
    return {
      containers: found.map((c) => (c.name === '' ? `(unnamed ${c.kind})` : c.name)).join(', '),
      untrustedImages: redactText(images.join(', ')),
      normalizedImages: redactText(
        images
          .flatMap((image) => {
            const reference = parseImageReference(image);
            return reference === undefined ? [] : [canonicalImage(reference)];
          })
          .join(', '),
      ),
      trustedRegistries: context.lists.trustedRegistries.patterns.join(', '),
    };
  },
  dedupKey: (event) => workloadDedupKey(event),
  examples: [
    {
      name: 'a developer creates a pod from Docker Hub while only the company registry is trusted',
      expect: 'alert',
      lists: policy,
      event: workloadEvent('pods', { containers: [container({ image: 'nginx:1.27' })] }, { name: 'debug-nginx' }),
    },
    {
      name: 'a deployment whose init container comes from a public registry',
      expect: 'alert',
      lists: policy,
      event: workloadEvent(
        'deployments',
        { initContainers: [container({ name: 'fetch', image: 'ghcr.io/tooling/fetcher:0.3' })], containers: [container()] },
        { namespace: 'shop' },
      ),
    },
    {
      name: 'the replicaset controller creates a pod from a look-alike registry host',
      expect: 'alert',
      lists: policy,
      event: controllerPodEvent(
        { containers: [container({ image: 'contoso.azurecr.io.attacker.example/shop/web:1.4.2' })] },
        { namespace: 'shop', owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' }, labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' } },
      ),
    },
    {
      name: 'a JSON patch that swaps a deployment\'s image for one from Docker Hub',
      expect: 'alert',
      lists: policy,
      event: workloadPatchEvent('deployments', { namespace: 'shop', name: 'web' }, [
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'attacker/toolbox:latest' },
      ]),
    },
    {
      name: 'kubectl debug adds an ephemeral container from Docker Hub to a running pod',
      expect: 'alert',
      lists: policy,
      event: ephemeralContainerEvent(
        { namespace: 'shop', name: 'web-7d9f8c6b5-x2k4q' },
        { name: 'debugger-7xk2p', image: 'busybox:1.36', stdin: true, tty: true, targetContainerName: 'app' },
      ),
    },
    {
      name: 'a pod from Docker Hub with the default lists (no registry policy set)',
      expect: 'none',
      event: workloadEvent('pods', { containers: [container({ image: 'nginx:1.27' })] }, { name: 'debug-nginx' }),
    },
    {
      name: 'a deployment from the trusted registry, pinned by digest',
      expect: 'none',
      lists: policy,
      event: workloadEvent(
        'deployments',
        { containers: [container({ image: 'contoso.azurecr.io/shop/web@sha256:4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0' })] },
        { namespace: 'shop' },
      ),
    },
    {
      name: 'a Docker Hub short name when docker.io is trusted',
      expect: 'none',
      lists: { trustedRegistries: ['docker.io/*'] },
      event: workloadEvent('pods', { containers: [container({ image: 'nginx' })] }, { name: 'debug-nginx' }),
    },
    {
      name: 'the daemonset controller creates a kube-proxy pod in kube-system',
      expect: 'none',
      lists: policy,
      event: workloadEvent(
        'pods',
        { containers: [container({ name: 'kube-proxy', image: 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2' })] },
        { name: 'kube-proxy-8x7kq', namespace: 'kube-system', user: 'system:serviceaccount:kube-system:daemon-set-controller' },
      ),
    },
    {
      name: 'the deployment controller writes the ReplicaSet of an untrusted deployment (its pods are judged)',
      expect: 'none',
      lists: policy,
      event: workloadEvent(
        'replicasets',
        { containers: [container({ image: 'nginx:1.27' })] },
        { name: 'web-7d9f8c6b5', namespace: 'shop', user: 'system:serviceaccount:kube-system:deployment-controller' },
      ),
    },
    {
      name: 'a pod from Docker Hub the API server refused',
      expect: 'none',
      lists: policy,
      event: workloadEvent('pods', { containers: [container({ image: 'nginx:1.27' })] }, { code: 403 }),
    },
  ],
});
