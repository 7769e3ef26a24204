import { ConfigurationError, type AppSettings } from '../config/settings';
import { ok, type Result } from '../result';
import { refuse, type Refusal } from './refusal';

/**
 * The settings, or the refusal that names every setting to fix (logged for the operator too): HTTP routes and
 * MCP tools answer a configuration error the same way. Anything else thrown is a bug and stays thrown.
 */
export function configuredSettings(
  settings: () => AppSettings,
  log: { error: (...args: unknown[]) => void },
): Result<{ settings: AppSettings }, Refusal> {
  try {
    return ok({ settings: settings() });
  } catch (error) {
    if (error instanceof ConfigurationError) {
      log.error(error.message);
      return refuse(500, 'configuration_error', error.message);
    }
    throw error;
  }
}
