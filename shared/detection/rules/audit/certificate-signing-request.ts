import { asObject, asString, asStringArray, getPath } from '../../../kubernetes/jsonValues';
import { objectName, writtenObject } from '../../../kubernetes/workloads';
import { auditEvent, type AuditEventOverrides, EXAMPLE_KUBELET_USER_AGENT } from '../../exampleEvents';
import { isSystemRequest } from '../../predicates/identities';
import { CERTIFICATES_GROUP, CSR_RESOURCE, isBootstrapIdentity, isCsrApproval, isCsrCreate, type RequestedSubject, requestedSubject } from '../../predicates/certificateRequests';
import { apiGroupOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** The certificate would authenticate as a control-plane identity or into a `system:` group (system:masters). */
function requestsSystemIdentity(subject: RequestedSubject): boolean {
  return [subject.commonName ?? '', ...subject.organizations].some((name) => name.startsWith('system:'));
}

/** A CertificateSigningRequest manifest with the metadata and the fields (spec, status) given. */
const csrObject = (metadata: Record<string, string>, fields: Record<string, unknown> = {}) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata,
  ...fields,
});

/** A create (by default) of a CertificateSigningRequest. */
const csrEvent = (overrides: AuditEventOverrides) => auditEvent({ verb: 'create', resource: CSR_RESOURCE, apiGroup: CERTIFICATES_GROUP, ...overrides });

/** `kubectl certificate approve` or `deny`: an update of the CSR's approval subresource with the conditions set. */
const approvalEvent = (name: string, fields: Record<string, unknown>, overrides: AuditEventOverrides = {}) =>
  csrEvent({ verb: 'update', subresource: 'approval', name, requestObject: csrObject({ name }, fields), ...overrides });

