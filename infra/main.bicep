// Entry point for `azd up` / `az deployment sub create`: creates the resource group and everything
// the Durable Functions multi-agent app needs on Azure Functions Flex Consumption. Local modules
// only, so the template compiles offline. No keys or secrets: every caller uses Entra ID.
targetScope = 'subscription'

@description('Name of the azd environment; used in resource names and the azd-env-name tag.')
@minLength(1)
@maxLength(64)
param environmentName string

// Regions offering Flex Consumption, the Durable Task Scheduler and the default chat model
// (gpt-5.4-mini 2026-03-17, GlobalStandard). Microsoft's docs publish no list for the first two, only a
// live query (`az functionapp list-flexconsumption-locations`; `az provider show --namespace
// Microsoft.DurableTask`), so this takes the intersection of:
// - Flex Consumption: the @allowed list of Azure-Samples/functions-quickstart-typescript-azd (infra/main.bicep);
// - Flex Consumption with DTS: the @allowed list of Azure-Samples/durable-functions-quickstart-typescript-azd
//   (infra/main.bicep), a subset of the first; it leaves out westeurope, where DTS was missing
//   (Azure/Durable-Task-Scheduler#29);
// - the model: MicrosoftDocs/azure-ai-docs articles/foundry/openai/includes/model-matrix/standard-global.md
//   (Global Standard availability), which lacks eastasia, northeurope and westus2.
// Azure OpenAI alone can go elsewhere with openAiLocation (AZURE_OPENAI_LOCATION), e.g. for another model.
@description('Azure region for all resources (except Azure OpenAI when openAiLocation is set).')
@minLength(1)
@allowed([
  'australiaeast'
  'centralus'
  'eastus2'
  'northcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or service principal. Gets the DTS dashboard and Azure OpenAI roles; empty to skip.')
param principalId string = ''

@description('Type of principalId: User for a person, ServicePrincipal for a CI identity. azd sets it from the login.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Region of the Azure OpenAI account; empty means the same as location. Pick one that offers the chat model.')
param openAiLocation string = ''

// The default chat model is GA, deployable as GlobalStandard, and not deprecated. Source: the Azure
// OpenAI table of the model retirement schedule (MicrosoftDocs/azure-ai-docs, foundry/openai
// concepts/model-retirement-schedule, September 2026): gpt-5.4-mini 2026-03-17, GA, retires 2027-09-21.
// azd fills these four from AZURE_OPENAI_MODEL, _VERSION, _SKU and _CAPACITY (main.parameters.json).
@description('Chat model name (azd: AZURE_OPENAI_MODEL). Also the name of its deployment.')
param chatModelName string = 'gpt-5.4-mini'

@description('Chat model version (azd: AZURE_OPENAI_MODEL_VERSION).')
param chatModelVersion string = '2026-03-17'

@description('Chat deployment SKU, e.g. GlobalStandard, DataZoneStandard or Standard (azd: AZURE_OPENAI_MODEL_SKU).')
param chatSkuName string = 'GlobalStandard'

@description('Chat deployment capacity, in thousands of tokens per minute (azd: AZURE_OPENAI_MODEL_CAPACITY).')
@minValue(1)
param chatCapacity int = 30

@description('Name of the Durable Task Scheduler task hub.')
param taskHubName string = 'default'

@description('Memory of each function app instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the function app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Client id of an Entra ID app registration (its Application ID URI api://<client id>) that signs callers in. Set: App Service Authentication (Easy Auth) requires a signed-in caller on every route but /api/health and the MCP endpoint, and runs and threads belong to their owner (OWNER_AUTH=easyauth). Empty (default): off.')
param authClientId string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
// Names are fixed at compile time (not taken from module outputs) so What-If can predict the
// role assignments and the app's references to the other resources.
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var schedulerName = '${abbrs.durableTaskSchedulers}${resourceToken}'
var openAiName = '${abbrs.cognitiveServicesOpenAi}${resourceToken}'
var chatDeploymentName = chatModelName

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity.bicep' = {
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'core/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module dts 'core/dts.bicep' = {
  scope: rg
  params: {
    name: schedulerName
    taskHubName: taskHubName
    location: location
    tags: tags
    ipAllowlist: [
      '0.0.0.0/0'
    ]
  }
}

module openAi 'core/openai.bicep' = {
  scope: rg
  params: {
    name: openAiName
    location: empty(openAiLocation) ? location : openAiLocation
    tags: tags
    chatDeploymentName: chatDeploymentName
    chatModelName: chatModelName
    chatModelVersion: chatModelVersion
    chatSkuName: chatSkuName
    chatCapacity: chatCapacity
  }
}

module rbac 'app/rbac.bicep' = {
  scope: rg
  params: {
    // The identity's principal id is only known once it exists; role assignment names include it
    // (guid(scope, principal, role)) so a recreated identity never collides with a stale assignment.
    #disable-next-line what-if-short-circuiting
    identityPrincipalId: identity.outputs.principalId
    principalId: principalId
    principalType: principalType
    storageAccountName: storageAccountName
    applicationInsightsName: applicationInsightsName
    schedulerName: schedulerName
    openAiName: openAiName
  }
  dependsOn: [
    storage
    monitoring
    dts
    openAi
  ]
}

module api 'app/api.bicep' = {
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    schedulerName: schedulerName
    taskHubName: taskHubName
    openAiName: openAiName
    chatDeploymentName: chatDeploymentName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    authClientId: authClientId
  }
  // The resources it reads must exist, and the host must be able to reach storage, DTS and
  // Azure OpenAI when it first starts.
  dependsOn: [
    storage
    monitoring
    dts
    openAi
    rbac
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_OPENAI_ENDPOINT string = openAi.outputs.endpoint
output AZURE_OPENAI_CHAT_DEPLOYMENT_NAME string = openAi.outputs.chatDeploymentName
output DURABLE_TASK_SCHEDULER_ENDPOINT string = dts.outputs.endpoint
output TASKHUB_NAME string = dts.outputs.taskHubName
output DURABLE_TASK_SCHEDULER_DASHBOARD_URL string = 'https://dashboard.durabletask.io/?endpoint=${uriComponent(dts.outputs.endpoint)}&taskhub=${dts.outputs.taskHubName}'
