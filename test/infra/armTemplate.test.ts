/**
 * Compiles infra/main.bicep with the real Bicep CLI and checks the ARM template it produces:
 * security settings, Flex Consumption shape, role assignments, and that the function app's
 * settings are exactly those src/config/settings.json says are deployed.
 *
 * Without the Bicep CLI (scripts/install-bicep.sh) these tests are skipped, never passed.
 */
import { streamContainer } from '../../src/streams/streamKey';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import settings from '../../src/config/settings.json';
import { attr, metricNames, spanNames } from '../../src/telemetry/conventions';
import {
  type ArmTemplate,
  type LocatedResource,
  allResources,
  at,
  findBicepCli,
  mainBicep,
  ofType,
  repoRoot,
  resolve,
  roleDefinitionIdOf,
  runBicep,
  scopeTypeOf,
  single,
} from './bicep';

const bicepCli = findBicepCli();
if (!bicepCli) {
  process.stdout.write(
    'Bicep CLI is not installed: infra tests SKIPPED (run scripts/install-bicep.sh or set BICEP_CLI).\n',
  );
}
const describeWithBicep = bicepCli ? describe : describe.skip;

const roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  durableTaskDataContributor: '0ad04412-c4d5-4796-b79c-f76d14c8d402',
  cognitiveServicesOpenAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd',
} as const;

interface SettingSpec {
  deployed?: boolean;
  default?: string;
}
const appSpecs: Record<string, SettingSpec> = settings.app;
const expectedSettingNames = [
  ...Object.keys(settings.host),
  ...Object.entries(appSpecs)
    .filter(([, spec]) => spec.deployed === true)
    .map(([name]) => name),
].sort();

interface ParametersFile {
  parameters: Record<string, { value: unknown }>;
}
const parametersFile = (): ParametersFile =>
  JSON.parse(readFileSync(path.join(repoRoot, 'infra', 'main.parameters.json'), 'utf8')) as ParametersFile;

/** "${NAME}" or "${NAME=default}", the azd environment-variable forms used in main.parameters.json. */
const azdVariable = (value: unknown): { name: string; default?: string } | undefined => {
  const match = /^\$\{([A-Z0-9_]+)(?:=([^}]*))?\}$/.exec(String(value));
  return match ? { name: match[1]!, default: match[2] } : undefined;
};

// Chat model parameters of infra/main.bicep and the azd environment variables that set them.
const modelVariables = {
  chatModelName: 'AZURE_OPENAI_MODEL',
  chatModelVersion: 'AZURE_OPENAI_MODEL_VERSION',
  chatSkuName: 'AZURE_OPENAI_MODEL_SKU',
  chatCapacity: 'AZURE_OPENAI_MODEL_CAPACITY',
} as const;

// Models a new subscription cannot deploy any more: deprecated or legacy in the Azure OpenAI model
// retirement schedule (September 2026), or closed to new customers. No version means every version.
const unavailableModels: { name: string; version?: string }[] = [
  { name: 'gpt-4o-mini' },
  { name: 'gpt-4o', version: '2024-05-13' },
  { name: 'gpt-4o', version: '2024-08-06' },
  { name: 'gpt-4o', version: '2024-11-20' },
  { name: 'gpt-4.1' },
  { name: 'gpt-4.1-mini' },
  { name: 'gpt-4.1-nano' },
  { name: 'o1' },
  { name: 'o3-mini' },
  { name: 'o4-mini' },
  { name: 'codex-mini' },
];

const bicepFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.bicep'))
    .map((entry) => path.join(entry.parentPath, entry.name));

