import { constants } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../../src/errorMessage';

export const localSettingsFile = 'local.settings.json';
export const exampleSettingsFile = 'local.settings.example.json';

export type LocalSettings =
  { ok: true; created: boolean; values: Record<string, string> } | { ok: false; problem: string };

// Duck-typed: an error from another realm (a test runner's sandbox) is no `instanceof Error` here.
function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function parseValues(text: string): Record<string, string> | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `it is not valid JSON (${messageOf(error)})`;
  }
  if (json === null || typeof json !== 'object') {
    return 'it is not a JSON object';
  }
  const { IsEncrypted, Values } = json as { IsEncrypted?: unknown; Values?: unknown };
  if (IsEncrypted === true) {
    return 'its values are encrypted (IsEncrypted: true); run `func settings decrypt` first';
  }
  if (Values === null || typeof Values !== 'object' || Array.isArray(Values)) {
    return 'it has no "Values" object';
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(Values)) {
    // Core Tools reads every value as a string; anything else is a typo worth stopping for.
    if (typeof value !== 'string') {
      return `"Values.${name}" is not a string`;
    }
    values[name] = value;
  }
  return values;
}

/**
 * Reads the project's local.settings.json, first copying it from the committed example when it is missing. The
 * copy never overwrites: a file that appears meanwhile is kept.
 */
export async function ensureLocalSettings(projectDir: string): Promise<LocalSettings> {
  const file = join(projectDir, localSettingsFile);
  let created = false;
  try {
    await copyFile(join(projectDir, exampleSettingsFile), file, constants.COPYFILE_EXCL);
    created = true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      try {
        await readFile(file);
      } catch {
        return {
          ok: false,
          problem: `Neither ${localSettingsFile} nor ${exampleSettingsFile} exists in ${projectDir}.`,
        };
      }
    } else if (!isErrno(error, 'EEXIST')) {
      throw error;
    }
  }
  const values = parseValues(await readFile(file, 'utf8'));
  return typeof values === 'string'
    ? {
        ok: false,
        problem: `${localSettingsFile} cannot be used: ${values}. Fix it, or delete it to start again from ${exampleSettingsFile}.`,
      }
    : { ok: true, created, values };
}

/**
 * The settings the host will see: Core Tools copies a local.settings.json value into the environment only when
 * the environment does not already hold a non-empty one (StartHostAction.UpdateEnvironmentVariables).
 */
export function effectiveSettings(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Record<string, string | undefined> {
  const effective: Record<string, string | undefined> = { ...values };
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') {
      effective[name] = value;
    }
  }
  return effective;
}
