// The go-live function app and what it needs: storage (queues + Durable task hub),
// a user-assigned managed identity (CPP and Event Grid tokens), an Event Grid topic
// for completion events, and Application Insights.
targetScope = 'resourceGroup'

@description('Short environment name used in resource names (azd sets it).')
param environmentName string

@description('Location for all resources.')
param location string = resourceGroup().location

@description('Base URL of the Cloud Partner Portal API.')
param cppApiBaseUrl string = 'https://cloudpartner.azure.com'

@description('Queue that upstream publishing systems write go-live requests to.')
param goLiveQueueName string = 'golive-requests'

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = { 'azd-env-name': environmentName }

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-golive-${token}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stgolive${token}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource requestQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: goLiveQueueName
}

resource topic 'Microsoft.EventGrid/topics@2024-06-01-preview' = {
  name: 'evgt-golive-${token}'
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
  }
}

// EventGrid Data Sender, so the app publishes with its managed identity (no key).
resource topicSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: topic
  name: guid(topic.id, identity.id, 'd5a91429-5739-47e2-a06b-3470a27159e7')
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'd5a91429-5739-47e2-a06b-3470a27159e7')
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-golive-${token}'
  location: location
  tags: tags
  properties: { retentionInDays: 30, sku: { name: 'PerGB2018' } }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-golive-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: 'plan-golive-${token}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'Y1', tier: 'Dynamic' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: 'func-golive-${token}'
  location: location
  tags: union(tags, { 'azd-service-name': 'golive' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'Python|3.11'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'python' }
        { name: 'AzureWebJobsStorage', value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'CPP_API_BASE_URL', value: cppApiBaseUrl }
        { name: 'GOLIVE_QUEUE_NAME', value: goLiveQueueName }
        { name: 'MANAGED_IDENTITY_CLIENT_ID', value: identity.properties.clientId }
        { name: 'EVENTGRID_TOPIC_ENDPOINT', value: topic.properties.endpoint }
      ]
    }
  }
}

output AZURE_FUNCTION_APP_NAME string = app.name
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output EVENTGRID_TOPIC_ENDPOINT string = topic.properties.endpoint
