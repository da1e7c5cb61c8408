import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { objectName, writtenObject } from '../../../kubernetes/workloads';
import { auditEvent } from '../../exampleEvents';
import { type CredentialKey, credentialKeysOf } from '../../predicates/credentials';
import { isSystemRequest } from '../../predicates/identities';
import { isResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';
import { memoizeLast } from '../../../kubernetes/memoizeLast';

/** Keys listed in an alert at most (a ConfigMap can hold hundreds). */
const MAX_KEYS_LISTED = 20;

/** The ConfigMap keys the request wrote that hold a credential (memoized: match, entities and details all ask). */
const credentialKeys: (event: AuditEvent) => CredentialKey[] = memoizeLast((event: AuditEvent) => credentialKeysOf(writtenObject(event)));

const configMap = (name: string, data: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop' },
  data,
});

export const configmapCredentials = defineRule({
  id: 'configmap-credentials',
  alertType: 'K8S_ConfigMapCredentials',
  displayName: 'ConfigMap written with credentials in it',
  description:
    'A ConfigMap was created or changed with what looks like a credential: a key named like a password, token or API key, or a ' +
    'value holding a private key, an AWS access key id, a JWT, a `password=` line of an embedded configuration file or a password ' +
    'in a URL. ConfigMaps are not secret: they are readable by far more accounts than Secrets (the built-in `view` role included) ' +
    'and are logged in full by audit policies. The alert names the keys, never the values.',
  // Low: a misplaced credential widens who can read it; a hygiene problem more often than an attack step.
  severity: Severity.Low,
  intent: Intent.CredentialAccess,
  techniques: ['T1552.001', 'T1552.007'],
  remediation: [
    'Move the values of the named keys to a Secret (or to Azure Key Vault with the Secrets Store CSI driver) and reference them from the workload.',
    'Rotate the credentials: they have been readable by every account that can read ConfigMaps in the namespace, and they may sit in audit logs and Git history.',
    'Review who can read ConfigMaps in the namespace while the credential was exposed.',
  ],
  falsePositives: [
    'Keys named like credentials that hold something else (a token lifetime, the name of a Secret, a placeholder value).',
    'Test or sample configuration with dummy passwords.',
  ],
  references: [
    'https://kubernetes.io/docs/concepts/configuration/configmap/',
    'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
    'https://attack.mitre.org/techniques/T1552/001/',
    'https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/k8s_audit_rules.yaml',
  ],
  equivalents: {
    defender: [],
    falco: ['Create/Modify Configmap With Private Credentials'],
    guardDuty: [],
    elastic: [],
  },
  resources: ['configmaps'],
  match: (event, context) =>
    isWrite(event) &&
    isResource(event, 'configmaps') &&
    succeeded(event) &&
    !isSystemRequest(event, context) &&
    credentialKeys(event).length > 0,
  entities: (event) => requestEntities(event),
  details: (event) => {
    const keys = credentialKeys(event).slice(0, MAX_KEYS_LISTED);
    return {
      configMap: `${namespaceOf(event) ?? ''}/${objectName(event) ?? ''}`,
      credentialKeys: redactText(keys.map((entry) => entry.key).join(', ')),
      credentialShapes: redactText(keys.map((entry) => `${entry.key}: ${entry.shapes.join(', ')}`).join('; ')),
    };
  },
  dedupKey: (event) => `${namespaceOf(event) ?? ''}|${objectName(event) ?? ''}|${event.user.username}`,
  examples: [
    {
      name: 'a developer creates a ConfigMap with a database password',
      expect: 'alert',
      event: auditEvent({
        verb: 'create',
        resource: 'configmaps',
        namespace: 'shop',
        requestObject: configMap('shop-settings', { DB_HOST: 'shop-db.postgres.database.azure.com', DB_PASSWORD: 'example-not-a-real-password' }),
      }),
    },
    {
      name: 'a patch adds a properties file with a password line',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'configmaps',
        namespace: 'shop',
        name: 'shop-settings',
        requestObject: {
          data: { 'application.properties': 'spring.datasource.url=jdbc:postgresql://db:5432/shop\nspring.datasource.password=example-value\n' },
        },
      }),
    },
    {
      name: 'a JSON patch adds a PEM private key',
      expect: 'alert',
      event: auditEvent({
        verb: 'patch',
        resource: 'configmaps',
        namespace: 'shop',
        name: 'shop-tls',
        requestObject: [{ op: 'add', path: '/data/signing.pem', value: '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIExample\n-----END EC PRIVATE KEY-----\n' }],
      }),
    },
    {
      name: 'a ConfigMap with ordinary settings',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'configmaps',
        namespace: 'shop',
        requestObject: configMap('shop-settings', { LOG_LEVEL: 'info', secretName: 'shop-tls', token_url: 'https://login.microsoftonline.com/contoso/oauth2/v2.0/token' }),
      }),
    },
    {
      name: 'a configuration file that takes its password from the environment',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'configmaps',
        namespace: 'shop',
        name: 'shop-settings',
        requestObject: configMap('shop-settings', { 'application.properties': 'spring.datasource.password=${DB_PASSWORD}\n' }),
      }),
    },
    {
      name: 'the bootstrap signer writes the cluster-info ConfigMap',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'configmaps',
        namespace: 'kube-public',
        name: 'cluster-info',
        user: 'system:serviceaccount:kube-system:bootstrap-signer',
        requestObject: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { 'jws-kubeconfig-abcdef': 'eyJhbGciOiJIUzI1NiJ9..c2lnbmF0dXJl', api_token: 'placeholder' } },
      }),
    },
    {
      name: 'a ConfigMap with a password that the API server refused',
      expect: 'none',
      event: auditEvent({
        verb: 'create',
        resource: 'configmaps',
        namespace: 'shop',
        code: 403,
        requestObject: configMap('shop-settings', { DB_PASSWORD: 'example-not-a-real-password' }),
      }),
    },
    {
      name: 'the request body was too big to log',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'configmaps',
        namespace: 'shop',
        name: 'grafana-dashboards',
        requestObject: 'skipped-too-big-size-object',
        responseObject: { kind: 'Status', status: 'Success' },
      }),
    },
  ],
});
