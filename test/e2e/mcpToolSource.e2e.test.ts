import type { InstanceSnapshot } from '../host/durableBackend';
import { EventType } from '../host/engineEvents';
import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import { LoopbackMcpServer } from '../support/loopbackMcpServer';
import { buildMcpAgentApp } from '../support/mcpAgentApp';
import { BuiltApp } from './builtApp';

/**
 * MCP servers as tool sources, end to end on the test host: an agent whose agents.json entry names the server
 * "nuclear" is offered its tools beside its own, and each call runs as an executeTool activity through the SDK's
 * Streamable HTTP client against a loopback MCP server built with the same SDK.
 */
const apiKey = 'loopback-mcp-key-0123456789';
const question = 'What is the half-life of C-14, and how much energy is 1 eV in joules?';
const instructions = 'You are an expert in nuclear physics. You answer from nuclear data.';
let entry: string;
let app: BuiltApp;
let server: LoopbackMcpServer;

beforeAll(async () => {
  entry = await buildMcpAgentApp();
});

beforeEach(async () => {
  server = await LoopbackMcpServer.start({ apiKey });
  app = await BuiltApp.start(
    {
      MCP_SERVERS: JSON.stringify({
        nuclear: {
          url: server.url,
          auth: { header: 'X-API-Key', valueSetting: 'NUCLEAR_MCP_KEY' },
          timeoutMs: 3000,
        },
      }),
      NUCLEAR_MCP_KEY: apiKey,
      AGENT_RETRY_DELAY_MS: '100',
    },
    entry,
  );
});

afterEach(async () => {
  await app.close();
  await server.stop();
});

async function ask(): Promise<{ instanceId: string; output: PanelResult }> {
  const started = await app.request('POST', '/api/multiagent/run', {
    prompt: question,
    agents: ['Nuclear Physicist'],
  });
  expect(started.status).toBe(202);
  const { instanceId } = started.json() as { instanceId: string };
  const snapshot = await app.backend.waitForCompletion(instanceId, 20_000);
  await app.backend.waitForIdle();
  app.backend.assertNoHarnessErrors();
  return { instanceId, output: snapshot.output as PanelResult };
}

/**
 * The results of the turn's executeTool activities, in the order they completed. The turn runs inside the panel
 * orchestration, and the run asks one agent only, so the panel's history holds that turn's calls and no others.
 */
function toolResults(
  instanceId: string,
): { status: string; tool: string; error?: { code: string; transient: boolean } }[] {
  const turn = app.backend.getInstance(instanceId) as InstanceSnapshot;
  const names = new Map(
    turn.history
      .filter((event) => event.EventType === EventType.TaskScheduled)
      .map((event) => [event.EventId, event.Name]),
  );
  return turn.history
    .filter(
      (event) =>
        event.EventType === EventType.TaskCompleted &&
        names.get(event.TaskScheduledId as number) === 'executeTool',
    )
    .map((event) => JSON.parse(event.Result as string) as { status: string; tool: string });
}

describe('MCP servers as tool sources, end to end', () => {
  it("offers the server's tools under its prefix, runs the call as an activity at the server, and the agent answers from it", async () => {
    const { instanceId, output } = await ask();
    const [answer] = output.answers;
    expect(answer).toMatchObject({
      agent: 'Nuclear Physicist',
      toolCalls: 2,
      tools: ['physical_constant', 'nuclear__half_life'],
    });
    expect(answer!.answer).toMatch(
      /nuclear__half_life said \{"nuclide":"C-14","halfLife":5700,"unit":"a","source":"NUBASE2020"\}/,
    );
    // The server got the call by its own name, with the key from the app setting.
    expect(server.calls).toEqual([
      { tool: 'half_life', arguments: { nuclide: 'C-14' }, headers: { 'x-api-key': apiKey } },
    ]);
    expect(
      toolResults(instanceId)
        .map((result) => [result.tool, result.status])
        .sort(),
    ).toEqual([
      ['nuclear__half_life', 'ok'],
      ['physical_constant', 'ok'],
    ]);
    // What the model was offered: its own tool, then the server's tools by their prefixed names.
    const first = app.model.requests.find((request) => request.systemPrompt === instructions)!;
    const offered = (first.body.tools as { function: { name: string } }[]).map((tool) => tool.function.name);
    expect(offered).toEqual([
      'physical_constant',
      'nuclear__half_life',
      expect.stringMatching(/^nuclear__nuclide_search-/),
      'nuclear__hold',
    ]);
    // Listed once for both model calls of the turn (the cache).
    expect(server.listings).toBe(1);
    // The logs name the call, never the key, the server's address, the arguments or the result.
    const logs = app.host.allLogText();
    expect(logs).toContain('Tool nuclear__half_life ran');
    for (const secret of [apiKey, server.url, 'C-14', 'NUBASE2020']) expect(logs).not.toContain(secret);
  });

  it('hands an unreachable server back to the model as a transient failure of the call, retried, and the turn still answers', async () => {
    // Listed while up (the first model call), down when the call runs.
    app.model.respondWith((request) => {
      if (
        request.systemPrompt === instructions &&
        !(request.body.messages ?? []).some((m) => m.role === 'tool')
      ) {
        server.down = true;
      }
      return undefined;
    });
    const { instanceId, output } = await ask();
    const [answer] = output.answers;
    expect(answer).toMatchObject({
      agent: 'Nuclear Physicist',
      tools: ['physical_constant', 'nuclear__half_life'],
    });
    expect(answer!.answer).toMatch(
      /nuclear__half_life said \{"error":\{"code":"tool_failed","message":"The MCP server \\"nuclear\\" failed: /,
    );
    const failures = toolResults(instanceId).filter((result) => result.tool === 'nuclear__half_life');
    // AGENT_MAX_ATTEMPTS is 3: the transient failure ran three times on durable timers, then went to the model.
    expect(failures).toHaveLength(3);
    expect(failures.every((result) => result.status === 'failed' && result.error?.transient === true)).toBe(
      true,
    );
    expect(output.failures).toEqual([]);
  });
});
