// Every AKS cluster of a subscription, current and future, streams its audit log to the Argus audit hub:
// a custom Azure Policy (DeployIfNotExists on Microsoft.ContainerService/managedClusters) that deploys
// the same diagnostic setting as aksAuditStreaming.bicep, its assignment at subscription scope, and the
// rights of the assignment's managed identity:
//   - Monitoring Contributor on the subscription (write diagnostic settings on the clusters, run the
//     remediation deployments in their resource groups);
//   - a custom role with only the read and listKeys rights on the Send-only authorization rule of the
//     Argus namespace (diagnostic settings send with its SAS key). Deliberately not Azure Event Hubs Data
//     Owner, which would also let the identity read every audit record.
// New clusters are handled by the policy; existing ones need a remediation task (see the README):
//   az policy remediation create --name argus-aks-audit --policy-assignment <assignment id output>
// Deploy: az deployment sub create --location <region> --template-file infra/modules/aksAuditPolicy.bicep
//   --parameters eventHubNamespaceId=<EVENTHUB_NAMESPACE_ID output of main.bicep>
targetScope = 'subscription'

@description('Resource id of the Argus Event Hubs namespace (output EVENTHUB_NAMESPACE_ID of main.bicep).')
param eventHubNamespaceId string

@description('Name of the Send-only namespace authorization rule (output AKS_DIAGNOSTICS_RULE_NAME of main.bicep).')
param authorizationRuleName string = 'aks-diagnostics-send'

@description('Name of the audit hub (AUDIT_EVENTHUB_NAME of the Argus deployment).')
param auditHubName string = 'insights-logs-kube-audit'

@description('kube-audit-admin (default: writes only) or kube-audit (also get/list).')
@allowed([ 'kube-audit-admin', 'kube-audit' ])
param auditCategory string = 'kube-audit-admin'

@description('Name of the diagnostic setting the policy creates on each cluster.')
param diagnosticSettingName string = 'argus-kube-audit'

@description('DeployIfNotExists (default), AuditIfNotExists (report only) or Disabled.')
@allowed([ 'DeployIfNotExists', 'AuditIfNotExists', 'Disabled' ])
param effect string = 'DeployIfNotExists'

@description('Region of the policy assignment\'s managed identity: deploy in the Event Hubs namespace\'s region.')
param location string = deployment().location

@description('Regions of the clusters to stream. Diagnostic settings can only send to an Event Hub in the cluster\'s own region, so this is the namespace\'s region (the default: the deployment region); clusters elsewhere need a namespace of their own.')
param clusterLocations string[] = [ location ]

var namespaceIdParts = split(eventHubNamespaceId, '/')
var namespaceSubscriptionId = namespaceIdParts[2]
var namespaceResourceGroupName = namespaceIdParts[4]
var namespaceName = namespaceIdParts[8]
var authorizationRuleId = '${eventHubNamespaceId}/authorizationRules/${authorizationRuleName}'
var policyName = 'argus-aks-audit-to-event-hub'
var monitoringContributorRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '749f88d5-cbae-40b8-bcfc-e573ddc772fa')

resource listKeysRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'argus-event-hub-rule-list-keys')
  properties: {
    roleName: 'Argus Event Hubs authorization rule key reader (${subscription().subscriptionId})'
    description: 'Reads the key of an Event Hubs namespace authorization rule, to create diagnostic settings that send with it.'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          'Microsoft.EventHub/namespaces/read'
          'Microsoft.EventHub/namespaces/eventhubs/read'
          'Microsoft.EventHub/namespaces/authorizationRules/read'
          'Microsoft.EventHub/namespaces/authorizationRules/listkeys/action'
        ]
        notActions: []
      }
    ]
    assignableScopes: union([ subscription().id ], [ '/subscriptions/${namespaceSubscriptionId}' ])
  }
}

