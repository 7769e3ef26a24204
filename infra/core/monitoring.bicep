// Log Analytics workspace and workspace-based Application Insights. Local (key) authentication is
// disabled: telemetry is ingested with the app's managed identity (Monitoring Metrics Publisher).
// A shared workbook on the component charts the app's OpenTelemetry metrics and spans per agent.

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
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

// The queries name the metrics and spans src/telemetry/conventions.ts defines; docs/observability.md
// describes each chart.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(applicationInsights.id, 'multi-agent-panel-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Multi-agent panel: agents, tokens, latency and runs'
    category: 'workbook'
    version: 'Notebook/1.0'
    sourceId: applicationInsights.id
    serializedData: loadTextContent('workbook.json')
  }
}

output applicationInsightsName string = applicationInsights.name
output logAnalyticsName string = logAnalytics.name
