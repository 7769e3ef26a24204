// Flex Consumption plan and the function app ('api' service for azd). The app reaches storage,
// Application Insights, the Durable Task Scheduler and Azure OpenAI with its user-assigned
// identity only; no keys or connection secrets appear in its settings.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags for the resources; the app also gets azd-service-name.')
param tags object

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

@description('Name of the host storage account.')
param storageAccountName string

@description('Blob container (in the host storage account) for the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Durable Task Scheduler.')
param schedulerName string

@description('Name of the task hub in the scheduler.')
param taskHubName string

@description('Name of the Azure OpenAI account.')
param openAiName string

@description('Name of the chat model deployment in the Azure OpenAI account.')
param chatDeploymentName string

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Client id of the Entra ID app registration callers sign in to; empty leaves authentication off.')
param authClientId string = ''

// The one list of settings shared with the code. Defaults of its 'app' entries are read from it
// at compile time, not repeated here.
var settingsFile = '../../src/config/settings.json'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' existing = {
  name: schedulerName

  resource taskHub 'taskHubs' existing = {
    name: taskHubName
  }
}

resource openAi 'Microsoft.CognitiveServices/accounts@2025-09-01' existing = {
  name: openAiName

  resource chatDeployment 'deployments' existing = {
    name: chatDeploymentName
  }
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
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

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Exactly the 'host' entries plus the deployed 'app' entries of src/config/settings.json.
// Flex Consumption takes the runtime from functionAppConfig: no FUNCTIONS_WORKER_RUNTIME here.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // host
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${scheduler.properties.endpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
    TASKHUB_NAME: scheduler::taskHub.name
    // app (deployed)
    AZURE_OPENAI_ENDPOINT: openAi.properties.endpoint
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: openAi::chatDeployment.name
    AZURE_OPENAI_API_VERSION: loadJsonContent(settingsFile, '$.app.AZURE_OPENAI_API_VERSION.default')
    AZURE_CLIENT_ID: identityClientId
    MODEL_TIMEOUT_MS: loadJsonContent(settingsFile, '$.app.MODEL_TIMEOUT_MS.default')
    MODEL_MAX_COMPLETION_TOKENS: loadJsonContent(settingsFile, '$.app.MODEL_MAX_COMPLETION_TOKENS.default')
    MODEL_MAX_RETRY_AFTER_MS: loadJsonContent(settingsFile, '$.app.MODEL_MAX_RETRY_AFTER_MS.default')
    AGENT_MAX_ATTEMPTS: loadJsonContent(settingsFile, '$.app.AGENT_MAX_ATTEMPTS.default')
    AGENT_RETRY_DELAY_MS: loadJsonContent(settingsFile, '$.app.AGENT_RETRY_DELAY_MS.default')
    AGENT_RETRY_MAX_DELAY_MS: loadJsonContent(settingsFile, '$.app.AGENT_RETRY_MAX_DELAY_MS.default')
    PANEL_DEADLINE_MS: loadJsonContent(settingsFile, '$.app.PANEL_DEADLINE_MS.default')
    RESPONSE_WAIT_MS: loadJsonContent(settingsFile, '$.app.RESPONSE_WAIT_MS.default')
    ANSWER_MAX_CHARS: loadJsonContent(settingsFile, '$.app.ANSWER_MAX_CHARS.default')
    THREAD_MAX_MESSAGES: loadJsonContent(settingsFile, '$.app.THREAD_MAX_MESSAGES.default')
    THREAD_MAX_CHARS: loadJsonContent(settingsFile, '$.app.THREAD_MAX_CHARS.default')
    PROMPT_MAX_CHARS: loadJsonContent(settingsFile, '$.app.PROMPT_MAX_CHARS.default')
    TOOL_MAX_ROUNDS: loadJsonContent(settingsFile, '$.app.TOOL_MAX_ROUNDS.default')
    TOOL_MAX_CALLS_PER_ROUND: loadJsonContent(settingsFile, '$.app.TOOL_MAX_CALLS_PER_ROUND.default')
    EXPOSE_MANAGEMENT_URLS: loadJsonContent(settingsFile, '$.app.EXPOSE_MANAGEMENT_URLS.default')
    // Owners only with the platform's authentication, which alone makes the principal headers trustworthy.
    OWNER_AUTH: empty(authClientId) ? 'off' : 'easyauth'
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: loadJsonContent(
      settingsFile,
      '$.app.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT.default'
    )
  }
}

// App Service Authentication (Easy Auth) with Entra ID: the platform validates the caller's token, strips
// any x-ms-client-principal* header the client sent and sets its own, so the app can trust them
// (OWNER_AUTH=easyauth). /api/health stays anonymous for probes and the smoke check; the MCP endpoint
// stays key-scoped, since the MCP trigger passes no caller identity to the app (docs/api.md).
resource auth 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(authClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/api/health'
        '/runtime/webhooks/mcp'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
    }
  }
}

// No FTP or SCM basic-auth publishing credentials: deployments authenticate with Entra ID.
// ARM has rejected these policies when they carry no location (bicep-types-az #1317, #1504, #1566;
// bicep #7396), but the Bicep type does not declare the property (BCP187), hence the suppressions.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  #disable-next-line BCP187
  location: location
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  #disable-next-line BCP187
  location: location
  properties: {
    allow: false
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output uri string = 'https://${site.properties.defaultHostName}'