describeWithBicep('infra/main.bicep compiled with the Bicep CLI', () => {
  const cli = bicepCli!;
  let outDir: string;
  let buildStatus: number | null;
  let buildStderr: string;
  let templateText: string;
  let template: ArmTemplate;
  let resources: LocatedResource[];

  beforeAll(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'bicep-build-'));
    const outFile = path.join(outDir, 'main.json');
    const build = runBicep(cli, ['build', mainBicep, '--outfile', outFile]);
    buildStatus = build.status;
    buildStderr = build.stderr;
    if (build.status !== 0) {
      // Every test below then fails on undefined, after the build test shows the compiler output.
      process.stderr.write(`bicep build failed:\n${build.stderr}\n`);
      return;
    }
    templateText = readFileSync(outFile, 'utf8');
    template = JSON.parse(templateText) as ArmTemplate;
    resources = allResources(template);
  }, 120_000);

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  const site = (): LocatedResource => single(resources, 'Microsoft.Web/sites');
  const appSettings = (): LocatedResource => {
    const configs = ofType(resources, 'Microsoft.Web/sites/config').filter((c) =>
      c.resource.name.includes("'appsettings'"),
    );
    expect(configs).toHaveLength(1);
    return configs[0]!;
  };
  const appSettingValue = (name: string): unknown => {
    const config = appSettings();
    return resolve(config.resource.properties?.[name], config);
  };

  describe('compiler', () => {
    it('bicep build is clean (no errors, no warnings)', () => {
      expect(buildStderr.trim()).toBe('');
      expect(buildStatus).toBe(0);
    });

    it('bicep lint is clean with the rules of infra/bicepconfig.json', () => {
      const lint = runBicep(cli, ['lint', mainBicep]);
      expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('');
      expect(lint.status).toBe(0);
    });

    it('uses local modules only (compiles offline, nothing from a registry)', () => {
      for (const file of bicepFiles(path.join(repoRoot, 'infra'))) {
        expect({ file, registry: /['"](br|ts)[:/]/.test(readFileSync(file, 'utf8')) }).toEqual({
          file,
          registry: false,
        });
      }
      for (const module of ofType(resources, 'Microsoft.Resources/deployments')) {
        expect(module.resource.properties?.templateLink).toBeUndefined();
        expect(module.resource.properties?.template).toBeDefined();
      }
    });
  });

  describe('subscription-level entry point', () => {
    it('targets the subscription and creates the resource group tagged for azd', () => {
      expect((template as unknown as { $schema: string }).$schema).toMatch(/subscriptionDeploymentTemplate/);
      const rg = single(resources, 'Microsoft.Resources/resourceGroups');
      expect(rg.module).toBeUndefined();
      expect(resolve(rg.resource.tags, rg)).toEqual({ 'azd-env-name': "[parameters('environmentName')]" });
    });

    it('names resources with a token from uniqueString(subscription, environment, location)', () => {
      expect(template.variables?.resourceToken).toBe(
        "[toLower(uniqueString(subscription().id, parameters('environmentName'), parameters('location')))]",
      );
    });

    it('wires main.parameters.json to azd environment variables', () => {
      const file = parametersFile();
      expect(file.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
      expect(file.parameters.location?.value).toBe('${AZURE_LOCATION}');
      expect(file.parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
      expect(file.parameters.principalType?.value).toMatch(/^\$\{AZURE_PRINCIPAL_TYPE(=User)?\}$/);
      for (const name of Object.keys(file.parameters)) {
        expect(template.parameters).toHaveProperty(name);
      }
    });

    it('lets a CI service principal deploy (principalType parameter)', () => {
      expect(template.parameters?.principalType?.allowedValues?.slice().sort()).toEqual([
        'Group',
        'ServicePrincipal',
        'User',
      ]);
      expect(template.parameters?.principalId?.defaultValue).toBe('');
    });

    it('outputs what azd and the README need', () => {
      expect(Object.keys(template.outputs ?? {})).toEqual(
        expect.arrayContaining([
          'AZURE_LOCATION',
          'AZURE_TENANT_ID',
          'AZURE_RESOURCE_GROUP',
          'RESOURCE_GROUP',
          'AZURE_FUNCTION_APP_NAME',
          'SERVICE_API_NAME',
          'SERVICE_API_URI',
          'AZURE_OPENAI_ENDPOINT',
          'AZURE_OPENAI_CHAT_DEPLOYMENT_NAME',
          'DURABLE_TASK_SCHEDULER_ENDPOINT',
          'DURABLE_TASK_SCHEDULER_DASHBOARD_URL',
          'TASKHUB_NAME',
        ]),
      );
      expect(String(template.outputs?.DURABLE_TASK_SCHEDULER_DASHBOARD_URL?.value)).toContain(
        'https://dashboard.durabletask.io/?endpoint=',
      );
    });
  });

  describe('locations', () => {
    // Flex Consumption ∩ Durable Task Scheduler ∩ GlobalStandard gpt-5.4-mini; sources in infra/main.bicep.
    const documentedRegions = [
      'australiaeast',
      'centralus',
      'eastus2',
      'northcentralus',
      'southeastasia',
      'swedencentral',
      'uksouth',
    ];
    const deployDoc = readFileSync(path.join(repoRoot, 'docs/deploy.md'), 'utf8');
    // Role assignments are extension resources and module deployments target a resource group:
    // neither takes a location. Every other top-level type here is a tracked resource.
    const takesNoLocation = ['Microsoft.Authorization/roleAssignments', 'Microsoft.Resources/deployments'];
    const trackedTypes = [
      'Microsoft.Resources/resourceGroups',
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.Storage/storageAccounts',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Insights/components',
      'Microsoft.Insights/workbooks',
      'Microsoft.DurableTask/schedulers',
      'Microsoft.CognitiveServices/accounts',
      'Microsoft.Web/serverfarms',
      'Microsoft.Web/sites',
    ];

    it('are set on every top-level resource that ARM requires one for', () => {
      const topLevel = resources.filter(
        (r) => r.resource.type.split('/').length === 2 && !takesNoLocation.includes(r.resource.type),
      );
      expect([...new Set(topLevel.map((r) => r.resource.type))].sort()).toEqual([...trackedTypes].sort());
      for (const { resource } of topLevel) {
        expect({ type: resource.type, location: resource.location }).toEqual({
          type: resource.type,
          location: expect.stringMatching(/^\[.*parameters\('location'\).*\]$/),
        });
      }
    });

    it('are limited to the regions docs/deploy.md documents, where Flex Consumption, DTS and the default model meet', () => {
      const allowed = template.parameters?.location?.allowedValues ?? [];
      expect(allowed.length).toBeGreaterThan(0);
      expect([...allowed].sort()).toEqual([...documentedRegions].sort());
      const deploySection = deployDoc;
      for (const region of documentedRegions) {
        expect({ region, inReadme: deploySection.includes(`\`${region}\``) }).toEqual({
          region,
          inReadme: true,
        });
      }
    });

    it('are set on the FTP and SCM publishing-credential policies (ARM rejects them without one)', () => {
      const policies = ofType(resources, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect({ name: policy.resource.name, location: policy.resource.location }).toEqual({
          name: policy.resource.name,
          location: site().resource.location,
        });
      }
      expect(site().resource.location).toBe("[parameters('location')]");
    });
  });

  describe('no secrets', () => {
    it('never reads keys (no listKeys / listSecrets / listConnectionStrings)', () => {
      expect(templateText).not.toMatch(/list(Keys|Secrets|ConnectionStrings|AccountSas|ServiceSas)\s*\(/i);
    });

    it('has no secure parameters to fill and no secret-looking outputs', () => {
      for (const [name, parameter] of Object.entries(template.parameters ?? {})) {
        expect({ name, type: parameter.type }).not.toEqual({ name, type: 'securestring' });
      }
      for (const name of Object.keys(template.outputs ?? {})) {
        expect(name).not.toMatch(/KEY|SECRET|PASSWORD|CONNECTION_STRING/i);
      }
    });
  });

  describe('storage account', () => {
    it('allows no shared keys, no public blobs, TLS 1.2+, HTTPS only', () => {
      const storage = single(resources, 'Microsoft.Storage/storageAccounts');
      expect(at(storage.resource.properties, 'allowSharedKeyAccess')).toBe(false);
      expect(at(storage.resource.properties, 'allowBlobPublicAccess')).toBe(false);
      expect(at(storage.resource.properties, 'minimumTlsVersion')).toBe('TLS1_2');
      expect(at(storage.resource.properties, 'supportsHttpsTrafficOnly')).toBe(true);
    });

    it("has private blob containers only: the Flex deployment package and the agents' streams", () => {
      const containers = ofType(resources, 'Microsoft.Storage/storageAccounts/blobServices/containers');
      expect(containers).toHaveLength(2);
      for (const container of containers) {
        expect(at(container.resource.properties, 'publicAccess')).toBe('None');
      }
    });

    it("expires the agents' stream blobs with a lifecycle rule, after the run-retention period", () => {
      const policy = single(resources, 'Microsoft.Storage/storageAccounts/managementPolicies');
      const rules = at(policy.resource.properties, 'policy.rules') as unknown[];
      expect(rules).toHaveLength(1);
      const rule = rules[0];
      expect(at(rule, 'enabled')).toBe(true);
      expect(at(rule, 'definition.filters.blobTypes')).toEqual(['appendBlob']);
      const prefixes = at(rule, 'definition.filters.prefixMatch') as unknown[];
      expect(prefixes.map((p) => resolve(p, policy))).toHaveLength(1);
      expect(JSON.stringify(prefixes)).toContain('streamContainerName');
      const days = resolve(
        at(rule, 'definition.actions.baseBlob.delete.daysAfterModificationGreaterThan'),
        policy,
      );
      expect(JSON.stringify(days)).toContain('streamRetentionDays');
      const dts = single(resources, 'Microsoft.DurableTask/schedulers');
      // The same default as the scheduler's retention of finished runs.
      expect(dts.template.parameters?.runRetentionDays?.defaultValue).toBe(
        policy.template.parameters?.streamRetentionDays?.defaultValue,
      );
      // The container the app writes to (src/streams/streamKey.ts).
      expect(policy.template.parameters?.streamContainerName?.defaultValue).toBe(streamContainer);
    });
  });

  describe('monitoring', () => {
    it('Application Insights is workspace-based with local (key) auth disabled', () => {
      const appInsights = single(resources, 'Microsoft.Insights/components');
      expect(at(appInsights.resource.properties, 'DisableLocalAuth')).toBe(true);
      expect(at(appInsights.resource.properties, 'WorkspaceResourceId')).toMatch(
        /Microsoft\.OperationalInsights\/workspaces/,
      );
      single(resources, 'Microsoft.OperationalInsights/workspaces');
    });
  });

  describe('workbook', () => {
    interface WorkbookItem {
      type: number;
      name: string;
      content: { query?: string; queryType?: number; resourceType?: string; json?: string };
    }
    const workbook = (): LocatedResource => single(resources, 'Microsoft.Insights/workbooks');
    const content = (): { version: string; items: WorkbookItem[] } =>
      JSON.parse(String(resolve(at(workbook().resource.properties, 'serializedData'), workbook()))) as {
        version: string;
        items: WorkbookItem[];
      };
    const queries = (): string[] =>
      content()
        .items.filter((item) => item.type === 3)
        .map((item) => item.content.query ?? '');

    it('is a shared workbook deployed with the app, linked to its Application Insights component', () => {
      const { resource } = workbook();
      const appInsights = single(resources, 'Microsoft.Insights/components');
      expect(workbook().template).toBe(appInsights.template);
      expect(resource.kind).toBe('shared');
      expect(at(resource.properties, 'category')).toBe('workbook');
      expect(at(resource.properties, 'sourceId')).toBe(
        "[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]",
      );
      // A workbook's name is a GUID; this one is stable for the component, so redeploying updates it.
      expect(resource.name).toMatch(/^\[guid\(resourceId\('Microsoft\.Insights\/components', /);
    });

    it('holds valid Notebook/1.0 JSON whose queries run as logs queries on the component', () => {
      expect(content().version).toBe('Notebook/1.0');
      const queryItems = content().items.filter((item) => item.type === 3);
      expect(queryItems.length).toBeGreaterThanOrEqual(10);
      for (const item of queryItems) {
        expect({
          name: item.name,
          queryType: item.content.queryType,
          resourceType: item.content.resourceType,
        }).toEqual({
          name: item.name,
          queryType: 0,
          resourceType: 'microsoft.insights/components',
        });
      }
    });

    it('charts every metric the app emits, and names no metric it does not', () => {
      const text = queries().join('\n');
      const named = [...text.matchAll(/customMetrics\s*\|\s*where name == "([^"]+)"/g)].map(
        (match) => match[1],
      );
      expect([...new Set(named)].sort()).toEqual(Object.values(metricNames).sort());
    });

    it('reads only attributes the app records, and the panel.run and chat spans', () => {
      const text = queries().join('\n');
      const recorded: string[] = Object.values(attr);
      const read = [...text.matchAll(/customDimensions\["([^"]+)"\]/g)].map((match) => match[1]!);
      expect(read.filter((name) => !recorded.includes(name))).toEqual([]);
      expect(read).toEqual(expect.arrayContaining([attr.agentName, attr.errorType, attr.instanceId]));
      expect(text).toContain(`name == "${spanNames.panelRun}"`);
      expect(text).toContain(`name startswith "${spanNames.chat('')}"`);
    });
  });

  describe('Durable Task Scheduler', () => {
    it('has a Consumption scheduler open to all IPs (the app has no VNet) and a task hub', () => {
      const scheduler = single(resources, 'Microsoft.DurableTask/schedulers');
      expect(at(scheduler.resource.properties, 'sku.name')).toBe('Consumption');
      expect(resolve(at(scheduler.resource.properties, 'ipAllowlist'), scheduler)).toEqual(['0.0.0.0/0']);
      const taskHub = single(resources, 'Microsoft.DurableTask/schedulers/taskHubs');
      expect(taskHub.template).toBe(scheduler.template);
    });

    it('purges finished runs on a retention policy, keeping failed runs longer', () => {
      const retention = single(resources, 'Microsoft.DurableTask/schedulers/retentionPolicies');
      expect(retention.resource.name).toMatch(/'default'/);
      const policies = at(retention.resource.properties, 'retentionPolicies') as Record<string, unknown>[];
      // The module's defaults apply: main.bicep passes no retention, so a deployment gets exactly these.
      const defaultOf = (value: unknown) => {
        const name = /^\[parameters\('([^']+)'\)\]$/.exec(String(value))?.[1];
        return name === undefined ? value : at(retention.template, `parameters.${name}.defaultValue`);
      };
      expect(
        policies.map((policy) =>
          Object.fromEntries(
            Object.entries(policy).map(([key, value]) => [key, defaultOf(resolve(value, retention))]),
          ),
        ),
      ).toEqual([{ retentionPeriodInDays: 30 }, { orchestrationState: 'Failed', retentionPeriodInDays: 90 }]);
    });
  });

  describe('Azure OpenAI', () => {
    it('is an OpenAI account with a custom subdomain and local (key) auth disabled', () => {
      const account = single(resources, 'Microsoft.CognitiveServices/accounts');
      expect(account.resource.kind).toBe('OpenAI');
      expect(at(account.resource.properties, 'disableLocalAuth')).toBe(true);
      const subdomain = at(account.resource.properties, 'customSubDomainName');
      expect(typeof subdomain === 'string' && subdomain.length > 0).toBe(true);
    });

    it('deploys the model that the chat model parameters name (name, version, SKU, capacity)', () => {
      const deployment = single(resources, 'Microsoft.CognitiveServices/accounts/deployments');
      const value = (dottedPath: string): unknown => resolve(at(deployment.resource, dottedPath), deployment);
      expect(at(deployment.resource.properties, 'model.format')).toBe('OpenAI');
      expect({
        chatModelName: value('properties.model.name'),
        chatModelVersion: value('properties.model.version'),
        chatSkuName: value('sku.name'),
        chatCapacity: value('sku.capacity'),
      }).toEqual({
        chatModelName: "[parameters('chatModelName')]",
        chatModelVersion: "[parameters('chatModelVersion')]",
        chatSkuName: "[parameters('chatSkuName')]",
        chatCapacity: "[parameters('chatCapacity')]",
      });
    });

    it('takes the chat model parameters from azd variables whose defaults equal the template defaults', () => {
      const file = parametersFile();
      for (const [parameter, variable] of Object.entries(modelVariables)) {
        expect({ parameter, azd: azdVariable(file.parameters[parameter]?.value) }).toEqual({
          parameter,
          azd: { name: variable, default: String(template.parameters?.[parameter]?.defaultValue) },
        });
      }
    });

    it('defaults to gpt-5.4-mini 2026-03-17 on GlobalStandard with 30K tokens per minute', () => {
      expect(Object.keys(modelVariables).map((name) => template.parameters?.[name]?.defaultValue)).toEqual([
        'gpt-5.4-mini',
        '2026-03-17',
        'GlobalStandard',
        30,
      ]);
    });

    it('defaults to a model that is not deprecated or closed to new deployments', () => {
      const name = template.parameters?.chatModelName?.defaultValue;
      const version = template.parameters?.chatModelVersion?.defaultValue;
      const matches = unavailableModels.filter(
        (model) => model.name === name && (model.version === undefined || model.version === version),
      );
      expect({ name, version, unavailable: matches }).toEqual({ name, version, unavailable: [] });
    });
  });

  describe('Flex Consumption function app', () => {
    it('runs on an FC1 FlexConsumption Linux plan', () => {
      const plan = single(resources, 'Microsoft.Web/serverfarms');
      expect(plan.resource.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
      expect(at(plan.resource.properties, 'reserved')).toBe(true);
    });

    it('is a Linux function app on Node 22 with identity-based deployment storage', () => {
      const app = site();
      expect(app.resource.kind).toBe('functionapp,linux');
      expect(at(app.resource.properties, 'functionAppConfig.runtime')).toEqual({
        name: 'node',
        version: '22',
      });
      expect(at(app.resource.properties, 'functionAppConfig.deployment.storage.type')).toBe('blobContainer');
      expect(at(app.resource.properties, 'functionAppConfig.deployment.storage.authentication.type')).toBe(
        'UserAssignedIdentity',
      );
      expect(
        at(app.resource.properties, 'functionAppConfig.scaleAndConcurrency.instanceMemoryMB'),
      ).toBeDefined();
      expect(
        at(app.resource.properties, 'functionAppConfig.scaleAndConcurrency.maximumInstanceCount'),
      ).toBeDefined();
    });

    it('uses only its user-assigned identity', () => {
      expect(at(site().resource.identity, 'type')).toBe('UserAssigned');
      const userAssigned = at(site().resource.identity, 'userAssignedIdentities');
      expect(Object.keys(userAssigned as object)).toHaveLength(1);
    });

    it('is HTTPS only, TLS 1.2, no FTP, no basic-auth publishing', () => {
      const app = site();
      expect(at(app.resource.properties, 'httpsOnly')).toBe(true);
      expect(at(app.resource.properties, 'siteConfig.minTlsVersion')).toBe('1.2');
      expect(at(app.resource.properties, 'siteConfig.ftpsState')).toBe('Disabled');
      const policies = ofType(resources, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
      const byName = Object.fromEntries(
        policies.map((p) => [
          /'(ftp|scm)'\)\]$/.exec(p.resource.name)?.[1],
          at(p.resource.properties, 'allow'),
        ]),
      );
      expect(byName).toEqual({ ftp: false, scm: false });
    });

    it('is tagged azd-service-name: api', () => {
      expect(site().resource.tags).toMatch(/createObject\('azd-service-name', 'api'\)/);
    });
  });

  describe('app settings', () => {
    it('are exactly the host entries plus the deployed app entries of src/config/settings.json', () => {
      expect(Object.keys(appSettings().resource.properties ?? {}).sort()).toEqual(expectedSettingNames);
    });

    it('carry the defaults of src/config/settings.json', () => {
      for (const [name, spec] of Object.entries(appSpecs)) {
        if (spec.deployed !== true || spec.default === undefined) continue;
        expect({ name, value: appSettingValue(name) }).toEqual({ name, value: spec.default });
      }
    });

    it('contain no keys and nothing Flex Consumption rejects', () => {
      for (const name of Object.keys(appSettings().resource.properties ?? {})) {
        expect(name).not.toMatch(
          /KEY|SECRET|PASSWORD|SAS|TOKEN$|^FUNCTIONS_(WORKER_RUNTIME|EXTENSION_VERSION)$/i,
        );
        expect(JSON.stringify(appSettingValue(name))).not.toMatch(
          /AccountKey|SharedAccessSignature|InstrumentationKey=|api-?key/i,
        );
      }
    });

    it('authenticate the host, telemetry, DTS and the SDKs with the managed identity', () => {
      expect(appSettingValue('AzureWebJobsStorage__credential')).toBe('managedidentity');
      for (const service of ['blob', 'queue', 'table']) {
        expect(appSettingValue(`AzureWebJobsStorage__${service}ServiceUri`)).toContain(
          `.primaryEndpoints.${service}]`,
        );
      }
      const clientId = "[reference('identity').outputs.clientId.value]";
      expect(appSettingValue('AzureWebJobsStorage__clientId')).toBe(clientId);
      expect(appSettingValue('AZURE_CLIENT_ID')).toBe(clientId);
      expect(appSettingValue('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
        "[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]",
      );
      expect(appSettingValue('DURABLE_TASK_SCHEDULER_CONNECTION_STRING')).toMatch(
        /^\[format\('Endpoint=\{0\};Authentication=ManagedIdentity;ClientID=\{1\}', reference\(resourceId\('Microsoft\.DurableTask\/schedulers', .*\)\.endpoint, parameters\('identityClientId'\)\)\]$/,
      );
      expect(appSettingValue('AZURE_OPENAI_ENDPOINT')).toMatch(
        /^\[reference\(resourceId\('Microsoft\.CognitiveServices\/accounts', .*\)\.endpoint\]$/,
      );
    });
  });

  describe('role assignments', () => {
    const assignments = (): LocatedResource[] => ofType(resources, 'Microsoft.Authorization/roleAssignments');
    const forIdentity = (): LocatedResource[] =>
      assignments().filter((a) => at(a.resource.properties, 'principalType') === 'ServicePrincipal');
    const forDeployer = (): LocatedResource[] =>
      assignments().filter((a) => at(a.resource.properties, 'principalType') !== 'ServicePrincipal');
    const summary = (list: LocatedResource[]): string[] =>
      list.map((a) => `${roleDefinitionIdOf(a) ?? '?'} on ${scopeTypeOf(a) ?? '?'}`).sort();

    it('give the managed identity exactly its data-plane roles, each on the right resource', () => {
      expect(summary(forIdentity())).toEqual(
        [
          `${roles.storageBlobDataOwner} on Microsoft.Storage/storageAccounts`,
          `${roles.storageQueueDataContributor} on Microsoft.Storage/storageAccounts`,
          `${roles.storageTableDataContributor} on Microsoft.Storage/storageAccounts`,
          `${roles.monitoringMetricsPublisher} on Microsoft.Insights/components`,
          `${roles.durableTaskDataContributor} on Microsoft.DurableTask/schedulers`,
          `${roles.cognitiveServicesOpenAiUser} on Microsoft.CognitiveServices/accounts`,
        ].sort(),
      );
      for (const assignment of forIdentity()) {
        expect(assignment.resource.condition).toBeUndefined();
        expect(resolve(at(assignment.resource.properties, 'principalId'), assignment)).toBe(
          "[reference('identity').outputs.principalId.value]",
        );
      }
    });

    it('optionally give the deploying principal the DTS dashboard and Azure OpenAI roles', () => {
      expect(summary(forDeployer())).toEqual(
        [
          `${roles.durableTaskDataContributor} on Microsoft.DurableTask/schedulers`,
          `${roles.cognitiveServicesOpenAiUser} on Microsoft.CognitiveServices/accounts`,
        ].sort(),
      );
      for (const assignment of forDeployer()) {
        expect(assignment.resource.condition).toBe("[not(empty(parameters('principalId')))]");
        expect(resolve(at(assignment.resource.properties, 'principalType'), assignment)).toBe(
          "[parameters('principalType')]",
        );
      }
    });

    it('are named guid(scope, principal, role)', () => {
      for (const assignment of assignments()) {
        const scope = assignment.resource.scope!.replace(/^\[|\]$/g, '');
        expect(assignment.resource.name).toMatch(/^\[guid\(/);
        expect(assignment.resource.name.startsWith(`[guid(${scope}, parameters('`)).toBe(true);
      }
    });
  });

  describe('App Service Authentication (authClientId)', () => {
    const auth = (): LocatedResource => {
      const configs = ofType(resources, 'Microsoft.Web/sites/config').filter((c) =>
        c.resource.name.includes("'authsettingsV2'"),
      );
      expect(configs).toHaveLength(1);
      return configs[0]!;
    };
    const property = (dottedPath: string): unknown => at(auth().resource.properties, dottedPath);

    it('is a parameter of main.bicep, off by default, set from the azd variable AZURE_AUTH_CLIENT_ID', () => {
      expect(template.parameters?.authClientId?.defaultValue).toBe('');
      expect(azdVariable(parametersFile().parameters.authClientId?.value)).toEqual({
        name: 'AZURE_AUTH_CLIENT_ID',
        default: '',
      });
    });

    it('deploys authsettingsV2 only when a client id is given', () => {
      expect(auth().resource.condition).toBe("[not(empty(parameters('authClientId')))]");
    });

    it('requires a signed-in caller everywhere but the health probe and the key-scoped MCP endpoint, answering 401', () => {
      expect(property('platform.enabled')).toBe(true);
      expect(property('globalValidation.requireAuthentication')).toBe(true);
      expect(property('globalValidation.unauthenticatedClientAction')).toBe('Return401');
      expect(property('globalValidation.excludedPaths')).toEqual(['/api/health', '/runtime/webhooks/mcp']);
      expect(property('httpSettings.requireHttps')).toBe(true);
      expect(property('login.tokenStore.enabled')).toBe(false);
    });

    it("signs callers in with Entra ID: the app registration's client id, its api:// audience, this tenant's v2.0 issuer", () => {
      expect(property('identityProviders.azureActiveDirectory.enabled')).toBe(true);
      expect(resolve(property('identityProviders.azureActiveDirectory.registration.clientId'), auth())).toBe(
        "[parameters('authClientId')]",
      );
      expect(property('identityProviders.azureActiveDirectory.validation.allowedAudiences')).toEqual([
        "[format('api://{0}', parameters('authClientId'))]",
      ]);
      expect(property('identityProviders.azureActiveDirectory.registration.openIdIssuer')).toBe(
        "[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, tenant().tenantId)]",
      );
    });

    it('turns owners on (OWNER_AUTH=easyauth) exactly when authentication is deployed', () => {
      expect(appSettingValue('OWNER_AUTH')).toBe(
        "[if(empty(parameters('authClientId')), 'off', 'easyauth')]",
      );
      expect(at(appSettings().module?.resource.properties, 'parameters.authClientId.value')).toBe(
        "[parameters('authClientId')]",
      );
    });
  });
});
