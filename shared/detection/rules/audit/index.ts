import { type AuditRule } from '../../rule';
import { alertTestTrigger } from './alert-test-trigger';
import { privilegedContainer } from './privileged-container';
import { clusterAdminBinding } from './cluster-admin-binding';
import { defaultServiceAccountAdmin } from './default-service-account-admin';
import { anonymousSubjectBinding } from './anonymous-subject-binding';
import { sensitiveHostMount } from './sensitive-host-mount';
import { hostNamespaceSharing } from './host-namespace-sharing';
import { dangerousCapabilities } from './dangerous-capabilities';
import { ephemeralContainerAdded } from './ephemeral-container-added';
import { execIntoPod } from './exec-into-pod';
import { suspiciousExecCommand } from './suspicious-exec-command';
import { portForwardToPod } from './port-forward-to-pod';
import { kubeSystemContainer } from './kube-system-container';
import { exposedDashboard } from './exposed-dashboard';
import { exposedKubeflow } from './exposed-kubeflow';
import { exposedSensitiveService } from './exposed-sensitive-service';
import { exposedRedis } from './exposed-redis';
import { exposedPostgresBroadIpRange } from './exposed-postgres-broad-ip-range';
import { exposedPostgresTrustAuth } from './exposed-postgres-trust-auth';
import { nodeportService } from './nodeport-service';
import { highPrivilegesRole } from './high-privileges-role';
import { systemClusterRoleModified } from './system-cluster-role-modified';
import { kubeSystemServiceAccountCreated } from './kube-system-service-account-created';
import { anonymousRequestAllowed } from './anonymous-request-allowed';
import { privilegedIdentityImpersonation } from './privileged-identity-impersonation';
import { serviceAccountRequestDenied } from './service-account-request-denied';
import { permissionEnumeration } from './permission-enumeration';
import { certificateSigningRequest } from './certificate-signing-request';
import { kubeSystemTokenRequest } from './kube-system-token-request';
import { torExitNodeApiCall } from './tor-exit-node-api-call';
import { kubeletApiViaNodeProxy } from './kubelet-api-via-node-proxy';
import { secretsEnumeration } from './secrets-enumeration';
import { configmapCredentials } from './configmap-credentials';
import { eventsDeleted } from './events-deleted';
import { corednsModified } from './coredns-modified';
import { admissionWebhookModified } from './admission-webhook-modified';
import { controllerServiceAccountPod } from './controller-service-account-pod';
import { miningContainerImage } from './mining-container-image';
import { pentestToolActivity } from './pentest-tool-activity';
import { cronjobPersistence } from './cronjob-persistence';
import { untrustedRegistryImage } from './untrusted-registry-image';
import { disallowedUserActivity } from './disallowed-user-activity';
import { disallowedNamespaceWorkload } from './disallowed-namespace-workload';
import { secretReadRefused } from './secret-read-refused';
import { forbiddenWriteAttempt } from './forbidden-write-attempt';
import { workloadContainerInjected } from './workload-container-injected';
import { serviceAccountTokenSecret } from './service-account-token-secret';
import { untrustedNodeJoined } from './untrusted-node-joined';
import { untrustedNodeJoinAttempt } from './untrusted-node-join-attempt';
import { ingressWithoutTls } from './ingress-without-tls';
import { privilegedBuiltInRoleBinding } from './privileged-built-in-role-binding';
import { sensitiveWriteRole } from './sensitive-write-role';
import { rbacModifiedByServiceAccount } from './rbac-modified-by-service-account';
import { crossNamespaceServiceAccountBinding } from './cross-namespace-service-account-binding';
import { filesCopiedFromContainer } from './files-copied-from-container';
import { awsAuthConfigmapModified } from './aws-auth-configmap-modified';
import { destructiveDeleteByUser } from './destructive-delete-by-user';
import { rbacChangeThenWorkload } from './rbac-change-then-workload';
import { execIntoPrivilegedPod } from './exec-into-privileged-pod';
import { apiEnumerationBurst } from './api-enumeration-burst';
import { firstSeenImageInKubeSystem } from './first-seen-image-in-kube-system';
import { anomalousWorkloadDeploymentNamespace } from './anomalous-workload-deployment-namespace';
import { clientCertificateApprovedThenNewAddress } from './client-certificate-approved-then-new-address';
import { anomalousWorkloadDeploymentRegistry } from './anomalous-workload-deployment-registry';
import { anomalousWorkloadDeploymentUserAgent } from './anomalous-workload-deployment-user-agent';
import { apiEnumerationBurstBySourceIp } from './api-enumeration-burst-by-source-ip';
import { rareServiceAccountOperation } from './rare-service-account-operation';
import { firstSecretAccessByIdentity } from './first-secret-access-by-identity';
import { secretGetBurst } from './secret-get-burst';
import { massDeletion } from './mass-deletion';
import { newUserAgentSensitiveVerb } from './new-user-agent-sensitive-verb';
import { threatIntelIpApiCall } from './threat-intel-ip-api-call';
import { tokenMintedThenNewAddress } from './token-minted-then-new-address';

