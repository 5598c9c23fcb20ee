// The function app on the Flex Consumption plan (FC1): the platform builds the app from
// requirements.txt on deploy (azd uploads the package to the deployment container), and the
// app reaches storage, Application Insights and the deployment container with its identity.
param name string
param planName string
param location string
param tags object
@description('azd deploys the service of this name (azure.yaml) to this app.')
param serviceName string

@description('Python version of the Flex Consumption runtime stack.')
param runtimeVersion string
@allowed([512, 2048, 4096])
param instanceMemoryMB int
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int
@description('Always-ready instances per scale group, e.g. [{ name: \'http\', instanceCount: 1 }]; empty: none.')
param alwaysReady array

param identityId string
param identityClientId string
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string

@description('The settings the app\'s own code reads (README, Configuration).')
param appSettings object

// The Functions host, the Durable Functions extension and the queue trigger connect to
// storage through these (no connection string, no key). Durable Functions needs all three
// services. Application Insights takes the identity's token (its local auth is off), and the
// Python worker exports the app's log records, with their fields, through OpenTelemetry.
// Only the app's own loggers (golive.*) are exported: with the root logger the exporter's
// own INFO line about each upload would be exported too, and log another, without end.
var platformSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: 'true'
  PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME: 'golive'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'python'
        version: runtimeVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, platformSettings)
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
