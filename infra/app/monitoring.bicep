// Log Analytics + workspace-based Application Insights. Local auth (instrumentation key
// ingestion) is off: the host and the Python worker send telemetry with the app's identity,
// which holds Monitoring Metrics Publisher on this component.
param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object
@minValue(30)
param retentionInDays int

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    retentionInDays: retentionInDays
    sku: { name: 'PerGB2018' }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = applicationInsights.name
output applicationInsightsId string = applicationInsights.id
// A connection string only locates the component; with local auth off it grants nothing.
output connectionString string = applicationInsights.properties.ConnectionString
output logAnalyticsName string = logAnalytics.name
output logAnalyticsId string = logAnalytics.id
@description('Workspace id for az monitor log-analytics query.')
output logAnalyticsCustomerId string = logAnalytics.properties.customerId
