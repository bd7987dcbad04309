// The vault for the Partner Center credentials. RBAC only (no access policies), soft delete with purge
// protection, so a deleted or overwritten refresh token can be recovered and nobody can purge it early.
// The app reads every secret; it may write exactly one, the refresh token it rotates.

@description('Required. Name of the Key Vault (3-24 letters, digits and dashes).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Region of the Key Vault.')
param location string = resourceGroup().location

@description('Optional. Tags of the Key Vault.')
param tags object = {}

@description('Optional. Days a deleted vault or secret stays recoverable.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Required. Principal ID of the app\'s identity; it receives Key Vault Secrets User on the vault.')
param appPrincipalId string

@description('Required. Name of the secret holding the refresh token; the app\'s identity receives Key Vault Secrets Officer on that secret alone.')
param refreshTokenSecretName string

@description('Optional. Whether the refresh-token secret exists yet. A role assignment can be scoped only to an existing secret, so the write access waits for the bootstrap.')
param refreshTokenSecretExists bool = false

@description('Optional. Object ID of the deployer, who receives Key Vault Secrets Officer on the vault to write the credentials once. Empty grants nothing.')
param deployerPrincipalId string = ''

@description('Optional. Kind of principal deployerPrincipalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

// Built-in roles, by ID (the names can be localized; the IDs cannot change).
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    // A Flex Consumption app without virtual network integration has no fixed address to allow-list.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// Declared, never created here: Bicep must not hold a secret value, and a redeployment must not overwrite
// the rotated token. The bootstrap writes it (docs/deploy.md).
resource refreshTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: refreshTokenSecretName
}

resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appRefreshTokenWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (refreshTokenSecretExists) {
  name: guid(refreshTokenSecret.id, appPrincipalId, keyVaultSecretsOfficerRoleId)
  scope: refreshTokenSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, keyVaultSecretsOfficerRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

@description('Name of the Key Vault.')
output name string = vault.name

@description('Resource ID of the Key Vault.')
output resourceId string = vault.id

@description('URL of the Key Vault, e.g. https://<name>.vault.azure.net/.')
output uri string = vault.properties.vaultUri
