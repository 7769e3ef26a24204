/**
 * The panel app on the real Durable Functions engine. Each scenario drives the app over HTTP like a user and checks
 * two things: what the user sees (the app's status route: runtime status, custom status, output) and what the
 * engine recorded (the history from the extension's management API, and entity state).
 *
 * This file is the one place that states the app's behaviour on the engine: when the behaviour changes, change the
 * expectations here (and re-record the fixtures with `npm run engine:record`).
 */
import * as path from 'node:path';
import { replies, type RecordedRequest } from '../support/fakeOpenAIServer';
import { PanelApi } from './panelApi';
import { DurableApi, eventsOfType, type DurableHistoryEvent } from './rig/durableApi';
import { describeEngine } from './rig/fixture';
import type { AgentTurnResult } from '../../src/agents/agentTurn';
import type { ThreadState } from '../../src/threads/thread';

const apiKey = 'engine-azure-openai-key-0123456789';
const physicist = 'You are an expert in physics. You answer questions from a physics perspective.';
const chemist = 'You are an expert in chemistry. You answer questions from a chemistry perspective.';
const answerOf = (instructions: string, prompt: string): string => `[${instructions}] answers: ${prompt}`;
const toChemist = (request: RecordedRequest): boolean => request.systemPrompt === chemist;

/** How many events of each type the engine recorded, e.g. { TaskCompleted: 2, ... }. */
function eventCounts(history: DurableHistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of history) counts[event.EventType] = (counts[event.EventType] ?? 0) + 1;
  return counts;
}

