// The one identity the function app uses for everything: host storage, the deployment package, Key Vault and
// Application Insights. User-assigned, so its roles exist before the app does and survive re-creating the app.

@description('Required. Name of the user-assigned managed identity.')
param name string

@description('Optional. Region of the identity.')
param location string = resourceGroup().location

@description('Optional. Tags of the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Name of the identity.')
output name string = identity.name

@description('Resource ID of the identity.')
output resourceId string = identity.id

@description('Object (principal) ID of the identity, for role assignments.')
output principalId string = identity.properties.principalId

@description('Client ID of the identity, for the app settings that select it.')
output clientId string = identity.properties.clientId
