/**
 * The scripted model's calls of MCP tools, which an app offers as `<server>__<tool>`: a half-life question ("the
 * half-life of C-14") calls a server's `half_life` tool, whatever the server is named.
 */
export function scriptedMcpCalls(
  question: string,
  offered: string[],
): { name: string; arguments: unknown }[] {
  const nuclide = /half-life of ([A-Z][a-z]?-\d+)/i.exec(question)?.[1];
  const tool = offered.find((name) => name.endsWith('__half_life'));
  return nuclide === undefined || tool === undefined ? [] : [{ name: tool, arguments: { nuclide } }];
}
