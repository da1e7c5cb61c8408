import { type ArmJson, type CheckOutcome, defineClusterCheck } from '../../clusterCheck';
import { exampleCluster, hardenedCluster } from '../../exampleClusters';
import { booleanAt, clusterProperties } from '../../managedClusterFields';

const WORKLOAD_IDENTITY = 'properties.securityProfile.workloadIdentity.enabled';
const OIDC_ISSUER = 'properties.oidcIssuerProfile.enabled';

function shown(value: boolean | undefined): string {
  return value === undefined ? '(absent)' : String(value);
}

function evaluate(cluster: ArmJson): CheckOutcome {
  const properties = clusterProperties(cluster);
  const workloadIdentity = booleanAt(properties, 'securityProfile', 'workloadIdentity', 'enabled');
  const oidcIssuer = booleanAt(properties, 'oidcIssuerProfile', 'enabled');
  const additionalData = { [WORKLOAD_IDENTITY]: shown(workloadIdentity), [OIDC_ISSUER]: shown(oidcIssuer) };
  const missing = [workloadIdentity !== true ? 'workload identity' : undefined, oidcIssuer !== true ? 'the OIDC issuer' : undefined].filter(
    (name): name is string => name !== undefined,
  );
  return missing.length > 0
    ? { code: 'Unhealthy', description: `Not enabled: ${missing.join(' and ')}.`, additionalData }
    : { code: 'Healthy', description: 'Workloads can use Microsoft Entra Workload ID through the cluster\'s OIDC issuer.', additionalData };
}

export const workloadIdentity = defineClusterCheck({
  name: 'workload-identity',
  displayName: 'AKS clusters should use Microsoft Entra Workload ID with the OIDC issuer',
  description:
    'Workload identity lets pods get Entra tokens by federating their Kubernetes service account through the cluster\'s OIDC issuer, so ' +
    'applications need no stored secrets or connection strings, and no pod-identity or node identity shared by every pod on a node.',
  remediationDescription:
    'Enable both: `az aks update --resource-group <rg> --name <cluster> --enable-oidc-issuer --enable-workload-identity`, then create a ' +
    'federated credential per service account: `az identity federated-credential create --name <name> --identity-name <identity> ' +
    '--resource-group <rg> --issuer <oidcIssuerUrl> --subject system:serviceaccount:<namespace>:<serviceAccount>`.',
  severity: 'Medium',
  categories: ['IdentityAndAccess'],
  threats: ['AccountBreach', 'DataExfiltration', 'ElevationOfPrivilege'],
  userImpact: 'Moderate',
  implementationEffort: 'Moderate',
  equivalents: { defender: [], prowler: [], checkov: [], trivy: [], cisAks: [] },
  references: ['https://learn.microsoft.com/azure/aks/workload-identity-overview', 'https://learn.microsoft.com/azure/aks/use-oidc-issuer'],
  evaluate,
  examples: [
    { name: 'a hardened cluster with workload identity and the OIDC issuer', expect: 'Healthy', cluster: hardenedCluster() },
    { name: 'a cluster as az aks create makes it', expect: 'Unhealthy', cluster: exampleCluster() },
    {
      name: 'the OIDC issuer without workload identity',
      expect: 'Unhealthy',
      cluster: exampleCluster({ oidcIssuerProfile: { enabled: true, issuerURL: 'https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/6b5a4f3e-2d1c-4b0a-9f8e-7d6c5b4a3f2e/' } }),
    },
    { name: 'a resource that is not a managed cluster', expect: 'NotApplicable', cluster: { type: 'Microsoft.Kubernetes/connectedClusters', name: 'arc1' } },
  ],
});
