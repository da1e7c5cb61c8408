import { objectName } from '../../../kubernetes/workloads';
import { auditEvent, tokenRequestEvent } from '../../exampleEvents';
import { EntityType } from '../../entities';
import { isSystemRequest } from '../../predicates/identities';
import { isCreate, isResource, namespaceOf, succeeded } from '../../predicates/requests';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** The namespaces of the platform's own accounts (Falco watches the same two). */
const KUBE_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public']);

function serviceAccountObject(name: string, namespace: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
}

export const kubeSystemServiceAccountCreated = defineRule({
  id: 'kube-system-service-account-created',
  alertType: 'K8S_KubeSystemServiceAccountCreated',
  displayName: 'Service account created in a kube system namespace',
  description:
    'A service account was created in kube-system or kube-public by an account that is not part of the control plane. These ' +
    'namespaces hold the platform\'s own accounts; attackers create accounts there, often with names that look like platform ' +
    'components, to keep access to the cluster through a token that blends in with the system.',
  // No Defender equivalent. Low: an account alone grants nothing until it is bound to a role or used by a pod, but it is a
  // persistence step that platform operators rarely take by hand.
  severity: Severity.Low,
  intent: Intent.Persistence,
  techniques: ['T1136', 'T1036.005'],
  remediation: [
    'Ask the account that created it why the service account is in a system namespace; application accounts belong in application namespaces.',
    'Check which RoleBindings and ClusterRoleBindings name the account and which pods or tokens use it (`kubectl get pods -n kube-system -o wide`).',
    'Delete the account if it is not expected; this also revokes tokens issued for it.',
  ],
  falsePositives: [
    'Add-ons installed into kube-system by an administrator or a CI pipeline (Helm charts for ingress, storage or monitoring) create their service accounts there.',
    'Cluster bootstrap tools (kubeadm) create kube-proxy and CoreDNS accounts as the cluster administrator.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/security/service-accounts/',
    'https://microsoft.github.io/Threat-Matrix-for-Kubernetes/techniques/container%20service%20account/',
    'https://attack.mitre.org/techniques/T1136/',
    'https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml',
  ],
  equivalents: {
    defender: [],
    falco: ['Service Account Created in Kube Namespace'],
    guardDuty: [],
    elastic: ['New Kubernetes Service Account Created'],
  },
  resources: ['serviceaccounts'],
  match: (event, context) =>
    isCreate(event) &&
    isResource(event, 'serviceaccounts') &&
    KUBE_NAMESPACES.has(namespaceOf(event) ?? '') &&
    succeeded(event) &&
    !isSystemRequest(event, context),
  entities: (event) => {
    const name = objectName(event);
    const namespace = namespaceOf(event);
    return [
      ...requestEntities(event),
      ...(name === undefined ? [] : [{ type: EntityType.serviceAccount, name, ...(namespace === undefined ? {} : { namespace }) }]),
    ];
  },
  details: (event) => ({ serviceAccount: `${namespaceOf(event) ?? ''}/${objectName(event) ?? ''}` }),
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a user creates a look-alike account in kube-system',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'serviceaccounts',
        namespace: 'kube-system',
        requestObject: serviceAccountObject('kube-proxy-agent', 'kube-system'),
      }),
    },
    {
      name: 'a stolen service account token creates an account in kube-public',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'serviceaccounts',
        namespace: 'kube-public',
        user: 'system:serviceaccount:ci:deployer',
        userAgent: 'curl/8.5.0',
        requestObject: serviceAccountObject('backup', 'kube-public'),
      }),
    },
    {
      name: 'a service account in an application namespace',
      expect: 'none',
      event: auditEvent({ verb: 'create', resource: 'serviceaccounts', namespace: 'shop', requestObject: serviceAccountObject('web', 'shop') }),
    },
    {
      name: 'the AKS add-on manager creates an add-on account',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'serviceaccounts',
        namespace: 'kube-system',
        user: 'system:serviceaccount:kube-system:addon-manager',
        requestObject: serviceAccountObject('azure-policy-webhook-account', 'kube-system'),
      }),
    },
    {
      name: 'the account already exists',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'serviceaccounts',
        namespace: 'kube-system',
        code: 409,
        requestObject: serviceAccountObject('coredns', 'kube-system'),
      }),
    },
    {
      name: 'a token requested for an existing kube-system account',
      expect: 'none',
      event: tokenRequestEvent({ namespace: 'kube-system', name: 'coredns' }, { audiences: ['https://kubernetes.default.svc'] }),
    },
  ],
});
