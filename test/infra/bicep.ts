/**
 * Helpers for the infra tests: find the Bicep CLI, run it, and walk the compiled ARM template.
 *
 * The compiled template nests one `Microsoft.Resources/deployments` resource per Bicep module, each
 * with its own inline template. Inside a module most values are ARM expressions such as
 * "[parameters('name')]", so the helpers only decide what is decidable: literal properties,
 * variables holding literals, and the parameter values a parent passes to a module.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const mainBicep = path.join(repoRoot, 'infra', 'main.bicep');

/** The Bicep CLI from $BICEP_CLI or .tools/bicep/bicep (scripts/install-bicep.sh), if runnable. */
export function findBicepCli(): string | undefined {
  const candidates = [process.env.BICEP_CLI, path.join(repoRoot, '.tools', 'bicep', 'bicep')];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not installed here; try the next one
    }
  }
  return undefined;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runBicep(cli: string, args: string[]): CliResult {
  const result = spawnSync(cli, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ArmResource {
  type: string;
  apiVersion?: string;
  name: string;
  kind?: string;
  scope?: string;
  condition?: string | boolean;
  location?: string;
  tags?: unknown;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  properties?: Record<string, unknown>;
}

export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
}

export interface ArmTemplate {
  languageVersion?: string;
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  /** An array, or an object keyed by symbolic name when languageVersion is 2.0. */
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: unknown }>;
}

/** A resource together with the template that declares it and the module deployment around it. */
export interface LocatedResource {
  resource: ArmResource;
  template: ArmTemplate;
  /** The `Microsoft.Resources/deployments` resource whose inline template declares it (none at the root). */
  module?: LocatedResource;
}

export function resourcesOf(template: ArmTemplate): ArmResource[] {
  return Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
}

/** Every resource in the template and, recursively, in the inline templates of its modules. */
export function allResources(root: ArmTemplate): LocatedResource[] {
  const found: LocatedResource[] = [];
  const visit = (template: ArmTemplate, module: LocatedResource | undefined): void => {
    for (const resource of resourcesOf(template)) {
      const located: LocatedResource = { resource, template, module };
      found.push(located);
      if (resource.type === 'Microsoft.Resources/deployments') {
        const inner = resource.properties?.template as ArmTemplate | undefined;
        if (inner) visit(inner, located);
      }
    }
  };
  visit(root, undefined);
  return found;
}

export function ofType(resources: LocatedResource[], type: string): LocatedResource[] {
  return resources.filter((r) => r.resource.type.toLowerCase() === type.toLowerCase());
}

/** The single resource of a type; fails the test when there is none or more than one. */
export function single(resources: LocatedResource[], type: string): LocatedResource {
  const matches = ofType(resources, type);
  if (matches.length !== 1) {
    throw new Error(`expected exactly one ${type}, found ${matches.length}`);
  }
  return matches[0]!;
}

/** Reads a dotted path (e.g. 'properties.siteConfig.minTlsVersion') from an object. */
export function at(value: unknown, dottedPath: string): unknown {
  let current = value;
  for (const key of dottedPath.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const variableRef = /^\[variables\('([^']+)'\)\]$/;
const parameterRef = /^\[parameters\('([^']+)'\)\]$/;

/**
 * Resolves what can be resolved without deploying: "[variables('x')]" to a literal variable, and
 * "[parameters('x')]" to the literal value the parent passes to the module (recursively).
 * Anything else is returned unchanged.
 */
export function resolve(value: unknown, where: LocatedResource): unknown {
  if (typeof value !== 'string') return value;
  const variable = variableRef.exec(value);
  if (variable) {
    const resolved = where.template.variables?.[variable[1]!];
    return resolved === undefined ? value : resolved;
  }
  const parameter = parameterRef.exec(value);
  if (parameter && where.module) {
    const passed = at(where.module.resource.properties, `parameters.${parameter[1]!}.value`);
    return passed === undefined ? value : resolve(passed, where.module);
  }
  return value;
}

/** The role definition id in "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <id>)]". */
export function roleDefinitionIdOf(assignment: LocatedResource): string | undefined {
  const expression = at(assignment.resource.properties, 'roleDefinitionId');
  if (typeof expression !== 'string') return undefined;
  const match =
    /subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (?:'([^']+)'|variables\('([^']+)'\))\)/.exec(
      expression,
    );
  if (!match) return undefined;
  if (match[1]) return match[1];
  const variable = assignment.template.variables?.[match[2]!];
  return typeof variable === 'string' ? variable : undefined;
}

/** The resource type of an assignment's scope, from "[resourceId('<type>', ...)]". */
export function scopeTypeOf(assignment: LocatedResource): string | undefined {
  const scope = assignment.resource.scope;
  if (typeof scope !== 'string') return undefined;
  return /^\[resourceId\('([^']+)'/.exec(scope)?.[1];
}