/** Every audit rule of the library. A catalogue test checks that each file in this folder is listed here. */
export const auditRules: readonly AuditRule[] = [
  privilegedContainer,
  alertTestTrigger,
  clusterAdminBinding,
  defaultServiceAccountAdmin,
  anonymousSubjectBinding,
  sensitiveHostMount,
  hostNamespaceSharing,
  dangerousCapabilities,
  ephemeralContainerAdded,
  execIntoPod,
  suspiciousExecCommand,
  portForwardToPod,
  kubeSystemContainer,
  exposedDashboard,
  exposedKubeflow,
  exposedSensitiveService,
  exposedRedis,
  exposedPostgresBroadIpRange,
  exposedPostgresTrustAuth,
  nodeportService,
  highPrivilegesRole,
  systemClusterRoleModified,
  kubeSystemServiceAccountCreated,
  anonymousRequestAllowed,
  privilegedIdentityImpersonation,
  serviceAccountRequestDenied,
  permissionEnumeration,
  certificateSigningRequest,
  kubeSystemTokenRequest,
  kubeletApiViaNodeProxy,
  secretsEnumeration,
  configmapCredentials,
  eventsDeleted,
  corednsModified,
  admissionWebhookModified,
  controllerServiceAccountPod,
  miningContainerImage,
  pentestToolActivity,
  cronjobPersistence,
  untrustedRegistryImage,
  disallowedUserActivity,
  disallowedNamespaceWorkload,
  secretReadRefused,
  forbiddenWriteAttempt,
  workloadContainerInjected,
  serviceAccountTokenSecret,
  untrustedNodeJoined,
  untrustedNodeJoinAttempt,
  ingressWithoutTls,
  privilegedBuiltInRoleBinding,
  sensitiveWriteRole,
  rbacModifiedByServiceAccount,
  crossNamespaceServiceAccountBinding,
  filesCopiedFromContainer,
  awsAuthConfigmapModified,
  destructiveDeleteByUser,
  torExitNodeApiCall,
  rbacChangeThenWorkload,
  execIntoPrivilegedPod,
  apiEnumerationBurst,
  firstSeenImageInKubeSystem,
  anomalousWorkloadDeploymentNamespace,
  clientCertificateApprovedThenNewAddress,
  anomalousWorkloadDeploymentRegistry,
  anomalousWorkloadDeploymentUserAgent,
  apiEnumerationBurstBySourceIp,
  rareServiceAccountOperation,
  firstSecretAccessByIdentity,
  secretGetBurst,
  massDeletion,
  newUserAgentSensitiveVerb,
  threatIntelIpApiCall,
  tokenMintedThenNewAddress,
];
