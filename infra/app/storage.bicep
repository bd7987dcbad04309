// The Functions host's storage and the container Flex Consumption deploys from, and the queues and tables of the
// asynchronous mode and of the Partner Center events. No shared keys, no anonymous blob access: the app's identity
// is the only way in (Storage Blob Data Owner, what the host needs for blobs; per-queue and per-table roles for the
// rest).

@description('Required. Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Optional. Region of the storage account.')
param location string = resourceGroup().location

@description('Optional. Tags of the storage account.')
param tags object = {}

@description('Required. Name of the blob container that holds the deployment package.')
param deploymentContainerName string

@description('Required. Principal ID of the app\'s identity; it receives Storage Blob Data Owner on the account, and the queue and table roles on each queue and table alone.')
param blobDataOwnerPrincipalId string

@description('Required. Name of the work queue of the asynchronous mode (shared/durable/names.ts).')
param operationsQueueName string

@description('Required. Name of the operations table of the asynchronous mode (shared/durable/names.ts).')
param operationsTableName string

@description('Required. Name of the events queue the receiver and the sweep send to and the fan-out is triggered by (shared/events/names.ts); its poison queue is <name>-poison.')
param eventsQueueName string

@description('Required. Names of the events tables (shared/events/names.ts): received events, subscriptions, deliveries and the sweep\'s state.')
@minLength(1)
param eventsTableNames string[]

// Built-in role: Storage Blob Data Owner, which the host's identity-based AzureWebJobsStorage requires.
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'

// The asynchronous mode's roles, each on the one queue or table it is for, not on the account. The queue
// trigger needs Reader (queue properties) and Message Processor (receive, delete); the worker and the host's
// poison handling send (Message Sender). The queues are made here, so no role that may create queues is needed.
var storageQueueDataReaderRoleId = '19e7f393-937e-4f77-808e-94535e174168'
var storageQueueDataMessageProcessorRoleId = '8a0f0c08-91a1-4084-bc3d-661d67233fed'
var storageQueueDataMessageSenderRoleId = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

// The events queue is both triggered (the fan-out) and sent to (the receiver, the sweep, the host's poison handling),
// so each events queue gets the same three roles as the operations queues.
var queueRoleIds = [
  storageQueueDataReaderRoleId
  storageQueueDataMessageProcessorRoleId
  storageQueueDataMessageSenderRoleId
]

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource operationsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: operationsQueueName
}

// The Functions host's name for the queue's poison queue; made here so the app needs no create permission.
resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${operationsQueueName}-poison'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storageAccount
  name: 'default'
}

resource operationsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: operationsTableName
}

resource eventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: eventsQueueName
}

// The Functions host's name for the events queue's poison queue; made here for the same reason as the other one.
resource eventsPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${eventsQueueName}-poison'
}

resource eventsTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for tableName in eventsTableNames: {
    parent: tableService
    name: tableName
  }
]

resource operationsQueueReaderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(operationsQueue.id, blobDataOwnerPrincipalId, storageQueueDataReaderRoleId)
  scope: operationsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataReaderRoleId)
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operationsQueueProcessorRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(operationsQueue.id, blobDataOwnerPrincipalId, storageQueueDataMessageProcessorRoleId)
  scope: operationsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageProcessorRoleId)
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operationsQueueSenderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(operationsQueue.id, blobDataOwnerPrincipalId, storageQueueDataMessageSenderRoleId)
  scope: operationsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSenderRoleId)
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource poisonQueueReaderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(poisonQueue.id, blobDataOwnerPrincipalId, storageQueueDataReaderRoleId)
  scope: poisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataReaderRoleId)
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource poisonQueueProcessorRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(poisonQueue.id, blobDataOwnerPrincipalId, storageQueueDataMessageProcessorRoleId)
  scope: poisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageProcessorRoleId)
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource poisonQueueSenderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(poisonQueue.id, blobDataOwnerPrincipalId, storageQueueDataMessageSenderRoleId)
  scope: poisonQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSenderRoleId)
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operationsTableRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(operationsTable.id, blobDataOwnerPrincipalId, storageTableDataContributorRoleId)
  scope: operationsTable
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      storageTableDataContributorRoleId
    )
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource eventsQueueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in queueRoleIds: {
    name: guid(eventsQueue.id, blobDataOwnerPrincipalId, roleId)
    scope: eventsQueue
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: blobDataOwnerPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource eventsPoisonQueueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in queueRoleIds: {
    name: guid(eventsPoisonQueue.id, blobDataOwnerPrincipalId, roleId)
    scope: eventsPoisonQueue
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: blobDataOwnerPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Table Data Contributor on each events table alone, like the operations table's.
resource eventsTableRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (tableName, index) in eventsTableNames: {
    name: guid(eventsTables[index].id, blobDataOwnerPrincipalId, storageTableDataContributorRoleId)
    scope: eventsTables[index]
    properties: {
      roleDefinitionId: subscriptionResourceId(
        'Microsoft.Authorization/roleDefinitions',
        storageTableDataContributorRoleId
      )
      principalId: blobDataOwnerPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Storage Blob Data Owner on the account is also what the timer trigger (events-sweep) needs: it takes a blob lease
// in the host storage (AzureWebJobsStorage) as its singleton lock and writes its schedule monitor's status blobs
// there (useMonitor), creating the azure-webjobs-hosts container if missing. test/infra/role-assignments.test.ts.
resource blobDataOwnerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, blobDataOwnerPrincipalId, storageBlobDataOwnerRoleId)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    principalId: blobDataOwnerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('Name of the storage account.')
output name string = storageAccount.name

@description('Resource ID of the storage account.')
output resourceId string = storageAccount.id
