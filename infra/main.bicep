// Provisions the referrals facade: a Flex Consumption function app that reaches its storage, Key Vault and
// Application Insights with one user-assigned identity, and holds no key or secret in its settings.
// `azd up` deploys this file with main.parameters.json; docs/deploy.md shows the plain `az deployment` route.
targetScope = 'subscription'

metadata name = 'Referrals facade'
metadata description = 'Flex Consumption function app, identity-based storage, Key Vault for the Partner Center credentials, Entra-only Application Insights.'

// ----- Parameters ------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Required. Name of the azd environment; it seeds every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Required. Region for every resource. It must offer the Flex Consumption plan.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Optional. Name of the resource group to create. Defaults to rg-<environmentName>.')
param resourceGroupName string = ''

@description('Optional. Object ID of the person or pipeline that runs the deployment, for deployerVaultRole. Defaults to the deploying principal.')
param deployerPrincipalId string = deployer().objectId

@description('Optional. Kind of principal deployerPrincipalId is: User for a person, ServicePrincipal for a pipeline.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

@description('Optional. What the deployer may do in the vault: secretsOfficer (write the Partner Center credentials, for the one-time bootstrap), none, or auto: secretsOfficer for a User, none for a ServicePrincipal or Group, since a pipeline never writes the credentials.')
@allowed([
  'auto'
  'secretsOfficer'
  'none'
])
param deployerVaultRole string = 'auto'

@description('Optional. Set to true once the refresh-token secret exists (after the bootstrap). Azure can scope a role assignment only to a secret that exists, so the app\'s write access to that one secret is granted from the next provisioning on; until then the app reads the token but cannot store a rotated one.')
param refreshTokenSecretExists bool = false

@description('Optional. Upper bound of instances the app scales out to. With httpPerInstanceConcurrency it caps the concurrent calls sent to Partner Center, so a burst of flows cannot stampede its throttling.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Optional. Most HTTP requests one instance handles at once before the platform adds an instance.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Optional. Memory of each instance, in MB. The facade relays small JSON documents; 2048 is the platform default.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Partner Center origin the facade calls (PARTNER_CENTER_BASE_URL).')
param partnerCenterBaseUrl string = 'https://api.partner.microsoft.com'

@description('Optional. Longest wait for one Partner Center answer, in milliseconds (PARTNER_CENTER_TIMEOUT_MS).')
@minValue(1000)
@maxValue(230000)
param partnerCenterTimeoutMs int = 30000

@description('Optional. Longest one caller\'s call may take, every upstream attempt and wait included, in milliseconds (PARTNER_CENTER_DEADLINE_MS). Power Automate abandons an HTTP action after 120 s.')
@minValue(1000)
@maxValue(110000)
param partnerCenterDeadlineMs int = 60000

@description('Optional. Attempts per upstream request, the first included (PARTNER_CENTER_MAX_ATTEMPTS).')
@minValue(1)
@maxValue(10)
param partnerCenterMaxAttempts int = 4

@description('Optional. OAuth scope requested for Partner Center tokens (PARTNER_CENTER_TOKEN_SCOPE).')
param partnerCenterTokenScope string = 'https://api.partner.microsoft.com/.default'

@description('Optional. Names of the Key Vault secrets that hold the Partner Center app registration and the refresh token.')
param secretNames secretNamesType = {
  clientId: 'partner-center-client-id'
  clientSecret: 'partner-center-client-secret'
  tenantId: 'partner-center-tenant-id'
  refreshToken: 'partner-center-refresh-token'
}

@description('Optional. How long the app uses a secret read from Key Vault before reading it again, in seconds (KEY_VAULT_SECRET_CACHE_SECONDS).')
@minValue(0)
@maxValue(86400)
param secretCacheSeconds int = 300

@description('Optional. Least time between two write-backs of a rotated refresh token, in minutes (REFRESH_TOKEN_WRITE_INTERVAL_MINUTES). Keep it far below the token\'s 90-day inactivity limit.')
@minValue(1)
@maxValue(43200)
param refreshTokenWriteIntervalMinutes int = 1440

@description('Optional. Hosts Partner Center\'s event signing certificate may be fetched from (EVENTS_CERTIFICATE_HOSTS): exact host names, or suffixes written with a leading dot.')
@minLength(1)
param eventsCertificateHosts string[] = [
  // Partner Center's own (public cloud) blob host, whatever cloud the app runs in, so not environment().
  #disable-next-line no-hardcoded-env-urls
  '.blob.core.windows.net'
]

@description('Optional. Organisation (O=) the event signing certificate\'s subject must name (EVENTS_REQUIRED_ORGANIZATION).')
@minLength(1)
param eventsRequiredOrganization string = 'Microsoft Corporation'

@description('Optional. PEM root certificates the event signing certificate must chain to (EVENTS_TRUSTED_ROOTS); empty leaves the setting unset, and the app uses Microsoft\'s roots from Node.js\'s own bundle.')
param eventsTrustedRoots string = ''

@description('Optional. Days a deleted vault and its secrets stay recoverable. Purge protection keeps them for this long whatever happens.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Optional. Days Log Analytics keeps the app\'s logs and telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Optional. Resource ID of an action group the credential alerts notify; empty leaves them in the portal only.')
param alertActionGroupResourceId string = ''

@description('Optional. Tags added to every resource, next to azd-env-name.')
param tags object = {}

// ----- Types -----------------------------------------------------------------------------------------------

@description('The Key Vault secret names the app reads (and, for the refresh token, writes).')
type secretNamesType = {
  @description('Required. Secret holding the Partner Center app registration\'s client id.')
  @minLength(1)
  @maxLength(127)
  clientId: string

  @description('Required. Secret holding that app registration\'s client secret.')
  @minLength(1)
  @maxLength(127)
  clientSecret: string

  @description('Required. Secret holding the partner\'s Entra tenant id.')
  @minLength(1)
  @maxLength(127)
  tenantId: string

  @description('Required. Secret holding the App+User refresh token; the only secret the app may write.')
  @minLength(1)
  @maxLength(127)
  refreshToken: string
}

// ----- Names -----------------------------------------------------------------------------------------------

// Abbreviations from the Cloud Adoption Framework, as the azd templates use them.
var abbreviations = {
  resourceGroup: 'rg-'
  managedIdentity: 'id-'
  storageAccount: 'st'
  keyVault: 'kv-'
  logAnalyticsWorkspace: 'log-'
  applicationInsights: 'appi-'
  appServicePlan: 'plan-'
  functionApp: 'func-'
  alert: 'alert-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, {
  'azd-env-name': environmentName
})
var functionAppName = '${abbreviations.functionApp}api-${resourceToken}'
var grantDeployerSecretsOfficer = deployerVaultRole == 'secretsOfficer' || (deployerVaultRole == 'auto' && deployerPrincipalType == 'User')
// One container per app; Flex Consumption reads the deployment package from it with the app's identity.
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

