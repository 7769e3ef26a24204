import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * The caller as App Service Authentication (Easy Auth) names it. The platform's middleware removes these headers
 * from incoming requests and sets them itself, so they are trustworthy only while authentication is on; with it
 * off, anyone can send them, and this module ignores them. It reads no environment: the caller says whether
 * authentication is on (from WEBSITE_AUTH_ENABLED, see authEnabledFrom), which keeps it testable.
 */

export const principalHeaders = {
  id: 'x-ms-client-principal-id',
  name: 'x-ms-client-principal-name',
  identityProvider: 'x-ms-client-principal-idp',
  principal: 'x-ms-client-principal',
} as const;

/** What the app needs of a request's headers: the Fetch `Headers` and `HttpRequest.headers` both fit. */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface Principal {
  /** The identity provider's id of the caller, as the platform sets it (for Entra ID expected to be the object id). */
  id: string;
  /** The provider that signed the caller in: "aad", "github", ... */
  identityProvider?: string;
  /** The Entra tenant, when the provider is Entra ID: object ids are unique within a tenant. */
  tenantId?: string;
  /** A display name (e-mail address or user principal name); for messages only, never for access decisions. */
  name?: string;
}

export type PrincipalResult =
  /** principal is undefined for an anonymous request (or when authentication is off). */
  | { ok: true; principal: Principal | undefined }
  | { ok: false; status: 401; code: 'invalid_principal'; message: string };

/**
 * The base64 principal carries every claim of the token; Entra ID tokens with many groups run to a few KB. Past
 * this, the header is rejected before it is decoded, so a huge header costs nothing.
 */
export const principalHeaderMaxChars = 32 * 1024;
const claimsMax = 1000;
const idPattern = /^[\x21-\x7E]{1,256}$/;
const providerPattern = /^[A-Za-z0-9_.-]{1,64}$/;
const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001F\u007F-\u009F]/g;
const nameMaxChars = 256;

const tenantClaims = ['http://schemas.microsoft.com/identity/claims/tenantid', 'tid'];

const clientPrincipalSchema = z.object({
  auth_typ: z.string().optional(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })).max(claimsMax),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
});
type ClientPrincipal = z.infer<typeof clientPrincipalSchema>;

/** WEBSITE_AUTH_ENABLED as the platform sets it ("True"); anything else means off. */
export function authEnabledFrom(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function invalid(message: string): PrincipalResult {
  return {
    ok: false,
    status: 401,
    code: 'invalid_principal',
    message: `The sign-in could not be read (${message}). Sign in again; if it persists, the app's authentication settings need checking.`,
  };
}

function decodePrincipal(encoded: string): ClientPrincipal | string {
  const value = encoded.trim();
  if (value.length > principalHeaderMaxChars) {
    return `${principalHeaders.principal} is longer than ${principalHeaderMaxChars} characters`;
  }
  if (value.length % 4 !== 0 || !base64Pattern.test(value)) {
    return `${principalHeaders.principal} is not base64`;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64')));
  } catch {
    return `${principalHeaders.principal} is not base64-encoded UTF-8 JSON`;
  }
  const parsed = clientPrincipalSchema.safeParse(json);
  return parsed.success
    ? parsed.data
    : `${principalHeaders.principal} does not have the App Service shape (auth_typ, claims[{typ, val}])`;
}

function displayName(value: string | undefined): string | undefined {
  const name = value?.replace(controlCharacters, '').trim();
  return name === undefined || name === '' ? undefined : Array.from(name).slice(0, nameMaxChars).join('');
}

/**
 * Reads the caller's principal. With authentication off the headers are ignored (a client could forge them).
 * With it on, the headers come from the platform, so a malformed or inconsistent one is not treated as
 * anonymous, which would let a signed-in caller lose or borrow an identity: it is a 401 the caller can act on
 * (sign in again), never a 400 that blames a body it did not write.
 */
export function principalOf(headers: HeaderReader, authEnabled: boolean): PrincipalResult {
  if (!authEnabled) {
    return { ok: true, principal: undefined };
  }
  const id = headers.get(principalHeaders.id)?.trim();
  const encoded = headers.get(principalHeaders.principal);
  if ((id === undefined || id === '') && encoded === null) {
    return { ok: true, principal: undefined };
  }
  if (id === undefined || id === '') {
    return invalid(`${principalHeaders.principal} came without ${principalHeaders.id}`);
  }
  if (!idPattern.test(id)) {
    return invalid(`${principalHeaders.id} is not a valid identifier`);
  }
  const decoded = encoded === null ? undefined : decodePrincipal(encoded);
  if (typeof decoded === 'string') {
    return invalid(decoded);
  }
  const provider =
    headers.get(principalHeaders.identityProvider)?.trim() || decoded?.auth_typ?.trim() || undefined;
  if (provider !== undefined && !providerPattern.test(provider)) {
    return invalid(`the identity provider name "${provider.slice(0, 64)}" is not valid`);
  }
  const claim = (types: readonly string[]) => decoded?.claims.find((entry) => types.includes(entry.typ))?.val;
  const tenantId = claim(tenantClaims)?.trim();
  const name = displayName(
    headers.get(principalHeaders.name) ??
      (decoded?.name_typ === undefined ? undefined : claim([decoded.name_typ])),
  );
  return {
    ok: true,
    principal: {
      id,
      ...(provider === undefined ? {} : { identityProvider: provider.toLowerCase() }),
      ...(tenantId === undefined || tenantId === '' ? {} : { tenantId }),
      ...(name === undefined ? {} : { name }),
    },
  };
}

/**
 * The owner a run or thread records: a hash of who signed the caller in and their id, so stored state and
 * dashboards carry no personal identifier and ids from two providers (or two Entra tenants) never collide.
 */
export function ownerKeyOf(principal: Principal): string {
  const parts = [principal.identityProvider ?? '', principal.tenantId ?? '', principal.id];
  return `o-${createHash('sha256').update(parts.join('\n'), 'utf8').digest('hex').slice(0, 40)}`;
}
