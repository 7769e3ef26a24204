import {
  authEnabledFrom,
  ownerKeyOf,
  principalHeaderMaxChars,
  principalOf,
  type PrincipalResult,
} from '../../../src/auth/principal';

const oid = '3f1c2a9e-7b5d-4c8e-9a61-2d4f0b7e1c55';
const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** The decoded shape App Service documents for x-ms-client-principal. */
function clientPrincipal(overrides: Record<string, unknown> = {}): string {
  const body = {
    auth_typ: 'aad',
    claims: [
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: oid },
      { typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: tenant },
      { typ: 'name', val: 'Ada Lovelace' },
      { typ: 'preferred_username', val: 'ada@contoso.example' },
    ],
    name_typ: 'preferred_username',
    role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    ...overrides,
  };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
}

const easyAuthHeaders = (extra: Record<string, string> = {}) =>
  new Headers({
    'x-ms-client-principal-id': oid,
    'x-ms-client-principal-idp': 'aad',
    'x-ms-client-principal': clientPrincipal(),
    ...extra,
  });

const rejected = (result: PrincipalResult) => {
  expect(result).toMatchObject({ ok: false, status: 401, code: 'invalid_principal' });
  return result.ok ? '' : result.message;
};

describe('authEnabledFrom', () => {
  it('is on only for the value the platform sets', () => {
    expect(authEnabledFrom('True')).toBe(true);
    expect(authEnabledFrom(' true ')).toBe(true);
    expect(authEnabledFrom('False')).toBe(false);
    expect(authEnabledFrom('1')).toBe(false);
    expect(authEnabledFrom(undefined)).toBe(false);
  });
});

describe('principalOf', () => {
  it('ignores every principal header when authentication is off, since a client could forge them', () => {
    expect(principalOf(easyAuthHeaders(), false)).toEqual({ ok: true, principal: undefined });
    expect(principalOf(new Headers({ 'x-ms-client-principal': '%%%' }), false)).toEqual({
      ok: true,
      principal: undefined,
    });
  });

  it("reads the caller's id, provider, tenant and name when authentication is on", () => {
    expect(principalOf(easyAuthHeaders(), true)).toEqual({
      ok: true,
      principal: { id: oid, identityProvider: 'aad', tenantId: tenant, name: 'ada@contoso.example' },
    });
  });

  it('prefers the platform name header, and takes the provider from auth_typ when the idp header is absent', () => {
    const headers = easyAuthHeaders({ 'x-ms-client-principal-name': 'Ada' });
    headers.delete('x-ms-client-principal-idp');
    expect(principalOf(headers, true)).toEqual({
      ok: true,
      principal: { id: oid, identityProvider: 'aad', tenantId: tenant, name: 'Ada' },
    });
  });

  it('accepts the id header alone (no claims blob)', () => {
    expect(principalOf(new Headers({ 'x-ms-client-principal-id': '12345' }), true)).toEqual({
      ok: true,
      principal: { id: '12345' },
    });
  });

  it('treats a request without principal headers as anonymous', () => {
    expect(principalOf(new Headers({ 'content-type': 'text/plain' }), true)).toEqual({
      ok: true,
      principal: undefined,
    });
  });

  it('rejects a claims blob that is not base64 JSON of the documented shape, naming what is wrong', () => {
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal': 'not base64!' }), true))).toMatch(
      /not base64/,
    );
    const notJson = Buffer.from('{"auth_typ":', 'utf8').toString('base64');
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal': notJson }), true))).toMatch(
      /not base64-encoded UTF-8 JSON/,
    );
    const invalidUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64');
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal': invalidUtf8 }), true))).toMatch(
      /UTF-8 JSON/,
    );
    const wrongShape = Buffer.from(JSON.stringify({ userId: 'x', claims: 'all' }), 'utf8').toString('base64');
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal': wrongShape }), true))).toMatch(
      /App Service shape/,
    );
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal': 'abc' }), true))).toMatch(
      /not base64/,
    );
  });

  it('rejects an oversized claims blob before decoding it', () => {
    const huge = 'A'.repeat(principalHeaderMaxChars + 4);
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal': huge }), true))).toMatch(
      /longer than 32768 characters/,
    );
    const claims = Array.from({ length: 1001 }, (_, index) => ({ typ: 'g', val: String(index % 10) }));
    const tooMany = clientPrincipal({ claims });
    expect(tooMany.length).toBeLessThanOrEqual(principalHeaderMaxChars);
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal': tooMany }), true))).toMatch(
      /shape/,
    );
  });

  it('rejects a claims blob without an id, and ids or providers that are not identifiers', () => {
    const headers = easyAuthHeaders();
    headers.delete('x-ms-client-principal-id');
    expect(rejected(principalOf(headers, true))).toMatch(/came without x-ms-client-principal-id/);
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal-id': 'a b' }), true))).toMatch(
      /not a valid identifier/,
    );
    expect(
      rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal-id': 'x'.repeat(257) }), true)),
    ).toMatch(/not a valid identifier/);
    expect(rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal-idp': 'a/b' }), true))).toMatch(
      /identity provider/,
    );
  });

  it('never echoes the claims blob in its message', () => {
    const secretish = Buffer.from('{"auth_typ":"aad","claims":"SECRET-TOKEN-VALUE"}').toString('base64');
    const message = rejected(principalOf(easyAuthHeaders({ 'x-ms-client-principal': secretish }), true));
    expect(message).not.toContain('SECRET');
    expect(message).not.toContain(secretish);
  });

  it('strips control characters from the display name and bounds its length', () => {
    const result = principalOf(
      new Headers({
        'x-ms-client-principal-id': '1',
        'x-ms-client-principal-name': `A\tda${'x'.repeat(300)}`,
      }),
      true,
    );
    expect(result.ok && result.principal?.name).toBe(`Ada${'x'.repeat(253)}`);
  });
});

describe('ownerKeyOf', () => {
  const ada = { id: oid, identityProvider: 'aad', tenantId: tenant };

  it('is stable, carries no personal identifier and is safe as an entity key', () => {
    const key = ownerKeyOf(ada);
    expect(key).toBe(ownerKeyOf({ ...ada, name: 'another display name' }));
    expect(key).toMatch(/^o-[0-9a-f]{40}$/);
    expect(key).not.toContain(oid);
  });

  it('differs between providers and tenants for the same id', () => {
    const key = ownerKeyOf(ada);
    expect(ownerKeyOf({ ...ada, identityProvider: 'github' })).not.toBe(key);
    expect(ownerKeyOf({ ...ada, tenantId: 'another-tenant' })).not.toBe(key);
    expect(ownerKeyOf({ id: oid })).not.toBe(key);
  });
});

describe('principalOf with headers the platform did not write alone', () => {
  it('rejects a claims blob joined with a second, client-sent one instead of reading either', () => {
    const headers = new Headers({ 'x-ms-client-principal-id': oid });
    headers.append('x-ms-client-principal', clientPrincipal());
    headers.append('x-ms-client-principal', clientPrincipal({ auth_typ: 'github' }));
    expect(rejected(principalOf(headers, true))).toMatch(/not base64/);
  });

  it('reads header names in any case, as the Functions host may pass them', () => {
    const headers = new Headers({
      'X-MS-CLIENT-PRINCIPAL-ID': oid,
      'X-MS-CLIENT-PRINCIPAL': clientPrincipal(),
    });
    expect(principalOf(headers, true)).toMatchObject({
      ok: true,
      principal: { id: oid, identityProvider: 'aad' },
    });
  });
});
