import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { asObject, asString } from '../../../kubernetes/jsonValues';
import { objectName, writtenObject } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { auditEvent, type AuditEventOverrides } from '../../exampleEvents';
import { isDryRun } from '../../predicates/dryRun';
import { isSystemRequest } from '../../predicates/identities';
import { isDelete, isMainResource, isResource, isWrite, namespaceOf, succeeded } from '../../predicates/requests';
import { redactText } from '../../redaction';
import { requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

const KUBE_SYSTEM = 'kube-system';
const AWS_AUTH = 'aws-auth';
const MAPPING_KEYS: readonly string[] = ['mapRoles', 'mapUsers', 'mapAccounts'];

const IAM_ARN = /arn:aws[a-z-]*:(?:iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]+/g;
const ACCOUNT_ID = /\b\d{12}\b/g;
/** EKS's authorizer names the access policy that allowed a request (access entries' authorization). */
const ACCESS_POLICY_REASON = /^EKS Access Policy: allowed by ClusterRoleBinding "[^"]*" of ClusterRole "arn:aws:eks::aws:cluster-access-policy\/([^"]+)"/;

function isAwsAuthRequest(event: AuditEvent): boolean {
  return (
    (isWrite(event) || isDelete(event)) &&
    isResource(event, 'configmaps') &&
    isMainResource(event) &&
    namespaceOf(event) === KUBE_SYSTEM &&
    objectName(event) === AWS_AUTH
  );
}

function isTrustedWriter(event: AuditEvent, context: DetectionContext): boolean {
  // EKS's own service identities (eks:node-manager, eks:fargate-manager) are listed system identities.
  return isSystemRequest(event, context);
}

/** The mapping text the request wrote (mapRoles, mapUsers, mapAccounts), by key. Only identities are taken from it. */
function writtenMappings(event: AuditEvent): Map<string, string> {
  const data = asObject(writtenObject(event)?.data);
  const out = new Map<string, string>();
  for (const key of MAPPING_KEYS) {
    const value = asString(data?.[key]);
    if (value !== undefined) out.set(key, value);
  }
  return out;
}

/** The IAM roles and users (ARNs) and AWS accounts the written mappings name: identities, never other values. */
function mappedPrincipals(event: AuditEvent): { arns: string[]; accounts: string[] } {
  const mappings = writtenMappings(event);
  const arns = new Set<string>();
  for (const key of ['mapRoles', 'mapUsers']) for (const arn of (mappings.get(key) ?? '').match(IAM_ARN) ?? []) arns.add(arn);
  const accounts = new Set((mappings.get('mapAccounts') ?? '').match(ACCOUNT_ID) ?? []);
  return { arns: [...arns].slice(0, 20), accounts: [...accounts].slice(0, 20) };
}

/** The written mappings put someone in `system:masters`, the group RBAC never checks. */
function grantsSystemMasters(event: AuditEvent): boolean {
  const mappings = writtenMappings(event);
  return ['mapRoles', 'mapUsers'].some((key) => /(^|[\s"'[,-])system:masters(?=$|[\s"',\]])/m.test(mappings.get(key) ?? ''));
}

/** What EKS's authenticator put in the user's extra fields: the IAM principal behind the Kubernetes username. */
function awsPrincipalOf(event: AuditEvent): { canonicalArn?: string; sessionName?: string } {
  const extra = event.user.extra ?? {};
  const canonicalArn = extra.canonicalArn?.[0] ?? extra.arn?.[0];
  const sessionName = extra.sessionName?.[0];
  return { ...(canonicalArn === undefined ? {} : { canonicalArn }), ...(sessionName === undefined || sessionName === '' ? {} : { sessionName }) };
}

// ---------------------------------------------------------------------------------------------------
// Examples.

const nodeRoleMapping =
  '- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: arn:aws:iam::111122223333:role/eks-shop-prod-node-role\n  username: system:node:{{EC2PrivateDNSName}}\n';
const backdoorMapping = `${nodeRoleMapping}- groups:\n  - system:masters\n  rolearn: arn:aws:iam::444455556666:role/ci-deployer\n  username: ci-deployer\n`;

const awsAuth = (mapRoles: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: AWS_AUTH, namespace: KUBE_SYSTEM, uid: '3f1d2c4b-5a69-4788-9a0b-1c2d3e4f5a6b', resourceVersion: '88231' },
  data: { mapRoles },
});

/** An IAM role session as EKS's authenticator presents it (access entry or aws-auth mapping to the role). */
const platformAdmin = {
  username: 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane.doe',
  uid: 'aws-iam-authenticator:111122223333:AROAEXAMPLEPLATFORM01',
  groups: ['system:authenticated'],
};
const platformAdminExtra = {
  arn: ['arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane.doe'],
  canonicalArn: ['arn:aws:iam::111122223333:role/PlatformAdmin'],
  principalId: ['AROAEXAMPLEPLATFORM01'],
  sessionName: ['jane.doe'],
};

function awsAuthEvent(verb: string, body: unknown, overrides: AuditEventOverrides = {}, extra?: Record<string, string[]>): Record<string, unknown> {
  const event = auditEvent({
    verb,
    resource: 'configmaps',
    namespace: KUBE_SYSTEM,
    name: AWS_AUTH,
    user: platformAdmin,
    userAgent: 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46',
    sourceIP: '198.51.100.23',
    ...(body === undefined ? {} : { requestObject: body }),
    annotations: {
      'authorization.k8s.io/reason':
        'EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::111122223333:role/PlatformAdmin+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" to User "AROAEXAMPLEPLATFORM01"',
    },
    ...overrides,
  });
  const user = event.user as Record<string, unknown>;
  return extra === undefined ? event : { ...event, user: { ...user, extra } };
}

export const awsAuthConfigmapModified = defineRule({
  id: 'aws-auth-configmap-modified',
  alertType: 'K8S_AwsAuthConfigMapModified',
  displayName: 'EKS aws-auth ConfigMap modified',
  description:
    'The `aws-auth` ConfigMap in kube-system was created, changed or deleted by an identity that is not part of the cluster. ' +
    'On Amazon EKS it maps IAM roles, IAM users and whole AWS accounts to Kubernetes users and groups: whoever writes it can ' +
    'give any AWS principal, their own included, access to the cluster (cluster-admin through `system:masters`) that lasts ' +
    'as long as the mapping, or lock nodes and administrators out by deleting it. EKS access entries and access policies, ' +
    'the newer way to grant the same access, are EKS API objects: their creation (CreateAccessEntry, AssociateAccessPolicy) ' +
    'is logged in CloudTrail, not in the Kubernetes audit log, which only shows their use (the IAM principal in the ' +
    'user\'s extra fields, and an `authorization.k8s.io/reason` beginning "EKS Access Policy:"); this rule reports those ' +
    'facts about the writer. EKS\'s own node and Fargate managers maintaining their mappings are not reported.',
  // New alert type. Medium; High when the written mapping puts an IAM principal in system:masters.
  severity: Severity.Medium,
  severityFor: (event) => (!isDelete(event) && grantsSystemMasters(event) ? Severity.High : Severity.Medium),
  intent: Intent.Persistence,
  techniques: ['T1098.006', 'T1078.004'],
  remediation: [
    'Compare the mappings with the expected ones (`kubectl -n kube-system get configmap aws-auth -o yaml`) and remove any IAM role, user or account that should not have access.',
    'Review what the newly mapped principals did (CloudTrail for their AWS activity, the audit log for their Kubernetes username), and the IAM trust policies of mapped roles.',
    'Move to EKS access entries (authentication mode API) so that cluster access is granted through IAM-controlled EKS API calls, and restrict write access to aws-auth meanwhile.',
  ],
  falsePositives: [
    'Administrators or infrastructure pipelines (eksctl create iamidentitymapping, Terraform, CDK) adding or removing mappings.',
    'Self-managed node groups whose tooling adds the node role under a person\'s or pipeline\'s identity.',
  ],
  references: [
    'https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html',
    'https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html',
    'https://aws.github.io/aws-eks-best-practices/security/docs/detective/',
    'https://securitylabs.datadoghq.com/articles/amazon-eks-attacking-securing-cloud-identities/',
    'https://stratus-red-team.cloud/attack-techniques/EKS/eks.persistence.backdoor-aws-auth-configmap/',
    'https://stratus-red-team.cloud/attack-techniques/EKS/eks.lateral-movement.create-access-entry/',
    'https://securitylabs.datadoghq.com/articles/eks-cluster-access-management-deep-dive/',
    'https://docs.aws.amazon.com/eks/latest/userguide/logging-using-cloudtrail.html',
    'https://attack.mitre.org/techniques/T1098/006/',
  ],
  equivalents: { defender: [], falco: [], guardDuty: [], elastic: ['EKS Authentication Configuration Modified'] },
  resources: ['configmaps'],
  match: (event, context) => isAwsAuthRequest(event) && succeeded(event) && !isDryRun(event) && !isTrustedWriter(event, context),
  entities: (event) => {
    const entities: AlertEntity[] = requestEntities(event);
    const principal = awsPrincipalOf(event);
    if (principal.canonicalArn !== undefined && principal.canonicalArn !== event.user.username) entities.push({ type: EntityType.account, name: principal.canonicalArn });
    if (!isDelete(event)) for (const arn of mappedPrincipals(event).arns) entities.push({ type: EntityType.account, name: arn });
    return entities;
  },
  details: (event) => {
    const details: Record<string, string> = { configMap: `${KUBE_SYSTEM}/${AWS_AUTH}`, verb: event.verb };
    const principal = awsPrincipalOf(event);
    if (principal.canonicalArn !== undefined) details.iamPrincipal = principal.canonicalArn;
    if (principal.sessionName !== undefined) details.sessionName = redactText(principal.sessionName);
    const accessPolicy = ACCESS_POLICY_REASON.exec(event.annotations['authorization.k8s.io/reason'] ?? '')?.[1];
    if (accessPolicy !== undefined) details.authorizedByAccessPolicy = accessPolicy;
    if (isDelete(event)) return details;
    const keys = [...writtenMappings(event).keys()];
    if (keys.length > 0) details.mappingKeys = keys.join(', ');
    const { arns, accounts } = mappedPrincipals(event);
    if (arns.length > 0) details.mappedPrincipals = arns.join(', ');
    if (accounts.length > 0) details.mappedAccounts = accounts.join(', ');
    if (grantsSystemMasters(event)) details.systemMasters = 'true';
    return details;
  },
  dedupKey: (event) => `${AWS_AUTH}|${event.user.username}`,
  examples: [
    {
      name: 'kubectl edit maps an outside IAM role to system:masters',
      expect: 'alert',
      event: awsAuthEvent(
        'patch',
        { data: { mapRoles: backdoorMapping } },
        { requestURI: '/api/v1/namespaces/kube-system/configmaps/aws-auth?fieldManager=kubectl-edit', responseObject: awsAuth(backdoorMapping) },
        platformAdminExtra,
      ),
    },
    {
      name: 'eksctl create iamidentitymapping replaces the ConfigMap as kubernetes-admin',
      expect: 'alert',
      event: awsAuthEvent(
        'update',
        awsAuth(`${nodeRoleMapping}- groups:\n  - shop-developers\n  rolearn: arn:aws:iam::111122223333:role/ShopDevelopers\n  username: shop-dev:{{SessionName}}\n`),
        { user: { username: 'kubernetes-admin', uid: 'heptio-authenticator-aws:111122223333:AIDAEXAMPLEADMIN0001', groups: ['system:masters', 'system:authenticated'] }, userAgent: 'eksctl/0.194.0', annotations: {} },
      ),
    },
    {
      name: 'a pod\'s service account deletes aws-auth',
      expect: 'alert',
      event: awsAuthEvent('delete', undefined, { user: 'system:serviceaccount:shop:web', userAgent: 'python-requests/2.32.3', sourceIP: '10.0.12.34', annotations: {} }),
    },
    {
      name: 'the EKS node manager adds a managed node group role',
      expect: 'none',
      event: awsAuthEvent('update', awsAuth(nodeRoleMapping), { user: { username: 'eks:node-manager', uid: 'aws-iam-authenticator:111122223333:AROAEXAMPLENODEMGR01', groups: ['system:authenticated'] }, userAgent: 'Go-http-client/2.0', annotations: {} }),
    },
    {
      name: 'an administrator reads aws-auth',
      expect: 'none',
      event: awsAuthEvent('get', undefined, {}, platformAdminExtra),
    },
    {
      name: 'an administrator updates another kube-system ConfigMap',
      expect: 'none',
      event: auditEvent({
        verb: 'update',
        resource: 'configmaps',
        namespace: KUBE_SYSTEM,
        name: 'amazon-vpc-cni',
        user: platformAdmin,
        requestObject: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'amazon-vpc-cni', namespace: KUBE_SYSTEM }, data: { 'enable-network-policy-controller': 'true' } },
      }),
    },
    {
      name: 'a ConfigMap called aws-auth in an application namespace',
      expect: 'none',
      event: auditEvent({ verb: 'update', resource: 'configmaps', namespace: 'shop', name: AWS_AUTH, requestObject: { ...awsAuth(backdoorMapping), metadata: { name: AWS_AUTH, namespace: 'shop' } } }),
    },
    {
      name: 'an aws-auth change that RBAC refused',
      expect: 'none',
      event: awsAuthEvent('patch', { data: { mapRoles: backdoorMapping } }, { user: 'system:serviceaccount:shop:web', code: 403, annotations: {} }),
    },
  ],
});