export const certificateSigningRequest = defineRule({
  id: 'certificate-signing-request',
  alertType: 'K8S_CertificateSigningRequest',
  displayName: 'Certificate signing request created or approved by a non-node identity',
  description:
    'A user or workload that is not a node created a CertificateSigningRequest or approved one. Once signed by the cluster CA, a ' +
    'client certificate authenticates as whatever user and groups it names (even system:masters) until it expires, and it cannot ' +
    'be revoked: a durable backdoor that survives token rotation and RBAC clean-up. Nodes (kubelet TLS bootstrapping) and the ' +
    'control plane are the usual creators and approvers.',
  // Medium: people rarely create or approve CSRs; High when the certificate would carry a system: identity or group.
  severity: Severity.Medium,
  severityFor: (event) => (requestsSystemIdentity(requestedSubject(event)) ? Severity.High : Severity.Medium),
  intent: Intent.Persistence,
  techniques: ['T1098', 'T1136'],
  remediation: [
    'Find out from the account owner why a certificate was requested or approved, and for which identity (see the requested subject).',
    'If it is not expected, deny and delete the CSR (`kubectl certificate deny`, `kubectl delete csr`). A certificate already issued ' +
      'stays valid until it expires: remove the RBAC bindings of the user and groups it names, and rotate the cluster CA ' +
      '(`az aks rotate-certs`) if it names system:masters.',
    'Restrict `create` on certificatesigningrequests and `update` on certificatesigningrequests/approval (and `approve` on signers) to the identities that need them.',
  ],
  falsePositives: [
    'Administrators who issue client certificates to people or tools on purpose (an internal PKI workflow, cert-manager\'s CSR-based issuers).',
    'Custom node bootstrap or approver controllers that run under their own service account; add them to the systemIdentities list.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/',
    'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/',
    'https://learn.microsoft.com/azure/aks/certificate-rotation',
    'https://attack.mitre.org/techniques/T1098/',
  ],
  equivalents: {
    defender: [],
    falco: [],
    guardDuty: [],
    elastic: ['Kubernetes Client Certificate Signing Request Created or Approved'],
  },
  resources: ['certificatesigningrequests'],
  match: (event, context) =>
    apiGroupOf(event) === CERTIFICATES_GROUP &&
    (isCsrCreate(event) || isCsrApproval(event)) &&
    succeeded(event) &&
    !isSystemRequest(event, context) &&
    !(isCsrCreate(event) && isBootstrapIdentity(event)),
  entities: (event) => requestEntities(event),
  details: (event) => {
    const subject = requestedSubject(event);
    const spec = asObject(getPath(writtenObject(event), 'spec'));
    const details: Record<string, string> = {
      action: isCsrCreate(event) ? 'created' : 'approved',
      certificateSigningRequest: objectName(event) ?? '',
    };
    const signerName = asString(spec?.signerName);
    if (signerName !== undefined) details.signerName = signerName;
    const usages = asStringArray(spec?.usages);
    if (usages.length > 0) details.usages = usages.join(', ');
    if (subject.commonName !== undefined) details.requestedCommonName = redactText(subject.commonName);
    if (subject.organizations.length > 0) details.requestedOrganizations = redactText(subject.organizations.join(', '));
    return details;
  },
  dedupKey: (event) => `${objectName(event) ?? ''}|${event.verb}|${event.user.username}`,
  examples: [
    {
      name: 'a developer asks for a client certificate in the system:masters group',
      expect: 'alert',
      event: csrEvent({
        name: 'backdoor-admin',
        requestObject: csrObject(
          { name: 'backdoor-admin' },
          {
            spec: {
              // PKCS#10 request for CN=backdoor-admin, O=system:masters (public data; its key was thrown away).
              request:
                'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIc01JR1VBZ0VBTURJeEZ6QVZCZ05WQkFvTURuTjVjM1JsYlRwdFlYTjBaWEp6TVJjd0ZRWURWUVFEREE1aQpZV05yWkc5dmNpMWhaRzFwYmpCWk1CTUdCeXFHU000OUFnRUdDQ3FHU000OUF3RUhBMElBQkFpQ0g0V01pRFJlCmpSbHRxYVp6SmErQ2VBbEhJWmtvU2pVKzUvSnlNVG5qWnlBU0Z0Wis0RFFjdXFZc0dTNzZjd3laTWpsU0hQSVMKMmZFMnZMbE9sQStnQURBS0JnZ3Foa2pPUFFRREFnTkhBREJFQWlFQXQwUGRNR3VVNmNYUU5ZOVFHdC9Ha2JKQwpEYkxiSzhWa1JMOENFY2w4a2dnQ0gyQzV4MGUzWFRoeURSSStBL0dDbGgyODVLQzkzdkU5ZE1TQVJuZnh4c2M9Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=',
              signerName: 'kubernetes.io/kube-apiserver-client',
              expirationSeconds: 31536000,
              usages: ['client auth'],
            },
          },
        ),
      }),
    },
    {
      name: 'a developer approves a pending certificate signing request',
      expect: 'alert',
      event: approvalEvent('dana-client', {
        spec: {
          // PKCS#10 request for CN=dana, O=shop-developers.
          request:
            'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIa01JR0xBZ0VBTUNreEdEQVdCZ05WQkFvTUQzTm9iM0F0WkdWMlpXeHZjR1Z5Y3pFTk1Bc0dBMVVFQXd3RQpaR0Z1WVRCWk1CTUdCeXFHU000OUFnRUdDQ3FHU000OUF3RUhBMElBQk90TS8wSmY1NHkrWTMwc3ZuaEJmSDRRCngybFpreUdCNkc2VzFoMmtwbEFhWDVCRnNzVitmQkpvZm4yOHFYc3VacUxtVU1ub0tYZXFVR1l4dFBZVWUxdWcKQURBS0JnZ3Foa2pPUFFRREFnTklBREJGQWlFQWgxYUpjdFV5bUowV2xjTEZ1cjFycVU5REN0eFZiN2theW1hdApBOUlhcjdnQ0lEVlNzWnlPSmt6dzJYNWxEa2hBWG42YU1oWENrVkxEVDAyN3FZTUx2ZFR1Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=',
          signerName: 'kubernetes.io/kube-apiserver-client',
          usages: ['client auth'],
        },
        status: {
          conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }],
        },
      }),
    },
    {
      name: 'the kubelet asks for its serving certificate',
      expect: 'none',
      event: csrEvent({
        user: 'system:node:aks-nodepool1-12345678-vmss000000',
        userAgent: EXAMPLE_KUBELET_USER_AGENT,
        requestObject: csrObject({ generateName: 'csr-' }, { spec: { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] } }),
      }),
    },
    {
      name: 'a new node bootstraps with a bootstrap token',
      expect: 'none',
      event: csrEvent({
        user: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:aks', 'system:authenticated'] },
        userAgent: EXAMPLE_KUBELET_USER_AGENT,
        requestObject: csrObject(
          { generateName: 'csr-' },
          { spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] } },
        ),
      }),
    },
    {
      name: 'the CSR approving controller approves a node client certificate',
      expect: 'none',
      event: approvalEvent(
        'csr-7xk2p',
        { status: { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }] } },
        { user: 'system:serviceaccount:kube-system:certificate-controller' },
      ),
    },
    {
      name: 'a developer denies a certificate signing request',
      expect: 'none',
      event: approvalEvent('unknown-client', { status: { conditions: [{ type: 'Denied', status: 'True', reason: 'KubectlDeny' }] } }),
    },
    {
      name: 'a certificate signing request the API server refused',
      expect: 'none',
      event: csrEvent({ code: 403, requestObject: csrObject({ name: 'try-admin' }) }),
    },
  ],
});
