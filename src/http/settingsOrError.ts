import type { HttpResponseInit } from '@azure/functions';
import { ConfigurationError, type AppSettings } from '../config/settings';
import { errorResponse } from './errorResponse';

/** The settings, or the 500 that names every setting to fix (logged for the operator too). */
export function settingsOrError(
  settings: () => AppSettings,
  context: { error: (...args: unknown[]) => void },
): { ok: true; settings: AppSettings } | { ok: false; response: HttpResponseInit } {
  try {
    return { ok: true, settings: settings() };
  } catch (error) {
    if (error instanceof ConfigurationError) {
      context.error(error.message);
      return { ok: false, response: errorResponse(500, 'configuration_error', error.message) };
    }
    throw error;
  }
}
