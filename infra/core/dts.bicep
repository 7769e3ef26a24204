// Durable Task Scheduler (the Durable Functions backend) and its task hub.

@description('Name of the scheduler.')
param name string

@description('Name of the task hub inside the scheduler.')
param taskHubName string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object

@description('IP ranges allowed to reach the scheduler. An empty list denies all traffic.')
param ipAllowlist string[]

@description('Days a finished run (completed, terminated) is kept before the scheduler purges it.')
@minValue(1)
@maxValue(90)
param runRetentionDays int = 30

@description('Days a failed run is kept, longer so its history can be investigated.')
@minValue(1)
@maxValue(90)
param failedRunRetentionDays int = 90

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'Consumption'
    }
    ipAllowlist: ipAllowlist
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

// Finished runs are purged on this schedule; thread entities are not runs and stay until deleted.
resource retention 'Microsoft.DurableTask/schedulers/retentionPolicies@2025-11-01' = {
  parent: scheduler
  name: 'default'
  properties: {
    retentionPolicies: [
      { retentionPeriodInDays: runRetentionDays }
      { orchestrationState: 'Failed', retentionPeriodInDays: failedRunRetentionDays }
    ]
  }
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
