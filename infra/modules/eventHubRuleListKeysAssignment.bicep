// Grants a principal the right to read the key of one Event Hubs namespace authorization rule: what the
// AKS audit policy's identity needs to create diagnostic settings that send with that rule. Deployed to
// the resource group of the Argus Event Hubs namespace by aksAuditPolicy.bicep.

@description('Name of the Event Hubs namespace.')
param namespaceName string

@description('Name of the namespace authorization rule.')
param authorizationRuleName string

@description('Object id of the principal (the policy assignment\'s managed identity).')
param principalId string

@description('Resource id of the role definition to assign (the listKeys role of aksAuditPolicy.bicep).')
param roleDefinitionId string

@description('Stable part of the role assignment name (the policy assignment name), known before deployment.')
param assignmentSeed string

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: namespaceName
}

resource rule 'Microsoft.EventHub/namespaces/authorizationRules@2024-01-01' existing = {
  parent: namespace
  name: authorizationRuleName
}

resource listKeys 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(rule.id, assignmentSeed, roleDefinitionId)
  scope: rule
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: roleDefinitionId
  }
}
