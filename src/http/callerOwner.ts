import type { HttpRequest } from '@azure/functions';
import { ownerKeyOf, principalOf } from '../auth/principal';
import { ConfigurationError } from '../config/settings';
import { refuse, type Refusal } from '../conversations/refusal';
import { ok, type Result } from '../result';

/**
 * The owner key of the caller when owners are on (OWNER_AUTH=easyauth with App Service Authentication), and
 * undefined when they are off: then the principal headers are not read at all, since anyone could send them.
 * With owners on, an anonymous caller is a 401.
 */
export function callerOwner(
  request: Pick<HttpRequest, 'headers'>,
  owners: () => boolean,
  log: { error: (...args: unknown[]) => void },
): Result<{ owner: string | undefined }, Refusal> {
  let on: boolean;
  try {
    on = owners();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      log.error(error.message);
      return refuse(500, 'configuration_error', error.message);
    }
    throw error;
  }
  if (!on) {
    return ok({ owner: undefined });
  }
  const read = principalOf(request.headers, true);
  if (!read.ok) {
    return refuse(read.status, read.code, read.message);
  }
  if (read.principal === undefined) {
    return refuse(
      401,
      'authentication_required',
      'Sign in first: runs and threads belong to the signed-in caller (send an Entra ID access token for the app as Authorization: Bearer <token>).',
    );
  }
  return ok({ owner: ownerKeyOf(read.principal) });
}
