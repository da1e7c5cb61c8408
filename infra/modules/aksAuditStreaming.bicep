// Streams one existing AKS cluster's API server audit log to the Argus audit hub: a diagnostic setting on
// the cluster (deploy it to the cluster's resource group). For every cluster of a subscription, current
// and future, use aksAuditPolicy.bicep instead; both create the same setting (a test checks it).
//
// Diagnostic settings send only to an Event Hub in the cluster's own region: the cluster and the Argus
// namespace must share a region. The deployer needs Monitoring Contributor on the cluster and the
// listKeys right on the authorization rule: diagnostic settings send with the rule's SAS key (see
// eventHubs.bicep for why).

@description('Name of the existing AKS cluster (in the resource group this module is deployed to).')
param clusterName string

@description('Resource id of the Event Hubs namespace authorization rule (Send) to send with: output of main.bicep (EVENTHUB_NAMESPACE_ID + /authorizationRules/ + AKS_DIAGNOSTICS_RULE_NAME).')
param eventHubAuthorizationRuleId string

@description('Name of the audit hub (AUDIT_EVENTHUB_NAME of the Argus deployment).')
param auditHubName string = 'insights-logs-kube-audit'

@description('kube-audit-admin (default: every write, no get/list, far less volume) or kube-audit (also reads: needed by detections on secret reads).')
@allowed([ 'kube-audit-admin', 'kube-audit' ])
param auditCategory string = 'kube-audit-admin'

@description('Name of the diagnostic setting.')
param diagnosticSettingName string = 'argus-kube-audit'

resource cluster 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = {
  name: clusterName
}

resource auditToEventHub 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: diagnosticSettingName
  scope: cluster
  properties: {
    eventHubAuthorizationRuleId: eventHubAuthorizationRuleId
    eventHubName: auditHubName
    logs: [
      {
        category: auditCategory
        enabled: true
      }
    ]
  }
}

@description('Resource id of the diagnostic setting.')
output diagnosticSettingId string = auditToEventHub.id
