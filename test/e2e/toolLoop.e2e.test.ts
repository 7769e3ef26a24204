import { ActionType } from '../host/durableBackend';
import type { HistoryEvent, InstanceSnapshot } from '../host/durableBackend';
import { EventType } from '../host/engineEvents';
import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import type { RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import { toolCallsReply } from '../../scripts/stub-model/fakeToolCalls';
import { BuiltApp, biologistPrompt, chemistPrompt } from './builtApp';

/** The tool loop on the built app: each call an activity, a round's calls at once, failures handed back. */
const caffeine = 'What is the molar mass of caffeine, and how much energy is 1 eV in joules?';

interface Action {
  actionType: number;
  functionName?: string;
  input?: { tool?: string; telemetry?: { agent?: string } };
  compoundActions?: Action[];
}

let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

async function runToEnd(body: unknown): Promise<{ instanceId: string; output: PanelResult }> {
  const started = await app.request('POST', '/api/multiagent/run', body);
  expect(started.status).toBe(202);
  const { instanceId } = started.json() as { instanceId: string };
  const snapshot = await app.backend.waitForCompletion(instanceId, 20_000);
  await app.backend.waitForIdle();
  app.backend.assertNoHarnessErrors();
  return { instanceId, output: snapshot.output as PanelResult };
}

/** Which agent's tools each is: every agent's turn runs inside the panel, so its history holds them all. */
const toolOwner: Record<string, string> = {
  molar_mass: 'Chemist',
  element_facts: 'Chemist',
  convert_units: 'Physicist',
  physical_constant: 'Physicist',
};

const run = (instanceId: string) => app.backend.getInstance(instanceId) as InstanceSnapshot;

/** Every action, compound ones opened up. */
const everyAction = (actions: Action[]): Action[] =>
  actions.flatMap((action) => [action, ...everyAction(action.compoundActions ?? [])]);

/**
 * The tools an agent asked for at once (the calls inside one Task.all), per batch, from the run's last episode,
 * whose replay decides every action of the run again.
 */
function toolBatches(snapshot: InstanceSnapshot, agent: string): string[][] {
  return everyAction((snapshot.episodes.at(-1)!.actions as unknown as Action[][]).flat()).flatMap(
    (action) => {
      if (action.actionType !== ActionType.WhenAll) return [];
      const tools = (action.compoundActions ?? [])
        .filter(
          (member) =>
            member.actionType === ActionType.CallActivity &&
            member.functionName === 'executeTool' &&
            member.input?.telemetry?.agent === agent,
        )
        .map((member) => member.input?.tool ?? '?');
      return tools.length === 0 ? [] : [tools];
    },
  );
}

/** The tools an agent's executeTool activities ran, in the order scheduled, named by each one's result. */
function scheduledTools(snapshot: InstanceSnapshot, agent: string): string[] {
  const results = new Map(
    snapshot.history
      .filter((event) => event.EventType === EventType.TaskCompleted)
      .map((event) => [event.TaskScheduledId as number, event.Result as string]),
  );
  return snapshot.history
    .filter(
      (event: HistoryEvent) => event.EventType === EventType.TaskScheduled && event.Name === 'executeTool',
    )
    .map((event) => (JSON.parse(results.get(event.EventId) ?? '{}') as { tool?: string }).tool ?? '?')
    .filter((tool) => toolOwner[tool] === agent);
}

const requestsOf = (prompt: string) =>
  app.model.requests.filter((request) => request.systemPrompt === prompt);

describe('the tool loop, end to end', () => {
  it('has each agent call its tools, all of one round at once as activities, and answer from their results', async () => {
    app = await BuiltApp.start();
    const { instanceId, output } = await runToEnd({ prompt: caffeine });

    expect(output.failures).toEqual([]);
    const [physicist, chemist] = output.answers;
    expect(chemist).toMatchObject({ agent: 'Chemist', toolCalls: 2, tools: ['molar_mass', 'element_facts'] });
    expect(chemist!.answer).toMatch(/molar_mass said .*"molarMass":194\.19/);
    expect(chemist!.answer).toMatch(/element_facts said .*"name":"carbon"/i);
    expect(physicist).toMatchObject({
      agent: 'Physicist',
      toolCalls: 2,
      tools: ['convert_units', 'physical_constant'],
    });
    expect(physicist!.answer).toMatch(/convert_units said .*1\.602176634e-19/);
    // Both calls of a round in one Task.all of the same episode: they run concurrently.
    expect(toolBatches(run(instanceId), 'Chemist')).toEqual([['molar_mass', 'element_facts']]);
    expect(toolBatches(run(instanceId), 'Physicist')).toEqual([['convert_units', 'physical_constant']]);
    expect(scheduledTools(run(instanceId), 'Chemist')).toEqual(['molar_mass', 'element_facts']);

    // The second request carries the calls and one tool message per call id, then no more tools are needed.
    const [first, second] = requestsOf(chemistPrompt);
    expect(requestsOf(chemistPrompt)).toHaveLength(2);
    expect(first!.body.tools).toHaveLength(2);
    const messages = second!.body.messages!;
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
    expect(messages[2]!.tool_calls!.map((call) => call.id)).toEqual(['call_1_1', 'call_1_2']);
    expect(messages.slice(3).map((message) => message.tool_call_id)).toEqual(['call_1_1', 'call_1_2']);
    expect(app.model.requests.every((request) => request.answered === 200)).toBe(true);

    // The thread keeps the answer and the names of the tools, never the calls or results.
    const thread = await app.request('GET', `/api/agents/chemist/threads/${chemist!.threadId}`);
    const { messages: kept } = thread.json() as { messages: { role: string; tools?: string[] }[] };
    expect(kept.map((message) => [message.role, message.tools])).toEqual([
      ['user', undefined],
      ['assistant', ['molar_mass', 'element_facts']],
    ]);
  });

  it('hands a failing tool back to the model as its result, and the turn still answers', async () => {
    app = await BuiltApp.start();
    app.model.respondWith((request: RecordedRequest) =>
      request.systemPrompt === chemistPrompt &&
      request.body.tools !== undefined &&
      !(request.body.messages ?? []).some((message) => message.role === 'tool')
        ? toolCallsReply(request, [
            { name: 'molar_mass', arguments: { formula: 'C8H10Q4' } },
            { name: 'element_facts', arguments: '{"element": ' },
          ])
        : undefined,
    );
    const { instanceId, output } = await runToEnd({ prompt: 'Tell me about caffeine.', agents: ['Chemist'] });

    expect(output.answers[0]).toMatchObject({ agent: 'Chemist', toolCalls: 2 });
    const results = requestsOf(chemistPrompt)[1]!.body.messages!.filter((message) => message.role === 'tool');
    expect(results.map((message) => JSON.parse(message.content!) as unknown)).toEqual([
      { error: { code: 'tool_failed', message: expect.stringContaining('Q') as unknown } },
      { error: { code: 'invalid_arguments', message: expect.stringContaining('not valid JSON') as unknown } },
    ]);
    // Not transient: each ran once, no retry timer.
    expect(scheduledTools(run(instanceId), 'Chemist')).toEqual(['molar_mass', 'element_facts']);
    // The run's only timer is its deadline's.
    expect(
      run(instanceId).history.filter((event) => event.EventType === EventType.TimerCreated),
    ).toHaveLength(1);
  });

  it('gives a model that keeps calling tools one last call without tools after TOOL_MAX_ROUNDS rounds', async () => {
    app = await BuiltApp.start({ TOOL_MAX_ROUNDS: '2' });
    app.model.respondWith((request: RecordedRequest) =>
      request.body.tools === undefined
        ? undefined
        : toolCallsReply(request, [{ name: 'molar_mass', arguments: { formula: 'H2O' } }]),
    );
    const { instanceId, output } = await runToEnd({ prompt: 'Water?', agents: ['Chemist'] });

    const requests = requestsOf(chemistPrompt);
    expect(requests.map((request) => request.body.tools !== undefined)).toEqual([true, true, false]);
    expect(requests[2]!.body.messages!.filter((message) => message.role === 'tool')).toHaveLength(2);
    expect(output.answers[0]).toMatchObject({
      agent: 'Chemist',
      toolCalls: 2,
      tools: ['molar_mass'],
      attempts: 3,
    });
    expect(scheduledTools(run(instanceId), 'Chemist')).toEqual(['molar_mass', 'molar_mass']);
  });

  it('runs at most TOOL_MAX_CALLS_PER_ROUND calls of a round; the rest get a too_many_calls result', async () => {
    app = await BuiltApp.start({ TOOL_MAX_CALLS_PER_ROUND: '1' });
    const { instanceId } = await runToEnd({ prompt: caffeine, agents: ['Chemist'] });

    expect(scheduledTools(run(instanceId), 'Chemist')).toEqual(['molar_mass']);
    const results = requestsOf(chemistPrompt)[1]!.body.messages!.filter((message) => message.role === 'tool');
    expect(results).toHaveLength(2);
    expect(JSON.parse(results[1]!.content!)).toMatchObject({ error: { code: 'too_many_calls' } });
  });

  it('sends an agent without tools the request it always had: no tools key, no tool activity', async () => {
    app = await BuiltApp.start();
    const { instanceId } = await runToEnd({ prompt: caffeine, agents: ['Biologist'] });
    const [request] = requestsOf(biologistPrompt);
    expect(requestsOf(biologistPrompt)).toHaveLength(1);
    expect(Object.keys(request!.body).sort()).toEqual(['max_completion_tokens', 'messages', 'model']);
    expect(
      run(instanceId).history.filter(
        (event: HistoryEvent) => event.EventType === EventType.TaskScheduled && event.Name === 'executeTool',
      ),
    ).toEqual([]);
  });
});
