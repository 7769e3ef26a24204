// Azure OpenAI account with a chat model deployment. Keys are disabled: callers use Entra ID,
// which needs the custom subdomain.

@description('Name of the Azure OpenAI account; also its custom subdomain, so it must be globally unique.')
param name string

@description('Azure region of the account (the model must be offered there).')
param location string

@description('Tags for the resource.')
param tags object

@description('Name of the chat model deployment.')
param chatDeploymentName string

@description('Chat model name.')
param chatModelName string

@description('Chat model version.')
param chatModelVersion string

@description('Deployment SKU, e.g. GlobalStandard or Standard.')
param chatSkuName string

@description('Deployment capacity in thousands of tokens per minute.')
param chatCapacity int

resource account 'Microsoft.CognitiveServices/accounts@2025-09-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource chatDeployment 'Microsoft.CognitiveServices/accounts/deployments@2025-09-01' = {
  parent: account
  name: chatDeploymentName
  sku: {
    name: chatSkuName
    capacity: chatCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: chatModelName
      version: chatModelVersion
    }
    versionUpgradeOption: 'OnceNewDefaultVersionAvailable'
  }
}

output name string = account.name
output endpoint string = account.properties.endpoint
output chatDeploymentName string = chatDeployment.name
