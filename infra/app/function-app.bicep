// The facade itself: a Linux function app on the Flex Consumption plan (FC1), Node 22. It runs as the
// user-assigned identity and its app settings hold addresses, names and tunables only, never a key or secret:
// the host reaches storage and Application Insights through the identity, the code reaches Key Vault the same way.

@description('Required. Name of the function app; also its default host name.')
param name string

@description('Required. Name of the Flex Consumption plan.')
param planName string

@description('Optional. Region of the plan and the app.')
param location string = resourceGroup().location

@description('Optional. Tags of the plan and the app.')
param tags object = {}

@description('Required. Resource ID of the user-assigned identity the app runs as.')
param identityResourceId string

@description('Required. Client ID of that identity.')
param identityClientId string

@description('Required. Name of the storage account for the host and the deployment package.')
param storageAccountName string

@description('Required. Name of the blob container holding the deployment package.')
param deploymentContainerName string

@description('Required. Name of the Application Insights component the app reports to.')
param applicationInsightsName string

@description('Required. URL of the Key Vault holding the Partner Center credentials.')
param keyVaultUri string

@description('Optional. Upper bound of instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Optional. Most HTTP requests one instance handles at once.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Optional. Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Partner Center origin the facade calls.')
param partnerCenterBaseUrl string = 'https://api.partner.microsoft.com'

@description('Optional. Longest wait for one Partner Center answer, in milliseconds.')
@minValue(1000)
@maxValue(230000)
param partnerCenterTimeoutMs int = 30000

@description('Optional. Longest one caller\'s call may take, retries included, in milliseconds.')
@minValue(1000)
@maxValue(110000)
param partnerCenterDeadlineMs int = 60000

@description('Optional. Attempts per upstream request, the first included.')
@minValue(1)
@maxValue(10)
param partnerCenterMaxAttempts int = 4

@description('Optional. OAuth scope requested for Partner Center tokens.')
param partnerCenterTokenScope string = 'https://api.partner.microsoft.com/.default'

@description('Required. Name of the secret holding the app registration\'s client id.')
param clientIdSecretName string

@description('Required. Name of the secret holding the app registration\'s client secret.')
param clientSecretSecretName string

@description('Required. Name of the secret holding the partner\'s tenant id.')
param tenantIdSecretName string

@description('Required. Name of the secret holding the refresh token.')
param refreshTokenSecretName string

@description('Optional. Seconds a secret read from Key Vault is reused.')
@minValue(0)
@maxValue(86400)
param secretCacheSeconds int = 300

@description('Optional. Least minutes between two write-backs of a rotated refresh token.')
@minValue(1)
@maxValue(43200)
param refreshTokenWriteIntervalMinutes int = 1440

@description('Optional. Attempts of one asynchronous operation before it is failed and moved to the poison queue.')
@minValue(1)
@maxValue(50)
param operationMaxAttempts int = 12

@description('Optional. First wait between attempts of an asynchronous operation, in seconds; it doubles each time.')
@minValue(1)
@maxValue(3600)
param operationRetryBaseSeconds int = 30

@description('Optional. Longest wait between attempts of an asynchronous operation, in seconds.')
@minValue(1)
@maxValue(518400)
param operationRetryMaxSeconds int = 3600

@description('Optional. How long the events sweep leaves a change to Partner Center\'s own notification before announcing it itself, in seconds.')
@minValue(0)
@maxValue(3600)
param eventsSweepGraceSeconds int = 120

@description('Optional. How far back the events sweep looks on its first run, before it has a cursor, in hours.')
@minValue(1)
@maxValue(720)
param eventsSweepFirstLookbackHours int = 24

@description('Optional. Attempts of one delivery to an event subscriber before it is parked.')
@minValue(1)
@maxValue(50)
param eventsDeliveryMaxAttempts int = 10

@description('Optional. First wait between attempts of an event delivery, in seconds; it doubles each time.')
@minValue(1)
@maxValue(3600)
param eventsRetryBaseSeconds int = 60

@description('Optional. Longest wait between attempts of an event delivery, in seconds.')
@minValue(1)
@maxValue(518400)
param eventsRetryMaxSeconds int = 21600

@description('Optional. How long one delivery to a subscriber may take, in seconds.')
@minValue(1)
@maxValue(120)
param eventsDeliveryTimeoutSeconds int = 10

@description('Optional. Hosts Partner Center\'s event signing certificate may be fetched from: exact host names, or suffixes written with a leading dot.')
@minLength(1)
param eventsCertificateHosts string[] = [
  // Partner Center's own (public cloud) blob host, whatever cloud the app runs in, so not environment().
  #disable-next-line no-hardcoded-env-urls
  '.blob.core.windows.net'
]

@description('Optional. Organisation (O=) the event signing certificate\'s subject must name.')
@minLength(1)
param eventsRequiredOrganization string = 'Microsoft Corporation'

@description('Optional. PEM root certificates the event signing certificate must chain to; empty leaves EVENTS_TRUSTED_ROOTS unset, and the app uses Microsoft\'s roots from Node.js\'s own bundle.')
param eventsTrustedRoots string = ''

