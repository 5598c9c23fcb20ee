// The user-assigned identity the app runs as: storage, Application Insights, Event Grid and
// the CPP API all see this one principal, so one Partner Center registration covers it.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
