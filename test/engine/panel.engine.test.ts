/**
 * The panel app on the real Durable Functions engine. Each scenario drives the app over HTTP like a user and checks
 * two things: what the user sees (the app's status route: runtime status, custom status, output) and what the
 * engine recorded (the history from the extension's management API, and entity state).
 *
 * This file is the one place that states the app's behaviour on the engine: when the behaviour changes, change the
 * expectations here (and re-record the engine recordings with `npm run engine:record`).
 */
import * as path from 'node:path';
import packageJson from '../../package.json';
import { completion, replies, type RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import { PanelApi } from './panelApi';
import { DurableApi, eventsOfType, type DurableHistoryEvent } from './rig/durableApi';
import { describeEngine, loopbackModel, loopbackModelSettings } from './rig/fixture';
import type { AgentAttemptResult } from '../../src/agents/agentAttempt';
import type { AgentOutcome } from '../../src/orchestration/agentOutcome';
import type { InvocationExchange } from '../support/engineRecording';
import { toolCallsReply } from '../../scripts/stub-model/fakeToolCalls';

const physicist = 'You are an expert in physics. You answer questions from a physics perspective.';
const chemist = 'You are an expert in chemistry. You answer questions from a chemistry perspective.';
const answerOf = (instructions: string, prompt: string): string => `[${instructions}] answers: ${prompt}`;
const toChemist = (request: RecordedRequest): boolean => request.systemPrompt === chemist;
const hasToolResults = (request: RecordedRequest): boolean =>
  (request.body.messages ?? []).some((message) => message.role === 'tool');
const toolsOf = {
  Physicist: ['physical_constant', 'convert_units'],
  Chemist: ['molar_mass', 'element_facts'],
} as const;
const messagesOf = (request: RecordedRequest | undefined): string[] =>
  (request?.body.messages ?? []).map((message) => `${message.role}: ${message.content}`);

/** How many events of each type the engine recorded, e.g. { TaskCompleted: 2, ... }. */
function eventCounts(history: DurableHistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of history) counts[event.EventType] = (counts[event.EventType] ?? 0) + 1;
  return counts;
}

/**
 * The agent a task's result belongs to, now that every agent's tasks share the panel's history: an answer quotes
 * its agent's instructions (the loopback model's way), a tool call or result names one of its agent's tools.
 */
function agentOfResult(result: unknown): string | undefined {
  const text = typeof result === 'string' ? result : JSON.stringify(result);
  if (text.includes(physicist)) return 'Physicist';
  if (text.includes(chemist)) return 'Chemist';
  return Object.entries(toolsOf).find(([, tools]) => tools.some((tool) => text.includes(`"${tool}"`)))?.[0];
}

/** One agent's completed tasks in the panel's history, in order. */
function completedBy(history: DurableHistoryEvent[], agent: string): DurableHistoryEvent[] {
  return eventsOfType(history, 'TaskCompleted').filter((event) => agentOfResult(event.Result) === agent);
}