// ----- Resources -------------------------------------------------------------------------------------------

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbreviations.resourceGroup}${environmentName}'
  location: location
  tags: allTags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    name: '${abbreviations.managedIdentity}api-${resourceToken}'
    location: location
    tags: allTags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    logAnalyticsName: '${abbreviations.logAnalyticsWorkspace}${resourceToken}'
    applicationInsightsName: '${abbreviations.applicationInsights}${resourceToken}'
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    name: '${abbreviations.storageAccount}${resourceToken}'
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    blobDataOwnerPrincipalId: identity.outputs.principalId
    operationsQueueName: 'referral-operations'
    operationsTableName: 'referralOperations'
    // shared/events/names.ts (defaultEventStorageNames); the poison queue is referral-events-poison.
    eventsQueueName: 'referral-events'
    eventsTableNames: [
      'referralEvents'
      'eventSubscriptions'
      'eventDeliveries'
      'eventState'
    ]
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'keyVault'
  scope: resourceGroup
  params: {
    name: '${abbreviations.keyVault}${resourceToken}'
    location: location
    tags: allTags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    appPrincipalId: identity.outputs.principalId
    refreshTokenSecretName: secretNames.refreshToken
    refreshTokenSecretExists: refreshTokenSecretExists
    deployerPrincipalId: grantDeployerSecretsOfficer ? deployerPrincipalId : ''
    deployerPrincipalType: deployerPrincipalType
    logAnalyticsResourceId: monitoring.outputs.logAnalyticsResourceId
  }
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: resourceGroup
  params: {
    namePrefix: '${abbreviations.alert}${resourceToken}'
    location: location
    tags: allTags
    applicationInsightsResourceId: monitoring.outputs.applicationInsightsResourceId
    logAnalyticsResourceId: monitoring.outputs.logAnalyticsResourceId
    refreshTokenSecretName: secretNames.refreshToken
    actionGroupResourceId: alertActionGroupResourceId
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'functionApp'
  scope: resourceGroup
  params: {
    name: functionAppName
    planName: '${abbreviations.appServicePlan}${resourceToken}'
    location: location
    tags: allTags
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    maximumInstanceCount: maximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    instanceMemoryMB: instanceMemoryMB
    partnerCenterBaseUrl: partnerCenterBaseUrl
    partnerCenterTimeoutMs: partnerCenterTimeoutMs
    partnerCenterDeadlineMs: partnerCenterDeadlineMs
    partnerCenterMaxAttempts: partnerCenterMaxAttempts
    partnerCenterTokenScope: partnerCenterTokenScope
    clientIdSecretName: secretNames.clientId
    clientSecretSecretName: secretNames.clientSecret
    tenantIdSecretName: secretNames.tenantId
    refreshTokenSecretName: secretNames.refreshToken
    secretCacheSeconds: secretCacheSeconds
    refreshTokenWriteIntervalMinutes: refreshTokenWriteIntervalMinutes
    eventsCertificateHosts: eventsCertificateHosts
    eventsRequiredOrganization: eventsRequiredOrganization
    eventsTrustedRoots: eventsTrustedRoots
  }
}

// ----- Outputs (azd stores them in the environment's .env) -------------------------------------------------

@description('Region the resources are in.')
output AZURE_LOCATION string = location

@description('Entra tenant of the subscription.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding every resource.')
output AZURE_RESOURCE_GROUP string = resourceGroup.name

@description('Name of the function app; azd deploys the api service to it.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Base URL of the facade, e.g. for the Power Platform connector host.')
output SERVICE_API_URI string = functionApp.outputs.uri

@description('Name of the Key Vault holding the Partner Center credentials; the bootstrap writes to it.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('URL of that Key Vault (KEY_VAULT_URL in the app).')
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri

@description('Client id of the app\'s user-assigned identity (AZURE_CLIENT_ID in the app).')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId

@description('Name (not value) of the secret the bootstrap writes the app registration\'s client id to.')
output PARTNER_CENTER_CLIENT_ID_SECRET_NAME string = secretNames.clientId

@description('Name (not value) of the secret the bootstrap writes the app registration\'s client secret to.')
output PARTNER_CENTER_CLIENT_SECRET_SECRET_NAME string = secretNames.clientSecret

@description('Name (not value) of the secret the bootstrap writes the partner\'s tenant id to.')
output PARTNER_CENTER_TENANT_ID_SECRET_NAME string = secretNames.tenantId

@description('Name (not value) of the secret the bootstrap writes the first refresh token to.')
output PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME string = secretNames.refreshToken
