/**
 * Agents that act, on the real Durable engine: tool calls as executeTool activities (a round's calls at once),
 * failures handed back to the model, the round limit, a worker crash during a call, and MCP servers as tool sources
 * (a loopback MCP server built with the SDK). The app is a build of the app's sources with one agent more than the
 * shipped catalog, the Nuclear Physicist, whose agents.json entry names the MCP server "nuclear" (see
 * test/support/mcpAgentApp.ts); the default agents are the shipped ones.
 *
 * Activities are collected from every instance of a run (the panel and any instance whose input names the run),
 * so the checks hold whether an agent's turn is a sub-orchestration or runs inside the panel orchestration.
 * These scenarios are not recorded for replay: their app is a test build and their MCP server is gone by then.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import type { FakeOpenAIServer, RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import { toolCallsReply } from '../../scripts/stub-model/fakeToolCalls';
import type { ToolCallResult } from '../../src/tools/tool';
import type { InvocationExchange } from '../support/engineRecording';
import { LoopbackMcpServer } from '../support/loopbackMcpServer';
import { buildMcpAgentApp, nuclearPhysicist } from '../support/mcpAgentApp';
import { PanelApi, type StatusBody } from './panelApi';
import { DurableApi } from './rig/durableApi';
import type { EngineRig } from './rig/engineRig';
import { describeEngine, loopbackModel, loopbackModelSettings } from './rig/fixture';
import { projectRoot } from '../support/appEntry';

const mcpKey = 'engine-loopback-mcp-key-0123456789';
const chemist = 'You are an expert in chemistry. You answer questions from a chemistry perspective.';
const caffeine = 'What is the molar mass of caffeine, and how much energy is 1 eV in joules?';
const halfLife = 'What is the half-life of C-14, and how much energy is 1 eV in joules?';
const appEntry = path.join(projectRoot, '.tools', 'apps', 'mcp-agents', 'main.js');

let mcp: LoopbackMcpServer;

// Before the rigs start (their beforeAll hooks are nested, so they run after these).
beforeAll(async () => {
  await buildMcpAgentApp();
  mcp = await LoopbackMcpServer.start({ apiKey: mcpKey });
});

afterAll(async () => {
  await mcp.stop();
});

const settings = (model: FakeOpenAIServer | undefined, mcpTimeoutMs: number) => ({
  ...loopbackModelSettings(model),
  AGENT_MAX_ATTEMPTS: '3',
  AGENT_RETRY_DELAY_MS: '500',
  AGENT_RETRY_MAX_DELAY_MS: '1000',
  // The scenarios script tool calls as Chat Completions replies (toolCallsReply); the Responses API's tool turn on
  // the engine is responses.engine.test.ts.
  MODEL_API: 'chat',
  MCP_SERVERS: JSON.stringify({
    nuclear: {
      url: mcp.url,
      auth: { header: 'X-API-Key', valueSetting: 'NUCLEAR_MCP_KEY' },
      timeoutMs: mcpTimeoutMs,
    },
  }),
  NUCLEAR_MCP_KEY: mcpKey,
});

const isAgent = (request: RecordedRequest, instructions: string) => request.systemPrompt === instructions;
const hasToolResults = (request: RecordedRequest): boolean =>
  (request.body.messages ?? []).some((message) => message.role === 'tool');
const firstToolRequest = (request: RecordedRequest, instructions: string) =>
  isAgent(request, instructions) && request.body.tools !== undefined && !hasToolResults(request);

/** One activity a run completed, as the engine's history holds it. */
interface RunActivity {
  instanceId: string;
  name: string;
  result: unknown;
}

/**
 * The activities of a run, from the histories of every instance that belongs to it: the panel, and any instance
 * whose input names the run (runId), however the turns are hosted.
 */