// Set only when given: unset, the app checks the chain against Microsoft's roots from Node.js's own bundle.
var eventsTrustedRootsSettings = empty(eventsTrustedRoots)
  ? []
  : [
      {
        name: 'EVENTS_TRUSTED_ROOTS'
        value: eventsTrustedRoots
      }
    ]

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy the `api` service to by this tag.
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityResourceId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      // No ftpsState: Flex Consumption refuses it (test/infra/flex-consumption-rules.ts); FTP is off through the
      // basic publishing credentials policy below.
      // Every setting the app sees. The names are the contract with shared/config (test/infra checks both
      // directions); platform settings come first, then the facade's own.
      appSettings: [
        // Host storage through the identity: no connection string, no account key.
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        {
          name: 'AzureWebJobsStorage__blobServiceUri'
          value: storageAccount.properties.primaryEndpoints.blob
        }
        // The asynchronous mode's queue and table, in the same account, through the same identity. The queue
        // trigger reads these settings too (connection DURABLE_STORAGE).
        {
          name: 'DURABLE_STORAGE__queueServiceUri'
          value: storageAccount.properties.primaryEndpoints.queue
        }
        {
          name: 'DURABLE_STORAGE__tableServiceUri'
          value: storageAccount.properties.primaryEndpoints.table
        }
        {
          name: 'DURABLE_STORAGE__credential'
          value: 'managedidentity'
        }
        {
          name: 'DURABLE_STORAGE__clientId'
          value: identityClientId
        }
        {
          name: 'OPERATION_MAX_ATTEMPTS'
          value: string(operationMaxAttempts)
        }
        {
          name: 'OPERATION_RETRY_BASE_SECONDS'
          value: string(operationRetryBaseSeconds)
        }
        {
          name: 'OPERATION_RETRY_MAX_SECONDS'
          value: string(operationRetryMaxSeconds)
        }
        // Partner Center events: the sweep's window and what the receiver accepts as Partner Center's signature.
        // Their queue and tables are reached through the DURABLE_STORAGE settings above. The local-only switches
        // EVENTS_ALLOW_HTTP_CERTIFICATE_URLS and EVENTS_ALLOW_PRIVATE_DESTINATIONS are never set in Azure, and no
        // parameter can set them (test/infra/app-settings-contract.test.ts).
        {
          name: 'EVENTS_SWEEP_GRACE_SECONDS'
          value: string(eventsSweepGraceSeconds)
        }
        {
          name: 'EVENTS_SWEEP_FIRST_LOOKBACK_HOURS'
          value: string(eventsSweepFirstLookbackHours)
        }
        {
          name: 'EVENTS_DELIVERY_MAX_ATTEMPTS'
          value: string(eventsDeliveryMaxAttempts)
        }
        {
          name: 'EVENTS_RETRY_BASE_SECONDS'
          value: string(eventsRetryBaseSeconds)
        }
        {
          name: 'EVENTS_RETRY_MAX_SECONDS'
          value: string(eventsRetryMaxSeconds)
        }
        {
          name: 'EVENTS_DELIVERY_TIMEOUT_SECONDS'
          value: string(eventsDeliveryTimeoutSeconds)
        }
        {
          name: 'EVENTS_CERTIFICATE_HOSTS'
          value: join(eventsCertificateHosts, ',')
        }
        {
          name: 'EVENTS_REQUIRED_ORGANIZATION'
          value: eventsRequiredOrganization
        }
        ...eventsTrustedRootsSettings
        // With local auth off, ingestion needs the Entra token the authentication string asks for.
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        // An exception while the entry point loads then stops the host loudly instead of leaving no functions.
        {
          name: 'FUNCTIONS_NODE_BLOCK_ON_ENTRY_POINT_ERROR'
          value: 'true'
        }
        {
          name: 'PARTNER_CENTER_BASE_URL'
          value: partnerCenterBaseUrl
        }
        {
          name: 'PARTNER_CENTER_TIMEOUT_MS'
          value: string(partnerCenterTimeoutMs)
        }
        {
          name: 'PARTNER_CENTER_DEADLINE_MS'
          value: string(partnerCenterDeadlineMs)
        }
        {
          name: 'PARTNER_CENTER_MAX_ATTEMPTS'
          value: string(partnerCenterMaxAttempts)
        }
        {
          name: 'PARTNER_CENTER_TOKEN_SCOPE'
          value: partnerCenterTokenScope
        }
        {
          name: 'KEY_VAULT_URL'
          value: keyVaultUri
        }
        {
          name: 'KEY_VAULT_SECRET_CLIENT_ID'
          value: clientIdSecretName
        }
        {
          name: 'KEY_VAULT_SECRET_CLIENT_SECRET'
          value: clientSecretSecretName
        }
        {
          name: 'KEY_VAULT_SECRET_TENANT_ID'
          value: tenantIdSecretName
        }
        {
          name: 'KEY_VAULT_SECRET_REFRESH_TOKEN'
          value: refreshTokenSecretName
        }
        {
          name: 'KEY_VAULT_SECRET_CACHE_SECONDS'
          value: string(secretCacheSeconds)
        }
        {
          name: 'REFRESH_TOKEN_WRITE_INTERVAL_MINUTES'
          value: string(refreshTokenWriteIntervalMinutes)
        }
        // Selects the user-assigned identity for the Key Vault and token clients.
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
        // Entra's origin in this cloud (public, US Government, China), so sovereign clouds need no override.
        {
          name: 'AZURE_AUTHORITY_HOST'
          value: environment().authentication.loginEndpoint
        }
      ]
    }
  }
}

// Deployments go through Entra-authenticated APIs (azd, az functionapp deployment); basic-auth publishing
// credentials (FTP and the SCM site) stay off.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Resource ID of the function app.')
output resourceId string = functionApp.id

@description('HTTPS base URL of the function app.')
output uri string = 'https://${functionApp.properties.defaultHostName}'
