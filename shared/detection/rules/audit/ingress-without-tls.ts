import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asArray, asObject, asString, getPath, type JsonObject, objectsAt } from '../../../kubernetes/jsonValues';
import { isJsonPatch } from '../../../kubernetes/patchDocuments';
import { objectName, writtenObject } from '../../../kubernetes/workloads';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, type AuditEventOverrides } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { isSystemRequest } from '../../predicates/identities';
import { apiGroupOf, isMainResource, isResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** Ingress lives in networking.k8s.io (v1) and, on old clusters, extensions (v1beta1). */
const INGRESS_GROUPS: ReadonlySet<string> = new Set(['networking.k8s.io', 'extensions']);

/**
 * Annotations with which cloud ingress controllers terminate TLS without `spec.tls`: AWS Load Balancer Controller (ACM
 * certificates), GKE (pre-shared and Google-managed certificates), Azure Application Gateway (certificates on the gateway).
 */
const TLS_ANNOTATIONS: readonly string[] = [
  'alb.ingress.kubernetes.io/certificate-arn',
  'ingress.gcp.kubernetes.io/pre-shared-cert',
  'networking.gke.io/managed-certificates',
  'appgw.ingress.kubernetes.io/appgw-ssl-certificate',
  'appgw.ingress.kubernetes.io/appgw-trusted-root-certificate',
];

/** cert-manager's temporary Ingress for an ACME HTTP-01 challenge: plain HTTP by design (the CA fetches the token over port 80). */
const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/';

function isIngressWrite(event: AuditEvent): boolean {
  return isWrite(event) && isResource(event, 'ingresses') && isMainResource(event) && INGRESS_GROUPS.has(apiGroupOf(event));
}

/** The Ingress as it is after the write: the server's response when logged, else the body of a create or update. */
function ingressAfterWrite(event: AuditEvent): JsonObject | undefined {
  const response = asObject(event.responseObject);
  if (response !== undefined && response.kind !== 'Status' && asObject(response.spec) !== undefined) return response;
  if (event.verb === 'patch') return undefined;
  const written = writtenObject(event);
  return asObject(written?.spec) !== undefined ? written : undefined;
}

function hasTls(ingress: JsonObject): boolean {
  if (objectsAt(ingress, 'spec', 'tls').length > 0) return true;
  const annotations = asObject(getPath(ingress, 'metadata', 'annotations')) ?? {};
  return TLS_ANNOTATIONS.some((name) => (asString(annotations[name]) ?? '') !== '');
}

function paths(ingress: JsonObject): string[] {
  return objectsAt(ingress, 'spec', 'rules').flatMap((rule) => objectsAt(rule, 'http', 'paths').map((path) => asString(path.path) ?? '/'));
}

function isAcmeSolver(ingress: JsonObject): boolean {
  if (asString(getPath(ingress, 'metadata', 'labels', ACME_SOLVER_LABEL)) === 'true') return true;
  const all = paths(ingress);
  return all.length > 0 && all.every((path) => path.startsWith(ACME_CHALLENGE_PATH));
}

/** A patch that removes TLS: JSON-patch `remove` of `/spec/tls`, or a merge patch setting `spec.tls` to null or []. */
function patchRemovesTls(event: AuditEvent): boolean {
  if (event.verb !== 'patch') return false;
  const request = event.requestObject;
  if (isJsonPatch(request)) {
    return request.some((operation) => {
      const op = asObject(operation);
      const path = asString(op?.path);
      return path === '/spec/tls' && (op?.op === 'remove' || ((op?.op === 'replace' || op?.op === 'add') && (op.value === null || asArray(op.value).length === 0)));
    });
  }
  const spec = asObject(asObject(request)?.spec);
  return spec !== undefined && 'tls' in spec && (spec.tls === null || (Array.isArray(spec.tls) && spec.tls.length === 0));
}

/** A patch that changes what the Ingress serves or how (a label or annotation patch does not make it a new exposure). */
function patchTouchesSpec(event: AuditEvent): boolean {
  const request = event.requestObject;
  if (isJsonPatch(request)) return request.some((operation) => (asString(asObject(operation)?.path) ?? '').startsWith('/spec'));
  return asObject(asObject(request)?.spec) !== undefined;
}

/** Why the request leaves the Ingress without TLS, or undefined when it does not (or the record cannot tell). */
function withoutTlsReason(event: AuditEvent): string | undefined {
  if (patchRemovesTls(event)) return 'TLS removed';
  if (event.verb === 'patch' && !patchTouchesSpec(event)) return undefined;
  const ingress = ingressAfterWrite(event);
  if (ingress === undefined || hasTls(ingress) || isAcmeSolver(ingress)) return undefined;
  return 'no spec.tls';
}

function hostsOf(ingress: JsonObject | undefined): string[] {
  return [...new Set(objectsAt(ingress, 'spec', 'rules').map((rule) => asString(rule.host) ?? '*'))];
}

function backendServices(ingress: JsonObject | undefined): string[] {
  const names = objectsAt(ingress, 'spec', 'rules').flatMap((rule) =>
    objectsAt(rule, 'http', 'paths').map((path) => asString(getPath(path, 'backend', 'service', 'name')) ?? asString(getPath(path, 'backend', 'serviceName'))),
  );
  const fallback = asString(getPath(ingress, 'spec', 'defaultBackend', 'service', 'name'));
  return [...new Set([...names, fallback].filter((name): name is string => name !== undefined))];
}

// ---------------------------------------------------------------------------------------------------
// Examples.

function ingress(name: string, namespace: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace, ...metadata }, spec };
}