describeEngine(
  'the panel on the real Durable engine',
  {
    name: 'panel',
    entry: path.join(__dirname, '../..', packageJson.main),
    model: loopbackModel,
    settings: (model) => ({
      ...loopbackModelSettings(model),
      MODEL_API: 'chat',
      AGENT_MAX_ATTEMPTS: '3',
      AGENT_RETRY_DELAY_MS: '500',
      AGENT_RETRY_MAX_DELAY_MS: '1000',
      // Short enough for the deadline scenario to end in seconds; every other scenario ends well before it.
      MODEL_TIMEOUT_MS: '3000',
      PANEL_DEADLINE_MS: '5000',
      TOOL_MAX_ROUNDS: '2',
    }),
  },
  (fixture) => {
    const panel = (): PanelApi => new PanelApi(fixture.rig);
    const durable = (): DurableApi => new DurableApi(fixture.rig);

    afterEach(() => {
      fixture.rig.model!.respondWith(undefined);
    });

    it("completes with both answers, every agent's turn run inside the panel, each keeping its thread", async () => {
      const prompt = 'What is temperature?';
      const { instanceId, response } = await panel().startRun(prompt);
      const accepted = response.json() as { statusUri: string; cancelUri: string };
      expect(response.headers.get('location')).toBe(accepted.statusUri);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(JSON.stringify(accepted)).not.toContain('code=');

      // What the user sees.
      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({
        runtimeStatus: 'Completed',
        customStatus: { phase: 'completed', message: '2 of 2 agents answered.' },
        agents: [
          { agent: 'Physicist', state: 'answered' },
          { agent: 'Chemist', state: 'answered' },
        ],
      });
      const answers = final.output!.answers;
      expect(
        answers.map((answer) => [answer.agent, answer.answer, answer.attempts, answer.threadMessageCount]),
      ).toEqual([
        ['Physicist', answerOf(physicist, prompt), 1, 2],
        ['Chemist', answerOf(chemist, prompt), 1, 2],
      ]);
      expect(final.output!.failures).toEqual([]);

      // What the engine recorded (its history view leaves out the scheduling events): one instance, a deadline
      // timer, one model attempt per agent, one filing of both new threads in the expiry index, and each exchange
      // appended to its thread by a signal (EventSent), whose reply the run does not wait for (no EventRaised).
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toEqual({
        ExecutionStarted: 1,
        TaskCompleted: 2,
        EventSent: 3,
        TimerCreated: 1,
        ExecutionCompleted: 1,
      });
      // No orchestration but the panel (the entities' instances start with @).
      const created = await durable().instancesCreatedSince(new Date(final.createdTime));
      expect(
        created.filter((status) => !status.instanceId.startsWith('@')).map((status) => status.instanceId),
      ).toEqual([instanceId]);
      expect(eventsOfType(history, 'EventSent').map((event) => event.InstanceId)).toEqual(
        expect.arrayContaining(answers.map((answer) => `@agentthread@${answer.threadId}`)),
      );
      for (const answer of answers) {
        expect(completedBy(history, answer.agent)).toHaveLength(1);
        // The append is a signal: it may land a moment after the run's end is visible.
        const thread = await durable().entityWhen(
          'agentThread',
          answer.threadId,
          (state) => state !== undefined,
        );
        expect(thread).toEqual({
          agent: answer.agent,
          messages: [
            { role: 'user', content: prompt, at: expect.any(String) as unknown },
            { role: 'assistant', content: answer.answer, at: expect.any(String) as unknown },
          ],
          // Filed once in the expiry index: the bucket of the hour slot after its expiry (30 days idle).
          expiryBucket: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z_\d+$/) as unknown,
        });
      }
    });

    it('retries a transient model failure on a durable timer and completes; the failure passes as a value', async () => {
      let chemistCalls = 0;
      fixture.rig.model!.respondWith((request) =>
        toChemist(request) && ++chemistCalls === 1 ? replies.serverError(503) : undefined,
      );
      const prompt = 'What is pressure?';
      const { instanceId } = await panel().startRun(prompt);

      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
      expect(final.output!.answers.map((answer) => [answer.agent, answer.answer, answer.attempts])).toEqual([
        ['Physicist', answerOf(physicist, prompt), 1],
        ['Chemist', answerOf(chemist, prompt), 2],
      ]);
      expect(chemistCalls).toBe(2);

      // The failed attempt completed with a failure value, then the Chemist's retry timer (beside the deadline
      // timer), then its second attempt, all in the panel's history.
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toEqual({
        ExecutionStarted: 1,
        TaskCompleted: 3,
        TimerCreated: 2,
        TimerFired: 1,
        EventSent: 3,
        ExecutionCompleted: 1,
      });
      const failed = eventsOfType(history, 'TaskCompleted').find(
        (event) => (event.Result as AgentAttemptResult).status === 'failed',
      );
      expect(failed!.Result).toMatchObject({ error: { code: 'server_error', retryable: true } });
    });

    it("keeps one agent's answer when the other is refused for good, and reports the failure", async () => {
      fixture.rig.model!.respondWith((request) =>
        toChemist(request) ? replies.promptFiltered('violence', 'medium') : undefined,
      );
      const prompt = 'What is combustion?';
      const { instanceId } = await panel().startRun(prompt);

      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({
        runtimeStatus: 'Completed',
        customStatus: { phase: 'partial', message: '1 of 2 agents answered.' },
        agents: [
          { agent: 'Physicist', state: 'answered' },
          { agent: 'Chemist', state: 'failed', lastErrorCode: 'content_filter' },
        ],
      });
      expect(final.output!.answers.map((answer) => [answer.agent, answer.answer])).toEqual([
        ['Physicist', answerOf(physicist, prompt)],
      ]);
      expect(final.output!.failures).toMatchObject([
        { agent: 'Chemist', status: 'failed', code: 'content_filter', attempts: 1 },
      ]);
      // Not retried, and no thread written for the agent without an answer: one attempt each, one append (and
      // the filing of both new threads, sent before either agent answered).
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toEqual({
        ExecutionStarted: 1,
        TaskCompleted: 2,
        TimerCreated: 1,
        EventSent: 2,
        ExecutionCompleted: 1,
      });
      expect(
        eventsOfType(history, 'EventSent')
          .map((event) => String(event.InstanceId))
          .filter((id) => id.startsWith('@agentthread@')),
      ).toEqual([`@agentthread@${final.output!.answers[0]!.threadId}`]);
      expect(final.output!.failures[0]).toMatchObject({
        status: 'failed',
        code: 'content_filter',
      } satisfies Partial<AgentOutcome>);
    });

    it('fails the run only when no agent answered, naming every agent and why', async () => {
      fixture.rig.model!.respondWith(() => replies.serverError(503));
      const { instanceId } = await panel().startRun('What is enthalpy?');

      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({
        runtimeStatus: 'Failed',
        output: null,
        customStatus: {
          phase: 'failed',
          failures: [
            { agent: 'Physicist', code: 'server_error', attempts: 3 },
            { agent: 'Chemist', code: 'server_error', attempts: 3 },
          ],
        },
      });
      expect(final.error).toMatch(
        /^No agent answered\. Physicist failed \(server_error\): .* Chemist failed \(server_error\): /,
      );

      // Each agent made its three attempts with two timers between them (beside the deadline timer); the panel
      // failed once both had, and wrote no thread (the one operation sent is the new threads' expiry filing,
      // which the sweep skips for threads that were never recorded).
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toEqual({
        ExecutionStarted: 1,
        TaskCompleted: 6,
        TimerCreated: 5,
        TimerFired: 4,
        EventSent: 1,
        ExecutionCompleted: 1,
      });
      expect(String(eventsOfType(history, 'EventSent')[0]!.InstanceId)).toMatch(/^@threadexpirybucket@/);
      expect(eventsOfType(history, 'ExecutionCompleted')[0]).toMatchObject({ OrchestrationStatus: 'Failed' });
    });

    it('completes with the answers it has at the deadline, reporting the late agent timed out', async () => {
      // The Chemist's first attempt times out (3 s), its second starts before the 5 s deadline and is still out then
      // (2 s of slack: on a busy machine the engine takes a while to start the first attempt).
      fixture.rig.model!.respondWith((request) => (toChemist(request) ? { delayMs: 30_000 } : undefined));
      const { instanceId } = await panel().startRun('What is a phase transition?');

      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({
        runtimeStatus: 'Completed',
        customStatus: { phase: 'partial', message: '1 of 2 agents answered.' },
      });
      expect(final.output!.answers.map((answer) => answer.agent)).toEqual(['Physicist']);
      expect(final.output!.failures).toMatchObject([{ agent: 'Chemist', status: 'timed_out' }]);
      // The deadline timer fired (beside the Chemist's retry timer after its first attempt timed out).
      const timers = eventsOfType(await durable().history(instanceId), 'TimerFired');
      const deadline = Date.parse(final.createdTime) + 5000;
      expect(timers.some((timer) => Math.abs(Date.parse(String(timer.FireAt)) - deadline) < 1000)).toBe(true);
    });

    it("continues the Physicist's panel thread with a follow-up turn that sees the earlier exchange", async () => {
      const { instanceId } = await panel().startRun('What is heat?');
      const { final } = await panel().waitForEnd(instanceId);
      const first = final.output!.answers[0]!;

      const response = await fixture.rig.http('POST', '/api/agents/physicist/run', {
        body: JSON.stringify({ message: 'And in a vacuum?', threadId: first.threadId }),
        contentType: 'application/json',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ms-thread-id')).toBe(first.threadId);
      expect(response.json()).toMatchObject({
        agent: 'Physicist',
        threadId: first.threadId,
        answer: answerOf(physicist, 'And in a vacuum?'),
        threadMessageCount: 4,
      });
      expect(messagesOf(fixture.rig.model!.requests.at(-1))).toEqual([
        `system: ${physicist}`,
        'user: What is heat?',
        `assistant: ${first.answer}`,
        'user: And in a vacuum?',
      ]);
      // The follow-up's append (which ends its hold) is a signal: it may land a moment after the reply.
      const thread = (await durable().entityWhen(
        'agentThread',
        first.threadId,
        (state) => (state as { messages: unknown[] }).messages.length === 4,
      )) as {
        messages: unknown[];
        activeTurn?: unknown;
      };
      expect(thread.messages).toHaveLength(4);
      expect(thread.activeTurn).toBeUndefined();
    });

    it('continues conversations the instant each run ends: every follow-up sees every earlier exchange', async () => {
      // The append that records an exchange and ends a turn's hold is a signal, which can land after the run's
      // end is visible; the follow-up's route waits for it. Two conversations of three runs each, every
      // follow-up sent as soon as a fast poll sees the run before it end.
      const conversation = async (tag: string): Promise<number[][]> => {
        const counts: number[][] = [];
        let previous: string | undefined;
        for (const turn of [1, 2, 3]) {
          const response = await fixture.rig.http('POST', '/api/multiagent/run', {
            body: JSON.stringify({
              prompt: `${tag}: question ${turn}?`,
              ...(previous === undefined ? {} : { conversationId: previous }),
            }),
            contentType: 'application/json',
          });
          expect([response.status, response.text]).toEqual([202, expect.any(String)]);
          previous = (response.json() as { instanceId: string }).instanceId;
          const { final } = await panel().waitForEnd(previous, 90_000, 25);
          expect(final.runtimeStatus).toBe('Completed');
          counts.push(final.output!.answers.map((answer) => answer.threadMessageCount ?? 0));
        }
        return counts;
      };
      const tags = ['kestrel', 'osprey'];
      const results = await Promise.all(tags.map((tag) => conversation(tag)));
      for (const counts of results) {
        expect(counts).toEqual([
          [2, 2],
          [4, 4],
          [6, 6],
        ]);
      }
      // The third question of each conversation reached each model with both earlier exchanges.
      for (const tag of tags) {
        const last = fixture.rig.model!.requests.filter((request) =>
          messagesOf(request).includes(`user: ${tag}: question 3?`),
        );
        expect(last).toHaveLength(2);
        for (const request of last) {
          expect(messagesOf(request).filter((message) => message.startsWith(`user: ${tag}:`))).toEqual([
            `user: ${tag}: question 1?`,
            `user: ${tag}: question 2?`,
            `user: ${tag}: question 3?`,
          ]);
        }
      }
    });

    it('never interleaves two turns on one thread: the second gets 409 thread_busy', async () => {
      const started = await fixture.rig.http('POST', '/api/agents/chemist/run', {
        body: JSON.stringify({ message: 'Start a thread.' }),
        contentType: 'application/json',
      });
      const { threadId } = started.json() as { threadId: string };
      fixture.rig.model!.respondWith((request) => ({ ...completion(request, 'slow answer'), delayMs: 1500 }));
      const ask = (message: string) =>
        fixture.rig.http('POST', '/api/agents/chemist/run', {
          body: JSON.stringify({ message, threadId }),
          contentType: 'application/json',
        });
      const outcomes = (await Promise.all([ask('One?'), ask('Two?')])).map((response) => [
        response.status,
        (response.json() as { error?: { code: string } }).error?.code,
      ]);
      expect(outcomes.sort()).toEqual([
        [200, undefined],
        [409, 'thread_busy'],
      ]);
    });

    it('starts nothing for bad input, and says what to fix', async () => {
      const before = new Date();
      const modelCalls = fixture.rig.model!.requests.length;
      const cases: [string, string, number, string][] = [
        ['', 'text/plain', 400, 'empty_prompt'],
        ['\u0000\u0000', 'text/plain', 400, 'empty_prompt'],
        ['{"prompt":', 'application/json', 400, 'invalid_json'],
        ['{"question":"What is heat?"}', 'application/json', 400, 'invalid_body'],
        ['x'.repeat(4001), 'text/plain', 413, 'prompt_too_large'],
        ['prompt=hi', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
        ['What is heat?', 'text/plain; charset=utf-16', 415, 'unsupported_charset'],
      ];
      for (const [body, contentType, status, code] of cases) {
        const response = await panel().start(body, contentType);
        expect([response.status, (response.json() as { error: { code: string } }).error.code]).toEqual([
          status,
          code,
        ]);
      }
      expect(await durable().instancesCreatedSince(before)).toEqual([]);
      expect(fixture.rig.model!.requests).toHaveLength(modelCalls);
    });

    it("shows only panel runs on the status route, and only an agent's own turns on its turn route", async () => {
      const { instanceId } = await panel().startRun('What is entropy?');
      await panel().waitForEnd(instanceId);
      const lone = await fixture.rig.http('POST', '/api/agents/physicist/run', {
        body: JSON.stringify({ message: 'What is work?' }),
        contentType: 'application/json',
      });
      const turn = (lone.json() as { instanceId: string }).instanceId;
      // The engine has the lone turn's orchestration; the panel's status route still does not show it.
      expect((await durable().status(turn)).status).toBe(200);
      const asPanel = await panel().status(turn);
      expect([asPanel.status, (asPanel.json() as { error: { code: string } }).error.code]).toEqual([
        404,
        'instance_not_found',
      ]);
      // Nor does an agent's turn route show a panel run.
      const asTurn = await fixture.rig.http('GET', `/api/agents/physicist/turns/${instanceId}`);
      expect([asTurn.status, (asTurn.json() as { error: { code: string } }).error.code]).toEqual([
        404,
        'instance_not_found',
      ]);
    });

    it('has each agent call its tools for the caffeine and eV question, a round of calls scheduled in one episode as executeTool activities, and answer', async () => {
      const prompt = 'What is the molar mass of caffeine, and how much energy is 1 eV in joules?';
      const mark = fixture.rig.recorder.mark();
      const { instanceId } = await panel().startRun(prompt);

      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
      const answers = final.output!.answers;
      expect(
        answers.map((answer) => [answer.agent, answer.toolCalls, answer.tools, answer.attempts]),
      ).toEqual([
        ['Physicist', 2, ['convert_units', 'physical_constant'], 2],
        ['Chemist', 2, ['molar_mass', 'element_facts'], 2],
      ]);
      expect(answers[0]!.answer).toMatch(/convert_units said .*1\.602176634e-19/);
      expect(answers[1]!.answer).toMatch(/molar_mass said .*"molarMass":194\.19/);

      // The engine's history: per agent, two model attempts and one executeTool activity per call.
      const history = await durable().history(instanceId);
      // What the engine sent the panel last: each episode's scheduled tasks (TaskScheduled), named by function and,
      // through the result each got, by agent.
      const payloads = fixture.rig.recorder
        .since(mark)
        .filter(
          (exchange): exchange is InvocationExchange =>
            exchange.kind === 'orchestration' &&
            (exchange.payload as { instanceId?: string }).instanceId === instanceId,
        );
      const events = (
        payloads.at(-1)!.payload as {
          history: {
            EventType: number;
            Name?: string;
            EventId?: number;
            TaskScheduledId?: number;
            Result?: string;
          }[];
        }
      ).history;
      const agentOfTask = new Map(
        events
          .filter((event) => event.EventType === 5)
          .map((event) => [event.TaskScheduledId, agentOfResult(event.Result)]),
      );
      for (const [agent, tools] of [
        ['Physicist', ['convert_units', 'physical_constant']],
        ['Chemist', ['molar_mass', 'element_facts']],
      ] as const) {
        const completed = completedBy(history, agent);
        expect(completed.map((event) => event.FunctionName)).toEqual([
          'runAgentTurn',
          'executeTool',
          'executeTool',
          'runAgentTurn',
        ]);
        expect(
          completed
            .filter((event) => event.FunctionName === 'executeTool')
            .map((event) => (event.Result as { status: string; tool: string }).tool)
            .sort(),
        ).toEqual([...tools].sort());
        // Both calls of the round scheduled in the same episode, so they ran concurrently.
        const episodes: string[][] = [];
        for (const event of events) {
          if (event.EventType === 12) episodes.push([]);
          if (event.EventType === 4 && agentOfTask.get(event.EventId) === agent) {
            episodes.at(-1)!.push(event.Name ?? '?');
          }
        }
        expect(episodes.filter((scheduled) => scheduled.length > 0)).toEqual([
          ['runAgentTurn'],
          ['executeTool', 'executeTool'],
          ['runAgentTurn'],
        ]);
      }
      // What the model saw: tools offered, then the calls answered by one tool message each.
      const chemistRequests = fixture.rig.model!.requests.filter(
        (request) => toChemist(request) && request.lastUserMessage === prompt,
      );
      expect(chemistRequests.map((request) => request.body.messages!.map((message) => message.role))).toEqual(
        [
          ['system', 'user'],
          ['system', 'user', 'assistant', 'tool', 'tool'],
        ],
      );
    });

    it('hands a failing tool back to the model as its result: the call completes as a value, and the agent answers', async () => {
      fixture.rig.model!.respondWith((request) =>
        toChemist(request) && request.body.tools !== undefined && !hasToolResults(request)
          ? toolCallsReply(request, [{ name: 'molar_mass', arguments: { formula: 'C8H10Q4' } }])
          : undefined,
      );
      const prompt = 'Is caffeine heavy?';
      const { instanceId } = await panel().startRun(prompt);
      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
      const chemistAnswer = final.output!.answers.find((answer) => answer.agent === 'Chemist')!;
      expect(chemistAnswer).toMatchObject({ toolCalls: 1, tools: ['molar_mass'], attempts: 2 });
      expect(chemistAnswer.answer).toMatch(/molar_mass said \{"error":\{"code":"tool_failed"/);

      const history = await durable().history(instanceId);
      expect(completedBy(history, 'Chemist').map((event) => event.FunctionName)).toEqual([
        'runAgentTurn',
        'executeTool',
        'runAgentTurn',
      ]);
      // Two appends and the filing of both new threads in the expiry index.
      expect(eventCounts(history)).toMatchObject({ TaskCompleted: 4, EventSent: 3 });
      const toolCall = eventsOfType(history, 'TaskCompleted').find(
        (event) => event.FunctionName === 'executeTool',
      )!;
      expect(toolCall.Result).toMatchObject({
        status: 'failed',
        tool: 'molar_mass',
        error: { code: 'tool_failed', transient: false },
      });
    });

    it('gives a model that keeps calling tools one last call without tools after the round limit', async () => {
      fixture.rig.model!.respondWith((request) =>
        toChemist(request) && request.body.tools !== undefined
          ? toolCallsReply(request, [{ name: 'element_facts', arguments: { element: 'Fe' } }])
          : undefined,
      );
      const { instanceId } = await panel().startRun('Tell me about iron.');
      const { final } = await panel().waitForEnd(instanceId);
      const chemistAnswer = final.output!.answers.find((answer) => answer.agent === 'Chemist')!;
      // TOOL_MAX_ROUNDS is 2 here: two rounds of one call, then the answer without tools.
      expect(chemistAnswer).toMatchObject({ toolCalls: 2, tools: ['element_facts'], attempts: 3 });
      const history = await durable().history(instanceId);
      expect(completedBy(history, 'Chemist').map((event) => event.FunctionName)).toEqual([
        'runAgentTurn',
        'executeTool',
        'runAgentTurn',
        'executeTool',
        'runAgentTurn',
      ]);
      const [, , last] = fixture.rig.model!.requests.filter(
        (request) => toChemist(request) && request.lastUserMessage === 'Tell me about iron.',
      );
      expect(last!.body.tools).toBeUndefined();
    });

    it('answers 404 for an unknown instance id, on the app route and on the engine', async () => {
      const unknown = '0123456789abcdef0123456789abcdef';
      const response = await panel().status(unknown);
      expect(response.status).toBe(404);
      expect(response.json()).toEqual({
        error: { code: 'instance_not_found', message: `No panel run has the instance id "${unknown}".` },
      });
      const engine = await durable().status(unknown);
      expect([engine.status, engine.text]).toEqual([404, '']);
    });
  },
);
