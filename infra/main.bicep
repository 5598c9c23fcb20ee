// The go-live function app and everything it needs, on the Azure Developer CLI layout:
// `azd up` creates the resource group, provisions this file and deploys the app.
//
// - Flex Consumption (FC1), Python 3.13: the platform builds the package from requirements.txt.
// - Identity only: one user-assigned identity reaches storage (AzureWebJobsStorage__*),
//   Application Insights, the Event Grid topic and the CPP API. No account key, topic key or
//   instrumentation key exists anywhere: storage refuses shared keys, the topic and
//   Application Insights have local auth disabled.
// - Every setting the app reads (README, Configuration) is a parameter with the README's
//   default; main.parameters.json lets `azd env set NAME value` override each one.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it seeds the names of all resources.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer Flex Consumption with Python 3.13 (az functionapp list-flexconsumption-locations; docs/deploy.md).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the person (or pipeline) running azd; azd fills it in. It may send, read and replay queue messages. Empty: nobody.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

// ---- Hosting (Flex Consumption) ----

@description('Memory of one instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Always-ready instances per scale group (billed while idle), e.g. [{"name": "http", "instanceCount": 1}]. Default: none, the app scales from zero.')
param alwaysReady array = []

@description('Days Log Analytics keeps logs.')
@minValue(30)
param logRetentionDays int = 30

// ---- App settings the code reads (README, Configuration) ----

@description('CPP API origin; the bearer token is sent only here.')
param cppApiBaseUrl string = 'https://cloudpartner.azure.com'

@description('Token scope for CPP.')
param cppTokenScope string = 'https://cloudpartner.azure.com/.default'

@description('API of a go-live whose request names none: cpp or productIngestion.')
@allowed([ 'cpp', 'productIngestion' ])
param goLiveDefaultApi string = 'cpp'

@description('Product Ingestion API base URL; the Graph bearer token is sent only to its origin.')
param productIngestionBaseUrl string = 'https://graph.microsoft.com/rp/product-ingestion'

@description('Token scope for Product Ingestion.')
param productIngestionTokenScope string = 'https://graph.microsoft.com/.default'

@description('Timeout of one CPP call, in seconds.')
param cppRequestTimeoutSeconds string = '30'

@description('Queue upstream systems write go-live requests to; "-poison" is appended for failed messages.')
@minLength(3)
@maxLength(56)
param goLiveQueueName string = 'golive-requests'

@description('First wait between polls, in seconds.')
param pollInitialIntervalSeconds string = '60'

@description('Cap of the growing poll interval, in seconds.')
param pollMaxIntervalSeconds string = '900'

@description('Growth of the poll interval.')
param pollBackoffFactor string = '2.0'

@description('Waits before continue_as_new (keeps the history small; at most 100).')
param pollsPerExecution string = '5'

@description('Overall deadline of a go-live in days; then TimedOut.')
param goLiveDeadlineDays string = '21'

@description('Attempts of a go-live POST answered transiently (429, 5xx, timeouts); at most 20.')
param startMaxAttempts string = '8'

@description('Polls refused in a row (401/403/404) before the run ends Failed; at most 20.')
param pollMaxRefusals string = '8'

@description('Attempts of a CPP cancel answered transiently; at most 20.')
param cancelMaxAttempts string = '8'

@description('First backoff after a transient error, in seconds.')
param transientRetryInitialSeconds string = '30'

@description('Cap of the transient-error backoff, in seconds.')
param transientRetryMaxSeconds string = '900'

@description('CloudEvents source of the events the app publishes.')
param eventSource string = '/marketplace/golive'

@description('First backoff when Event Grid refuses an event, in seconds.')
param publishRetryInitialSeconds string = '15'

@description('Cap of the publish backoff, in seconds.')
param publishRetryMaxIntervalSeconds string = '900'

@description('How long to keep retrying a completion event, in hours (at least 24).')
param publishGiveUpHours string = '168'

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}golive-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}golive-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}golive${resourceToken}'
    location: location
    tags: tags
    requestQueueName: goLiveQueueName
    deploymentContainerName: deploymentContainerName
  }
}

module eventGrid 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: '${abbrs.eventGridTopics}golive-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}golive-${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}golive-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    eventGridTopicName: eventGrid.outputs.name
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  // The host connects to storage as soon as the app exists: grant its roles first.
  dependsOn: [rbac]
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}golive-${resourceToken}'
    location: location
    tags: tags
    serviceName: 'golive'
    // The project's Python (pyproject.toml requires-python; azure-functions-runtime needs 3.13).
    runtimeVersion: '3.13'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReady: alwaysReady
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    appSettings: {
      CPP_API_BASE_URL: cppApiBaseUrl
      CPP_TOKEN_SCOPE: cppTokenScope
      CPP_REQUEST_TIMEOUT_SECONDS: cppRequestTimeoutSeconds
      GOLIVE_DEFAULT_API: goLiveDefaultApi
      PRODUCT_INGESTION_BASE_URL: productIngestionBaseUrl
      PRODUCT_INGESTION_TOKEN_SCOPE: productIngestionTokenScope
      MANAGED_IDENTITY_CLIENT_ID: identity.outputs.clientId
      GOLIVE_QUEUE_NAME: goLiveQueueName
      POLL_INITIAL_INTERVAL_SECONDS: pollInitialIntervalSeconds
      POLL_MAX_INTERVAL_SECONDS: pollMaxIntervalSeconds
      POLL_BACKOFF_FACTOR: pollBackoffFactor
      POLLS_PER_EXECUTION: pollsPerExecution
      GOLIVE_DEADLINE_DAYS: goLiveDeadlineDays
      START_MAX_ATTEMPTS: startMaxAttempts
      POLL_MAX_REFUSALS: pollMaxRefusals
      CANCEL_MAX_ATTEMPTS: cancelMaxAttempts
      TRANSIENT_RETRY_INITIAL_SECONDS: transientRetryInitialSeconds
      TRANSIENT_RETRY_MAX_SECONDS: transientRetryMaxSeconds
      EVENTGRID_TOPIC_ENDPOINT: eventGrid.outputs.endpoint
      EVENT_SOURCE: eventSource
      PUBLISH_RETRY_INITIAL_SECONDS: publishRetryInitialSeconds
      PUBLISH_RETRY_MAX_INTERVAL_SECONDS: publishRetryMaxIntervalSeconds
      PUBLISH_GIVE_UP_HOURS: publishGiveUpHours
    }
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output GOLIVE_REQUEST_QUEUE string = storage.outputs.requestQueueName
output GOLIVE_POISON_QUEUE string = storage.outputs.poisonQueueName
output EVENTGRID_TOPIC_NAME string = eventGrid.outputs.name
output EVENTGRID_TOPIC_ID string = eventGrid.outputs.id
output EVENTGRID_TOPIC_ENDPOINT string = eventGrid.outputs.endpoint
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.logAnalyticsCustomerId
