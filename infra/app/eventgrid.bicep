// The topic completion and ActionRequired events go to (CloudEvents 1.0). Local auth is off:
// the app publishes with its identity (EventGrid Data Sender), never with a topic key.
param name string
param location string
param tags object

resource topic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = topic.name
output id string = topic.id
output endpoint string = topic.properties.endpoint
