// The vault for the Partner Center credentials. RBAC only (no access policies), soft delete with purge
// protection, so a deleted or overwritten refresh token can be recovered and nobody can purge it early.
// The app reads every secret; it may set exactly one, the refresh token it rotates, through a custom role that
// allows nothing else. Every access is audited to Log Analytics.

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

@description('Required. Name of the secret holding the refresh token; the app\'s identity may set that secret alone.')
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

@description('Required. Resource ID of the Log Analytics workspace that receives the vault\'s audit log.')
param logAnalyticsResourceId string

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

// Secrets Officer would also let the app delete, back up and restore every secret it can reach, so the
// write-back gets a role that sets and reads secrets and nothing else, assigned on the one secret. Custom
// roles are assignable at resource group level at the narrowest, and their names are unique per tenant.
resource refreshTokenWriterRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'referrals-facade-refresh-token-writer')
  properties: {
    roleName: 'Referrals facade refresh-token writer (${resourceGroup().name})'
    description: 'Sets and reads a Key Vault secret: the Partner Center refresh token the referrals facade rotates. Assign it on that secret alone.'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.KeyVault/vaults/secrets/setSecret/action'
          'Microsoft.KeyVault/vaults/secrets/getSecret/action'
          'Microsoft.KeyVault/vaults/secrets/readMetadata/action'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

// Role definitions live at the subscription whatever scope created them; their subscription-level id is the one
// Azure reports back, so a redeployment compares equal (the same form as the built-in roles above).
var refreshTokenWriterRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', refreshTokenWriterRole.name)

resource appRefreshTokenWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (refreshTokenSecretExists) {
  name: guid(refreshTokenSecret.id, appPrincipalId, refreshTokenWriterRoleId)
  scope: refreshTokenSecret
  properties: {
    roleDefinitionId: refreshTokenWriterRoleId
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

// Who read or wrote which secret, and who was refused: the trail for a leaked credential, and the signal the
// refresh-token alert in alerts.bicep reads.
resource auditLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsResourceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

@description('Name of the Key Vault.')
output name string = vault.name

@description('Resource ID of the Key Vault.')
output resourceId string = vault.id

@description('URL of the Key Vault, e.g. https://<name>.vault.azure.net/.')
output uri string = vault.properties.vaultUri
