import * as z from 'zod';

/**
 * MCP servers as tool sources, from the MCP_SERVERS setting (JSON: server name -> where it is and how to sign in).
 * Only settings name servers: nothing a caller sends can make the app connect anywhere.
 */

/** A server's name prefixes its tools' names (`<server>__<tool>`), so it has no `_` and leaves room for the tool. */
export const mcpServerNamePattern = /^[a-zA-Z][a-zA-Z0-9-]{0,23}$/;
export const mcpServersMax = 8;

const settingName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { error: 'valueSetting must be the name of an app setting.' });

const authSchema = z.union([
  z
    .object({
      /** The request header to send, e.g. Authorization or X-API-Key. */
      header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'header must be an HTTP header name.' }),
      /** The app setting holding the header's whole value (a Key Vault reference in Azure): never the value itself. */
      valueSetting: settingName,
    })
    .strict(),
  z
    .object({
      /** A Microsoft Entra token for this scope (e.g. api://<app id>/.default), from the app's managed identity. */
      managedIdentity: z.object({ scope: z.string().trim().min(1).max(256) }).strict(),
    })
    .strict(),
]);

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

const serverSchema = z
  .object({
    url: z.string().refine(
      (value) => {
        if (!URL.canParse(value)) return false;
        const url = new URL(value);
        // A token or key must not cross the network in the clear; plain http is for a server on this machine.
        return url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname));
      },
      { error: 'url must be an https URL (http only for localhost).' },
    ),
    auth: authSchema.optional(),
    /** A call (or a listing) that takes longer fails with a transient `timeout`. */
    timeoutMs: z.number().int().min(1000).max(120_000).default(30_000),
  })
  .strict();

export type McpServerAuth = z.infer<typeof authSchema>;
export type McpServerConfig = z.infer<typeof serverSchema> & { name: string };

const serversSchema = z.record(z.string(), serverSchema).superRefine((servers, context) => {
  const names = Object.keys(servers);
  for (const name of names.filter((candidate) => !mcpServerNamePattern.test(candidate))) {
    context.addIssue({
      code: 'custom',
      path: [name],
      message: 'A server name has 1-24 letters, digits or -, starting with a letter.',
    });
  }
  if (names.length > mcpServersMax) {
    context.addIssue({ code: 'custom', message: `At most ${mcpServersMax} MCP servers.` });
  }
});

/**
 * The MCP_SERVERS setting as a zod schema over the raw text: empty or unset is no servers. Its messages name the
 * setting and the field, never a value (a URL may carry a secret in its query).
 */
export const mcpServersSetting = z
  .string()
  .trim()
  .optional()
  .transform((text, context) => {
    if (text === undefined || text === '') {
      return [];
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      context.addIssue({
        code: 'custom',
        message: 'MCP_SERVERS must be JSON: {"<name>": {"url": "https://...", "auth": {...}}}.',
      });
      return z.NEVER;
    }
    const parsed = serversSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        context.addIssue({
          code: 'custom',
          message: `MCP_SERVERS${issue.path.map((key) => `.${String(key)}`).join('')}: ${issue.message}`,
        });
      }
      return z.NEVER;
    }
    return Object.entries(parsed.data).map(([name, server]): McpServerConfig => ({ name, ...server }));
  });

/** Header settings that the servers name but the environment does not set: each a problem to report. */
export function missingHeaderSettings(servers: McpServerConfig[], env: NodeJS.ProcessEnv): string[] {
  return servers.flatMap((server) =>
    server.auth !== undefined &&
    'header' in server.auth &&
    (env[server.auth.valueSetting] ?? '').trim() === ''
      ? [`MCP_SERVERS.${server.name}.auth.valueSetting names ${server.auth.valueSetting}, which is not set.`]
      : [],
  );
}