describeEngine(
  'the panel on the real Durable engine',
  {
    name: 'panel',
    entry: path.join(__dirname, '../../dist/src/index.js'),
    model: { apiKey, deployments: ['chat'] },
    settings: (model) => ({
      AZURE_OPENAI_ENDPOINT: model!.azureEndpoint,
      AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
      AZURE_OPENAI_API_KEY: apiKey,
      OPENAI_BASE_URL: '',
      // One model call per activity attempt, so a transient failure reaches the durable retry at once.
      MODEL_MAX_RETRIES: '0',
      MODEL_TIMEOUT_MS: '10000',
    }),
  },
  (fixture) => {
    const panel = (): PanelApi => new PanelApi(fixture.rig);
    const durable = (): DurableApi => new DurableApi(fixture.rig);

    afterEach(() => {
      fixture.rig.model!.respondWith(undefined);
    });

    it('completes with both answers, and keeps a thread per agent', async () => {
      const prompt = 'What is temperature?';
      const { instanceId, response } = await panel().startRun(prompt);
      expect(response.headers.get('location')).toBe(
        (response.json() as { statusQueryGetUri: string }).statusQueryGetUri,
      );
      expect(response.headers.get('retry-after')).toBe('10');

      // What the user sees.
      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({
        runtimeStatus: 'Completed',
        customStatus: { phase: 'completed', message: 'Physicist and Chemist answered.' },
      });
      const answers = final.output!.answers;
      expect(answers.map((answer) => [answer.agent, answer.answer, answer.threadMessageCount])).toEqual([
        ['Physicist', answerOf(physicist, prompt), 2],
        ['Chemist', answerOf(chemist, prompt), 2],
      ]);

      // What the engine recorded: one activity per agent, one thread entity call per agent, then completion.
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toEqual({
        ExecutionStarted: 1,
        TaskCompleted: 2,
        EventSent: 2,
        EventRaised: 2,
        ExecutionCompleted: 1,
      });
      const turns = eventsOfType(history, 'TaskCompleted');
      expect(turns.map((event) => event.FunctionName)).toEqual(['runAgentTurn', 'runAgentTurn']);
      expect(turns.map((event) => (event.Result as AgentTurnResult).agent).sort()).toEqual([
        'Chemist',
        'Physicist',
      ]);
      expect(
        eventsOfType(history, 'EventSent')
          .map((event) => event.InstanceId)
          .sort(),
      ).toEqual(answers.map((answer) => `@agentthread@${answer.threadKey}`).sort());
      expect(eventsOfType(history, 'ExecutionCompleted')[0]).toMatchObject({
        OrchestrationStatus: 'Completed',
      });

      for (const answer of answers) {
        expect(await durable().entity('agentThread', answer.threadKey)).toEqual({
          agent: answer.agent,
          messages: [
            { role: 'user', content: prompt },
            { role: 'assistant', content: answer.answer },
          ],
        } satisfies ThreadState);
      }
    });

    it('retries a transient model failure with a durable retry, and completes', async () => {
      let chemistCalls = 0;
      fixture.rig.model!.respondWith((request) =>
        toChemist(request) && ++chemistCalls === 1 ? replies.serverError(503) : undefined,
      );
      const prompt = 'What is pressure?';
      const { instanceId } = await panel().startRun(prompt);

      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'completed' } });
      expect(final.output!.answers.map((answer) => [answer.agent, answer.answer])).toEqual([
        ['Physicist', answerOf(physicist, prompt)],
        ['Chemist', answerOf(chemist, prompt)],
      ]);
      expect(chemistCalls).toBe(2);

      // The failed attempt, the retry timer, and the second attempt's success.
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toMatchObject({
        TaskFailed: 1,
        TimerCreated: 1,
        TimerFired: 1,
        TaskCompleted: 2,
      });
      expect(eventsOfType(history, 'TaskFailed')[0]!.Reason).toBe(
        "Activity function 'runAgentTurn' failed:  server_error: The model service failed (503): 503 The server had an error while processing your request.",
      );
    });

    it('fails the run, naming the agent and the cause, when every attempt of an agent fails', async () => {
      fixture.rig.model!.respondWith((request) =>
        toChemist(request) ? replies.serverError(503) : undefined,
      );
      const { instanceId } = await panel().startRun('What is entropy?');

      const reason =
        'Chemist failed after 3 attempts: server_error: The model service failed (503): 503 The server had an error while processing your request.';
      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({
        runtimeStatus: 'Failed',
        output: null,
        error: reason,
        customStatus: { phase: 'failed', message: reason },
      });

      // Three attempts, each followed by a timer (the last one is the retry policy's zero-delay timer); the
      // physicist's answer arrived, but the failed Task.all ends the run without recording any thread.
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toEqual({
        ExecutionStarted: 1,
        TaskCompleted: 1,
        TaskFailed: 3,
        TimerCreated: 3,
        TimerFired: 3,
        ExecutionCompleted: 1,
      });
      expect(eventsOfType(history, 'ExecutionCompleted')[0]).toMatchObject({
        OrchestrationStatus: 'Failed',
        Result: `Orchestrator function 'multiAgentPanel' failed: ${reason}`,
      });
    });

    it('fails the run only after every agent has used all its attempts, when every model call fails', async () => {
      fixture.rig.model!.respondWith(() => replies.serverError(503));
      const { instanceId } = await panel().startRun('What is enthalpy?');

      const { final } = await panel().waitForEnd(instanceId);
      expect(final).toMatchObject({
        runtimeStatus: 'Failed',
        output: null,
        customStatus: { phase: 'failed' },
      });
      // The README promises every failed agent is named; the app names only the first one whose attempts ran out
      // (Task.all fails fast in durable-functions), although the engine lets the other one finish its attempts.
      expect(final.error).toMatch(
        /^(Physicist|Chemist) failed after 3 attempts: server_error: The model service failed \(503\)/,
      );

      // Both agents' three attempts and three timers: the engine ends a failed Task.all only when all members have.
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toEqual({
        ExecutionStarted: 1,
        TaskFailed: 6,
        TimerCreated: 6,
        TimerFired: 6,
        ExecutionCompleted: 1,
      });
    });

    it('starts nothing for bad input, and says what to fix', async () => {
      const before = new Date();
      const modelCalls = fixture.rig.model!.requests.length;
      const cases: [string, string, number, string][] = [
        ['', 'text/plain', 400, 'empty_prompt'],
        ['{"prompt":', 'application/json', 400, 'invalid_json'],
        ['{"question":"What is heat?"}', 'application/json', 400, 'invalid_body'],
        ['x'.repeat(4001), 'text/plain', 413, 'prompt_too_large'],
        ['prompt=hi', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
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