const httpRule = (host: string, service: string, path = '/') => ({
  host,
  http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] },
});

const shopIngress = (tls: boolean) =>
  ingress('web', 'shop', {
    ingressClassName: 'webapprouting.kubernetes.azure.com',
    rules: [httpRule('shop.contoso.com', 'web')],
    ...(tls ? { tls: [{ hosts: ['shop.contoso.com'], secretName: 'shop-tls' }] } : {}),
  });

const ingressEvent = (verb: string, body: unknown, overrides: AuditEventOverrides = {}) =>
  auditEvent({ verb, resource: 'ingresses', apiGroup: 'networking.k8s.io', namespace: 'shop', name: 'web', requestObject: body, ...overrides });

export const ingressWithoutTls = defineRule({
  id: 'ingress-without-tls',
  alertType: 'K8S_IngressWithoutTls',
  displayName: 'Ingress created or changed without TLS',
  description:
    'An Ingress was created, or its rules or TLS changed, so that it serves its hosts without TLS (`spec.tls` absent or empty, ' +
    'and no cloud load-balancer certificate annotation). Everything sent to the exposed services, passwords and session ' +
    'cookies included, then crosses the network in clear text, where it can be read or changed in transit. cert-manager\'s ' +
    'temporary HTTP-01 challenge Ingresses and the ingress controllers\' status updates are not reported.',
  // New alert type (Falco's "Ingress Object without TLS Certificate Created" is the equivalent). Low: a configuration weakness, often on purpose on internal hosts.
  severity: Severity.Low,
  intent: Intent.CredentialAccess,
  techniques: ['T1040', 'T1557'],
  remediation: [
    'Add a `tls` section with a certificate for every host (cert-manager can issue and renew it), or terminate TLS at the load balancer and say so with the controller\'s certificate annotation.',
    'Redirect HTTP to HTTPS at the ingress controller, and require TLS for new Ingresses with an admission policy (Gatekeeper, Kyverno, Azure Policy).',
    'If TLS was removed on purpose, confirm the hosts carry no credentials or personal data.',
  ],
  falsePositives: [
    'Ingresses for internal hosts or health endpoints deliberately served over plain HTTP.',
    'Controllers that terminate TLS with a certificate configured outside the Ingress under an annotation this rule does not know (add it to TLS_ANNOTATIONS).',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/services-networking/ingress/#tls',
    'https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml',
    'https://cert-manager.io/docs/configuration/acme/http01/',
    'https://attack.mitre.org/techniques/T1040/',
  ],
  equivalents: { defender: [], falco: ['Ingress Object without TLS Certificate Created'], guardDuty: [], elastic: [] },
  resources: ['ingresses'],
  match: (event, context) =>
    isIngressWrite(event) && succeeded(event) && !isDryRun(event) && !isSystemRequest(event, context) && withoutTlsReason(event) !== undefined,
  entities: (event) => {
    const namespace = namespaceOf(event);
    const services = backendServices(ingressAfterWrite(event) ?? writtenObject(event));
    return [
      ...requestEntities(event),
      ...services.map((name): AlertEntity => ({ type: EntityType.service, name, ...(namespace === undefined ? {} : { namespace }) })),
    ];
  },
  details: (event) => {
    const ingressObject = ingressAfterWrite(event) ?? writtenObject(event);
    return {
      ingress: `${namespaceOf(event) ?? ''}/${objectName(event) ?? ''}`,
      verb: event.verb,
      reason: withoutTlsReason(event) ?? '',
      hosts: redactText(hostsOf(ingressObject).join(', ')),
      ingressClass: asString(getPath(ingressObject, 'spec', 'ingressClassName')) ?? asString(getPath(ingressObject, 'metadata', 'annotations', 'kubernetes.io/ingress.class')) ?? '',
      backendServices: backendServices(ingressObject).join(', '),
    };
  },
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}`,
  examples: [
    {
      name: 'kubectl apply creates an Ingress without a tls section',
      expect: 'alert',
      event: ingressEvent('create', shopIngress(false), { requestURI: '/apis/networking.k8s.io/v1/namespaces/shop/ingresses?fieldManager=kubectl-client-side-apply' }),
    },
    {
      name: 'a JSON patch removes the TLS section of an Ingress',
      expect: 'alert',
      event: ingressEvent('patch', [{ op: 'remove', path: '/spec/tls' }]),
    },
    {
      name: 'a patch adds a rule to an Ingress the server returns without TLS',
      expect: 'alert',
      event: ingressEvent(
        'patch',
        { spec: { rules: [httpRule('admin.contoso.com', 'admin')] } },
        { responseObject: ingress('web', 'shop', { rules: [httpRule('admin.contoso.com', 'admin')] }) },
      ),
    },
    {
      name: 'an Ingress with TLS',
      expect: 'none',
      event: ingressEvent('create', shopIngress(true)),
    },
    {
      name: 'an AWS load balancer Ingress that terminates TLS with an ACM certificate',
      expect: 'none',
      event: ingressEvent(
        'create',
        ingress('web', 'shop', { ingressClassName: 'alb', rules: [httpRule('shop.contoso.com', 'web')] }, {
          annotations: {
            'alb.ingress.kubernetes.io/certificate-arn': 'arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
            'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443}]',
          },
        }),
      ),
    },
    {
      name: "cert-manager creates its HTTP-01 challenge solver Ingress",
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'ingresses',
        apiGroup: 'networking.k8s.io',
        namespace: 'shop',
        user: 'system:serviceaccount:cert-manager:cert-manager',
        requestObject: ingress(
          'cm-acme-http-solver-7xk2p',
          'shop',
          { rules: [httpRule('shop.contoso.com', 'cm-acme-http-solver-q9w8e', '/.well-known/acme-challenge/Xq3v8kz1a2B3c4D5e6F7g8H9i0J')] },
          { labels: { [ACME_SOLVER_LABEL]: 'true', 'acme.cert-manager.io/http-domain': '1234567890' } },
        ),
      }),
    },
    {
      name: "the ingress controller updates the Ingress status",
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'ingresses',
        subresource: 'status',
        apiGroup: 'networking.k8s.io',
        namespace: 'shop',
        name: 'web',
        user: 'system:serviceaccount:app-routing-system:nginx',
        requestObject: { ...shopIngress(false), status: { loadBalancer: { ingress: [{ ip: '198.51.100.40' }] } } },
      }),
    },
    {
      name: 'a label-only patch of an Ingress without TLS',
      expect: 'none',
      event: ingressEvent('patch', { metadata: { labels: { team: 'shop' } } }, { responseObject: shopIngress(false) }),
    },
    {
      name: 'an Ingress without TLS that admission refused',
      expect: 'none',
      event: ingressEvent('create', shopIngress(false), { code: 403, annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding "shop-deployers/shop" of ClusterRole "edit" to User "dana@contoso.com"' } }),
    },
  ],
});