async function runActivities(
  rig: EngineRig,
  runId: string,
  since: Date,
): Promise<{ instanceIds: string[]; activities: RunActivity[] }> {
  const durable = new DurableApi(rig);
  const runOf = (input: unknown): unknown =>
    (typeof input === 'string'
      ? (JSON.parse(input) as { runId?: unknown } | null)
      : (input as { runId?: unknown } | null)
    )?.runId;
  const instances = (await durable.instancesCreatedSince(since)).filter(
    (instance) => instance.instanceId === runId || runOf(instance.input) === runId,
  );
  const activities: RunActivity[] = [];
  for (const instance of instances) {
    for (const event of await durable.history(instance.instanceId)) {
      if (event.EventType === 'TaskCompleted') {
        activities.push({
          instanceId: instance.instanceId,
          name: event.FunctionName ?? '?',
          result: event.Result,
        });
      }
    }
  }
  return { instanceIds: instances.map((instance) => instance.instanceId), activities };
}

const toolResults = (activities: RunActivity[]) =>
  activities
    .filter((activity) => activity.name === 'executeTool')
    .map((activity) => activity.result as ToolCallResult);

/**
 * The executeTool calls of an instance in batches of calls that were all scheduled (TaskScheduled) before any of
 * them completed, from the full history the engine last sent the instance: a batch of two ran concurrently.
 */
function concurrentToolCalls(rig: EngineRig, mark: number, instanceId: string): string[][] {
  const payloads = rig.recorder
    .since(mark)
    .filter(
      (exchange): exchange is InvocationExchange =>
        exchange.kind === 'orchestration' &&
        (exchange.payload as { instanceId?: string }).instanceId === instanceId,
    );
  const history =
    (
      payloads.at(-1)?.payload as
        | {
            history: {
              EventType: number;
              EventId: number;
              Name?: string;
              TaskScheduledId?: number;
              Result?: string;
            }[];
          }
        | undefined
    )?.history ?? [];
  const toolOf = new Map(
    history
      .filter((event) => event.EventType === 5)
      .map((event) => [event.TaskScheduledId, (JSON.parse(event.Result ?? '{}') as { tool?: string }).tool]),
  );
  const batches: number[][] = [];
  const open = new Set<number>();
  for (const event of history) {
    if (event.EventType === 4 && event.Name === 'executeTool') {
      if (open.size === 0) batches.push([]);
      batches.at(-1)!.push(event.EventId);
      open.add(event.EventId);
    } else if (event.EventType === 5) {
      open.delete(event.TaskScheduledId ?? -1);
    }
  }
  return batches.map((batch) => batch.map((id) => toolOf.get(id) ?? '?').sort());
}

/**
 * `npm run ask` as a user runs it, in a child process (it builds the tools first), against the rig's origin with
 * its function key in MULTIAGENT_FUNCTION_KEY, as the docs tell a user with a deployed app to pass it.
 */
