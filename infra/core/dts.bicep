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

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
