import { type AuditEvent } from '../../kubernetes/auditEvent';
import { asString, getPath, objectsAt } from '../../kubernetes/jsonValues';
import { writtenObject } from '../../kubernetes/workloads';
import { isCreate, isResource } from './requests';

/** CertificateSigningRequests (`certificates.k8s.io`): what they ask for and who asks. Pure and total. */

export const CERTIFICATES_GROUP = 'certificates.k8s.io';
export const CSR_RESOURCE = 'certificatesigningrequests';

export function isCsrCreate(event: AuditEvent): boolean {
  return isCreate(event) && isResource(event, CSR_RESOURCE);
}

/** An approval request (`kubectl certificate approve`) that approves: a denial is not a credential issued. */
export function isCsrApproval(event: AuditEvent): boolean {
  if (!(event.verb === 'update' || event.verb === 'patch') || !isResource(event, CSR_RESOURCE, 'approval')) return false;
  const conditions = objectsAt(writtenObject(event), 'status', 'conditions');
  // The body was not logged: an approval request, of which we cannot tell the decision, counts.
  if (conditions.length === 0) return true;
  return conditions.some((condition) => condition.type === 'Approved' && condition.status !== 'False');
}

/** Kubelet TLS bootstrapping: a bootstrap token (what creates a new node's first client CSR). */
export function isBootstrapIdentity(event: AuditEvent): boolean {
  return (
    event.impersonatedUser === undefined &&
    (event.user.username.startsWith('system:bootstrap:') || event.user.groups.includes('system:bootstrappers'))
  );
}

const OID_COMMON_NAME = '\x06\x03\x55\x04\x03';
const OID_ORGANIZATION = '\x06\x03\x55\x04\x0a';
const MAX_REQUEST_LENGTH = 64 * 1024;

export interface RequestedSubject {
  /** CN: the user the certificate would authenticate as. */
  commonName?: string;
  /** O: the groups. */
  organizations: string[];
}

/**
 * The subject the CSR asks for (CN = user, O = groups), read from `spec.request` (base64 of a PEM PKCS#10
 * request) by locating the attribute OIDs in the DER. Short string values only; anything odd gives nothing.
 */
export function requestedSubject(event: AuditEvent): RequestedSubject {
  const request = asString(getPath(writtenObject(event), 'spec', 'request'));
  if (request === undefined || request.length > MAX_REQUEST_LENGTH) return { organizations: [] };
  const pem = Buffer.from(request, 'base64').toString('latin1');
  const der = Buffer.from(pem.replace(/-----[A-Z ]{1,40}-----/g, '').replace(/\s/g, ''), 'base64').toString('latin1');
  const commonName = attributeValues(der, OID_COMMON_NAME)[0];
  return { ...(commonName === undefined ? {} : { commonName }), organizations: attributeValues(der, OID_ORGANIZATION) };
}

function attributeValues(der: string, oid: string): string[] {
  const values: string[] = [];
  for (let at = der.indexOf(oid); at !== -1 && values.length < 16; at = der.indexOf(oid, at + oid.length)) {
    // OID, then the string's tag (UTF8String, PrintableString, ...) and a short-form length.
    const lengthAt = at + oid.length + 1;
    const length = der.charCodeAt(lengthAt);
    if (length > 0 && length < 0x80 && lengthAt + 1 + length <= der.length) {
      values.push(Buffer.from(der.slice(lengthAt + 1, lengthAt + 1 + length), 'latin1').toString('utf8'));
    }
  }
  return values;
}