async function npmRunAsk(
  rig: EngineRig,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', 'ask', '--', '--url', rig.origin, ...args], {
    cwd: projectRoot,
    env: { ...process.env, MULTIAGENT_FUNCTION_KEY: rig.functionKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

describeEngine(
  'tool calls and MCP tool sources on the real Durable engine',
  {
    name: 'tools',
    entry: appEntry,
    record: false,
    model: loopbackModel,
    settings: (model) => ({ ...settings(model, 10_000), MODEL_TIMEOUT_MS: '10000', TOOL_MAX_ROUNDS: '2' }),
  },
  (fixture) => {
    const panel = (): PanelApi => new PanelApi(fixture.rig);

    afterEach(() => {
      fixture.rig.model!.respondWith(undefined);
      mcp.calls.length = 0;
    });

    async function run(
      body: Record<string, unknown>,
    ): Promise<{ instanceId: string; final: StatusBody; mark: number; since: Date }> {
      const since = new Date(Date.now() - 1000);
      const mark = fixture.rig.recorder.mark();
      const { instanceId } = await panel().startRun(JSON.stringify(body), 'application/json');
      const { final } = await panel().waitForEnd(instanceId);
      return { instanceId, final, mark, since };
    }

    it('answers the caffeine and eV question with the default agents, each calling its tools at once as activities, with the synthesis, over HTTP, over MCP ask_panel and through npm run ask', async () => {
      // What both the HTTP body and the ask_panel arguments carry.
      const ask = { prompt: caffeine, synthesize: true };
      const expectedTools = {
        Physicist: ['convert_units', 'physical_constant'],
        Chemist: ['molar_mass', 'element_facts'],
      };

      const { instanceId, final, mark, since } = await run(ask);
      expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
      const answers = final.output!.answers;
      expect(answers.map((answer) => [answer.agent, answer.tools, answer.toolCalls])).toEqual([
        ['Physicist', expectedTools.Physicist, 2],
        ['Chemist', expectedTools.Chemist, 2],
      ]);
      expect(answers[0]!.answer).toMatch(/convert_units said .*1\.602176634e-19/);
      expect(answers[1]!.answer).toMatch(/molar_mass said .*"molarMass":194\.19/);
      // The moderator merged both answers, after the fan-in.
      expect(final.output!.synthesis).toMatchObject({ status: 'answered', agent: 'Moderator' });
      const merged = (final.output!.synthesis as { answer: string }).answer;
      expect(merged).toContain('## Physicist');
      expect(merged).toContain('## Chemist');

      // Every call is an executeTool activity in the engine's history, each ran once and succeeded.
      const { instanceIds, activities } = await runActivities(fixture.rig, instanceId, since);
      expect(
        toolResults(activities)
          .map((result) => `${result.tool}:${result.status}`)
          .sort(),
      ).toEqual([...expectedTools.Physicist, ...expectedTools.Chemist].map((tool) => `${tool}:ok`).sort());
      // Each agent's two calls were both scheduled before either completed: they ran concurrently. Both turns run
      // inside the panel, so a batch may hold both agents' calls: it is split by whose tools they are.
      const batches = instanceIds
        .flatMap((id) => concurrentToolCalls(fixture.rig, mark, id))
        .flatMap((batch) =>
          Object.values(expectedTools)
            .map((tools) => batch.filter((tool) => tools.includes(tool)))
            .filter((calls) => calls.length > 0),
        );
      expect(batches.sort()).toEqual(
        [[...expectedTools.Chemist].sort(), [...expectedTools.Physicist].sort()].sort(),
      );

      // Over MCP: ask_panel starts the same kind of run on the engine and returns the answers.
      const overMcpSince = new Date(Date.now() - 1000);
      const reply = (await fixture.rig.mcpTool('mcpAskPanel', 'ask_panel', ask)) as {
        instanceId: string;
        runtimeStatus: string;
        answers: { agent: string; answer: string }[];
      };
      expect(reply).toMatchObject({ runtimeStatus: 'Completed', summary: '2 of 2 agents answered.' });
      expect(reply.answers.map((answer) => answer.agent)).toEqual(['Physicist', 'Chemist']);
      expect(reply.answers[1]!.answer).toMatch(/molar_mass said .*"molarMass":194\.19/);
      expect(reply).toMatchObject({
        synthesis: { agent: 'Moderator', answer: expect.stringContaining('## Chemist') },
      });
      const overMcp = await runActivities(fixture.rig, reply.instanceId, overMcpSince);
      expect(toolResults(overMcp.activities)).toHaveLength(4);

      // Through npm run ask, as a user runs it, against the rig's origin with its function key.
      const cli = await npmRunAsk(fixture.rig, ['--synthesize', caffeine]);
      expect(cli.code).toBe(0);
      expect(cli.stdout).toContain('Status: Completed, 2 of 2 agents answered.');
      expect(cli.stdout).toMatch(/^Physicist \(.*\)\n {2}.*convert_units said .*1\.602176634e-19/m);
      expect(cli.stdout).toMatch(/^Chemist \(.*\)\n {2}.*molar_mass said .*"molarMass":194\.19/m);
      const synthesisAt = cli.stdout.search(/^Synthesis by Moderator \(.*\)\n {2}\S/m);
      expect(synthesisAt).toBeGreaterThan(cli.stdout.indexOf('Chemist ('));
    }, 300_000);

    it("calls an MCP server's tool as an activity beside the agent's own tool, both at once, and answers from it", async () => {
      const { instanceId, final, mark, since } = await run({
        prompt: halfLife,
        agents: [nuclearPhysicist.name],
      });
      expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
      const [answer] = final.output!.answers;
      expect(answer).toMatchObject({
        agent: nuclearPhysicist.name,
        toolCalls: 2,
        tools: ['physical_constant', 'nuclear__half_life'],
      });
      expect(answer!.answer).toMatch(/nuclear__half_life said \{"nuclide":"C-14","halfLife":5700,"unit":"a"/);
      // The server got the call by its own name, with the key from the app setting the MCP_SERVERS entry names.
      expect(mcp.calls).toEqual([
        { tool: 'half_life', arguments: { nuclide: 'C-14' }, headers: { 'x-api-key': mcpKey } },
      ]);
      const { instanceIds, activities } = await runActivities(fixture.rig, instanceId, since);
      expect(
        toolResults(activities)
          .map((result) => `${result.tool}:${result.status}`)
          .sort(),
      ).toEqual(['nuclear__half_life:ok', 'physical_constant:ok']);
      expect(instanceIds.flatMap((id) => concurrentToolCalls(fixture.rig, mark, id))).toEqual([
        ['nuclear__half_life', 'physical_constant'],
      ]);
    });

    it('hands failing tools back to the model (a bad formula, an MCP tool error) and both agents still answer', async () => {
      fixture.rig.model!.respondWith((request) => {
        if (firstToolRequest(request, chemist)) {
          return toolCallsReply(request, [{ name: 'molar_mass', arguments: { formula: 'C8H10Q4' } }]);
        }
        if (firstToolRequest(request, nuclearPhysicist.instructions)) {
          return toolCallsReply(request, [{ name: 'nuclear__half_life', arguments: { nuclide: 'Xx-1' } }]);
        }
        return undefined;
      });
      const { instanceId, final, since } = await run({
        prompt: 'Is caffeine heavy?',
        agents: ['Chemist', nuclearPhysicist.name],
      });
      expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
      expect(final.output!.answers.map((answer) => [answer.agent, answer.tools, answer.attempts])).toEqual([
        ['Chemist', ['molar_mass'], 2],
        [nuclearPhysicist.name, ['nuclear__half_life'], 2],
      ]);
      expect(final.output!.answers[1]!.answer).toMatch(
        /nuclear__half_life said \{"error":\{"code":"tool_failed","message":"No half-life for \\"Xx-1\\"/,
      );
      // Each failure is the call's completed result, not retried (not transient), never a TaskFailed.
      const { activities } = await runActivities(fixture.rig, instanceId, since);
      expect(
        toolResults(activities)
          .map((result) => [
            result.tool,
            result.status === 'failed' && result.error.code,
            result.status === 'failed' && result.error.transient,
          ])
          .sort(),
      ).toEqual([
        ['molar_mass', 'tool_failed', false],
        ['nuclear__half_life', 'tool_failed', false],
      ]);
    });

    it('gives a model that keeps calling an MCP tool one last call without tools after TOOL_MAX_ROUNDS rounds', async () => {
      fixture.rig.model!.respondWith((request) =>
        isAgent(request, nuclearPhysicist.instructions) && request.body.tools !== undefined
          ? toolCallsReply(request, [{ name: 'nuclear__half_life', arguments: { nuclide: 'I-131' } }])
          : undefined,
      );
      const prompt = 'Tell me about iodine.';
      const { instanceId, final, since } = await run({ prompt, agents: [nuclearPhysicist.name] });
      const [answer] = final.output!.answers;
      expect(answer).toMatchObject({ toolCalls: 2, tools: ['nuclear__half_life'], attempts: 3 });
      const { activities } = await runActivities(fixture.rig, instanceId, since);
      expect(activities.map((activity) => activity.name)).toEqual([
        'runAgentTurn',
        'executeTool',
        'runAgentTurn',
        'executeTool',
        'runAgentTurn',
      ]);
      const requests = fixture.rig.model!.requests.filter(
        (request) => isAgent(request, nuclearPhysicist.instructions) && request.lastUserMessage === prompt,
      );
      expect(requests.map((request) => request.body.tools !== undefined)).toEqual([true, true, false]);
      expect(mcp.calls).toHaveLength(2);
    });

    it('hands a server that is down back as a transient failure value, retried on durable timers, and the turn still answers', async () => {
      fixture.rig.model!.respondWith((request) => {
        if (firstToolRequest(request, nuclearPhysicist.instructions)) mcp.down = true;
        return undefined;
      });
      try {
        const { instanceId, final, since } = await run({ prompt: halfLife, agents: [nuclearPhysicist.name] });
        expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
        const { activities } = await runActivities(fixture.rig, instanceId, since);
        const mcpResults = toolResults(activities).filter((result) => result.tool === 'nuclear__half_life');
        // AGENT_MAX_ATTEMPTS is 3: three runs of the call on durable timers, then its failure went to the model.
        expect(mcpResults.map((result) => result.status === 'failed' && result.error.transient)).toEqual([
          true,
          true,
          true,
        ]);
        expect(final.output!.answers[0]!.answer).toMatch(
          /nuclear__half_life said \{"error":\{"code":"tool_failed"/,
        );
      } finally {
        mcp.down = false;
      }
    });
  },
);

describeEngine(
  'a tool call on the real Durable engine when its worker dies mid-call',
  {
    name: 'tools-crash',
    entry: appEntry,
    record: false,
    model: loopbackModel,
    workerProcess: true,
    storageProvider: {
      controlQueueVisibilityTimeout: '00:01:00',
      workItemQueueVisibilityTimeout: '00:01:00',
    },
    settings: (model) => ({
      ...settings(model, 120_000),
      MODEL_TIMEOUT_MS: '20000',
      PANEL_DEADLINE_MS: '300000',
    }),
  },
  (fixture) => {
    async function until(what: string, condition: () => boolean, timeoutMs = 150_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it('runs the call again after a worker crash (SIGKILL) during it: the answer arrives once, the thread holds the exchange once', async () => {
      const rig = fixture.rig;
      const model = rig.model!;
      model.respondWith((request) =>
        firstToolRequest(request, nuclearPhysicist.instructions)
          ? toolCallsReply(request, [{ name: 'nuclear__hold', arguments: {} }])
          : undefined,
      );
      mcp.calls.length = 0;
      mcp.holdCalls();
      const prompt = 'Hold on: what is a nuclide?';
      const since = new Date(Date.now() - 1000);
      const { instanceId } = await new PanelApi(rig).startRun(
        JSON.stringify({ prompt, agents: [nuclearPhysicist.name] }),
        'application/json',
      );
      await until('the tool call at the MCP server', () => mcp.calls.length >= 1);

      await rig.killWorker();
      await rig.restartWorker();
      // The engine runs the lost activity again on the new worker: the call reaches the server a second time.
      await until('the call to run again', () => mcp.calls.length >= 2);
      mcp.release();

      const { final } = await new PanelApi(rig).waitForEnd(instanceId, 150_000, 500);
      expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
      const answers = final.output!.answers;
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({
        agent: nuclearPhysicist.name,
        toolCalls: 1,
        tools: ['nuclear__hold'],
      });
      expect(answers[0]!.answer).toMatch(/nuclear__hold said \[\{"type":"text","text":"released"\}\]/);
      expect(mcp.calls.map((call) => call.tool)).toEqual(['hold', 'hold']);

      // The engine holds one completed call (the re-run), one answer; the model was asked twice, not more.
      const { activities } = await runActivities(rig, instanceId, since);
      expect(activities.map((activity) => activity.name)).toEqual([
        'runAgentTurn',
        'executeTool',
        'runAgentTurn',
      ]);
      expect(toolResults(activities)).toMatchObject([{ status: 'ok', tool: 'nuclear__hold' }]);
      expect(
        model.requests.filter(
          (request) => isAgent(request, nuclearPhysicist.instructions) && request.lastUserMessage === prompt,
        ),
      ).toHaveLength(2);
      const thread = (await new DurableApi(rig).entity('agentThread', answers[0]!.threadId)) as {
        messages: { role: string; content: string }[];
        activeTurn?: unknown;
      };
      expect(thread.messages.map((message) => [message.role, message.content])).toEqual([
        ['user', prompt],
        ['assistant', answers[0]!.answer],
      ]);
      expect(thread.activeTurn).toBeUndefined();
    });
  },
);