resource definition 'Microsoft.Authorization/policyDefinitions@2023-04-01' = {
  name: policyName
  properties: {
    displayName: 'Argus: stream AKS audit logs to the Argus Event Hub'
    description: 'Deploys a diagnostic setting that streams the AKS API server audit log (kube-audit-admin or kube-audit) to the Argus audit hub on every cluster that has none.'
    policyType: 'Custom'
    mode: 'Indexed'
    metadata: {
      category: 'Kubernetes'
      version: '1.0.0'
    }
    parameters: {
      eventHubAuthorizationRuleId: {
        type: 'String'
        metadata: { displayName: 'Event Hubs authorization rule id', description: 'The Send-only namespace rule the setting sends with.' }
      }
      eventHubName: {
        type: 'String'
        metadata: { displayName: 'Audit hub name', description: 'The hub Argus reads the audit logs from.' }
      }
      category: {
        type: 'String'
        allowedValues: [ 'kube-audit-admin', 'kube-audit' ]
        metadata: { displayName: 'Audit log category', description: 'kube-audit-admin (writes) or kube-audit (also reads).' }
      }
      diagnosticSettingName: {
        type: 'String'
        metadata: { displayName: 'Diagnostic setting name', description: 'Name of the setting created on each cluster.' }
      }
      clusterLocations: {
        type: 'Array'
        metadata: { displayName: 'Cluster regions', description: 'Regions of the clusters to stream: the Event Hubs namespace\'s region.' }
      }
      effect: {
        type: 'String'
        allowedValues: [ 'DeployIfNotExists', 'AuditIfNotExists', 'Disabled' ]
        metadata: { displayName: 'Effect', description: 'DeployIfNotExists, AuditIfNotExists or Disabled.' }
      }
    }
    policyRule: {
      if: {
        allOf: [
          { field: 'type', equals: 'Microsoft.ContainerService/managedClusters' }
          { field: 'location', in: '[parameters(\'clusterLocations\')]' }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
        details: {
          type: 'Microsoft.Insights/diagnosticSettings'
          evaluationDelay: 'AfterProvisioning'
          roleDefinitionIds: [ monitoringContributorRoleId, listKeysRole.id ]
          // Compliant when any diagnostic setting of the cluster sends the category to this hub with this rule.
          existenceCondition: {
            allOf: [
              {
                count: {
                  field: 'Microsoft.Insights/diagnosticSettings/logs[*]'
                  where: {
                    allOf: [
                      { field: 'Microsoft.Insights/diagnosticSettings/logs[*].category', equals: '[parameters(\'category\')]' }
                      { field: 'Microsoft.Insights/diagnosticSettings/logs[*].enabled', equals: 'true' }
                    ]
                  }
                }
                greaterOrEquals: 1
              }
              { field: 'Microsoft.Insights/diagnosticSettings/eventHubName', equals: '[parameters(\'eventHubName\')]' }
              { field: 'Microsoft.Insights/diagnosticSettings/eventHubAuthorizationRuleId', equals: '[parameters(\'eventHubAuthorizationRuleId\')]' }
            ]
          }
          deployment: {
            properties: {
              mode: 'incremental'
              // The same diagnostic setting as aksAuditStreaming.bicep (test/infra/bicep.test.ts compares them).
              template: {
                '$schema': 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#'
                contentVersion: '1.0.0.0'
                parameters: {
                  clusterName: { type: 'string' }
                  eventHubAuthorizationRuleId: { type: 'string' }
                  eventHubName: { type: 'string' }
                  category: { type: 'string' }
                  diagnosticSettingName: { type: 'string' }
                }
                resources: [
                  {
                    type: 'Microsoft.Insights/diagnosticSettings'
                    apiVersion: '2021-05-01-preview'
                    name: '[parameters(\'diagnosticSettingName\')]'
                    scope: '[format(\'Microsoft.ContainerService/managedClusters/{0}\', parameters(\'clusterName\'))]'
                    properties: {
                      eventHubAuthorizationRuleId: '[parameters(\'eventHubAuthorizationRuleId\')]'
                      eventHubName: '[parameters(\'eventHubName\')]'
                      logs: [
                        {
                          category: '[parameters(\'category\')]'
                          enabled: true
                        }
                      ]
                    }
                  }
                ]
              }
              parameters: {
                clusterName: { value: '[field(\'name\')]' }
                eventHubAuthorizationRuleId: { value: '[parameters(\'eventHubAuthorizationRuleId\')]' }
                eventHubName: { value: '[parameters(\'eventHubName\')]' }
                category: { value: '[parameters(\'category\')]' }
                diagnosticSettingName: { value: '[parameters(\'diagnosticSettingName\')]' }
              }
            }
          }
        }
      }
    }
  }
}

resource assignment 'Microsoft.Authorization/policyAssignments@2024-04-01' = {
  name: policyName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    displayName: 'Argus: stream AKS audit logs to the Argus Event Hub'
    policyDefinitionId: definition.id
    enforcementMode: 'Default'
    parameters: {
      eventHubAuthorizationRuleId: { value: authorizationRuleId }
      eventHubName: { value: auditHubName }
      category: { value: auditCategory }
      diagnosticSettingName: { value: diagnosticSettingName }
      clusterLocations: { value: clusterLocations }
      effect: { value: effect }
    }
  }
}

resource monitoringContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, policyName, monitoringContributorRoleId)
  properties: {
    principalId: assignment.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: monitoringContributorRoleId
  }
}

module ruleListKeys 'eventHubRuleListKeysAssignment.bicep' = {
  name: 'argus-aks-audit-rule-list-keys'
  scope: resourceGroup(namespaceSubscriptionId, namespaceResourceGroupName)
  params: {
    namespaceName: namespaceName
    authorizationRuleName: authorizationRuleName
    principalId: assignment.identity.principalId
    roleDefinitionId: listKeysRole.id
    assignmentSeed: '${subscription().id}/${policyName}'
  }
}

@description('Resource id of the policy assignment: what a remediation task for the existing clusters names.')
output policyAssignmentId string = assignment.id

@description('Resource id of the policy definition.')
output policyDefinitionId string = definition.id
