/**
 * Structured output and the moderator on the real Durable Functions engine: a one-agent request with an output
 * schema (valid, invalid once, invalid twice) and a panel run that asks for a synthesis while one agent fails.
 * What the user sees over HTTP, and what the engine recorded: each model call an activity, the re-ask one more,
 * the moderator one more sub-orchestration after the fan-in.
 */
import * as path from 'node:path';
import packageJson from '../../package.json';
import { replies, type RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import { invalidOutputText } from '../../scripts/stub-model/fakeStructuredOutput';
import { agentCatalog } from '../../src/agents/catalog';
import type { AgentAnswer } from '../../src/orchestration/agentOutcome';
import { PanelApi } from './panelApi';
import { DurableApi, eventsOfType, type DurableHistoryEvent } from './rig/durableApi';
import { describeEngine, loopbackModel, loopbackModelSettings } from './rig/fixture';

const physicist = 'You are an expert in physics. You answer questions from a physics perspective.';
const chemist = 'You are an expert in chemistry. You answer questions from a chemistry perspective.';
const moderator = agentCatalog.moderator!.instructions;

const reading = {
  type: 'object',
  properties: { value: { type: 'number' }, unit: { type: 'string' } },
  required: ['value', 'unit'],
  additionalProperties: false,
};

function eventCounts(history: DurableHistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of history) counts[event.EventType] = (counts[event.EventType] ?? 0) + 1;
  return counts;
}

describeEngine(
  'structured output and the moderator on the real Durable engine',
  {
    name: 'outputAndSynthesis',
    entry: path.join(__dirname, '../..', packageJson.main),
    model: loopbackModel,
    settings: (model) => ({
      ...loopbackModelSettings(model),
      AGENT_MAX_ATTEMPTS: '3',
      AGENT_RETRY_DELAY_MS: '500',
      AGENT_RETRY_MAX_DELAY_MS: '1000',
      MODEL_TIMEOUT_MS: '3000',
      PANEL_DEADLINE_MS: '30000',
    }),
  },
  (fixture) => {
    const durable = (): DurableApi => new DurableApi(fixture.rig);
    const requestsSince = (mark: number, prompt: string): RecordedRequest[] =>
      fixture.rig.model!.requests.slice(mark).filter((request) => request.systemPrompt === prompt);

    afterEach(() => {
      fixture.rig.model!.respondWith(undefined);
    });

    const askPhysicist = (message: string) =>
      fixture.rig.http('POST', '/api/agents/physicist/run', {
        body: JSON.stringify({ message, output: { name: 'reading', schema: reading } }),
        contentType: 'application/json',
      });

    it('answers with data valid for the schema, from one model-call activity', async () => {
      const mark = fixture.rig.model!.requests.length;
      const response = await askPhysicist('How much energy is 1 eV?');
      expect(response.status).toBe(200);
      const body = response.json() as { data: unknown; answer: string; instanceId: string; threadId: string };
      expect(body.data).toEqual({ value: 1, unit: 'unit (canned)' });
      expect(JSON.parse(body.answer)).toEqual(body.data);
      // The Physicist has tools, so MODEL_API auto asks the Responses API, whose text.format is the schema.
      expect(requestsSince(mark, physicist).map((request) => [request.api, request.body.text])).toEqual([
        ['responses', { format: { type: 'json_schema', name: 'reading', schema: reading, strict: true } }],
      ]);
      expect(eventCounts(await durable().history(body.instanceId))).toMatchObject({ TaskCompleted: 1 });
      expect(
        eventsOfType(await durable().history(body.instanceId), 'ExecutionCompleted')[0]!.Result,
      ).toMatchObject({ status: 'answered', data: { value: 1, unit: 'unit (canned)' } });
    });

    it('asks again once, as a second model-call activity, when the answer is not JSON', async () => {
      const mark = fixture.rig.model!.requests.length;
      const response = await askPhysicist('How much energy is 1 eV? [invalid output once]');
      expect(response.status).toBe(200);
      const body = response.json() as { data: unknown; attempts: number; instanceId: string };
      expect(body).toMatchObject({ attempts: 2, data: { value: 1, unit: 'unit (canned)' } });
      const [, again] = requestsSince(mark, physicist);
      expect(again!.body.messages!.slice(-2).map((message) => message.role)).toEqual(['assistant', 'user']);
      expect(again!.body.messages!.at(-2)!.content).toBe(invalidOutputText);
      expect(eventCounts(await durable().history(body.instanceId))).toMatchObject({ TaskCompleted: 2 });
    });

    it('reports invalid_output after the second invalid answer, recording no thread', async () => {
      const mark = fixture.rig.model!.requests.length;
      const response = await askPhysicist('How much energy is 1 eV? [invalid output]');
      expect(response.status).toBe(502);
      const body = response.json() as { instanceId: string; failure: unknown };
      expect(body.failure).toMatchObject({ status: 'failed', code: 'invalid_output', attempts: 2 });
      expect(requestsSince(mark, physicist)).toHaveLength(2);
      const turn = await durable().history(body.instanceId);
      expect(eventCounts(turn)).toEqual({ ExecutionStarted: 1, TaskCompleted: 2, ExecutionCompleted: 1 });
    });

    it('merges the answers there are when one agent failed, as one more sub-orchestration after the fan-in', async () => {
      fixture.rig.model!.respondWith((request) =>
        request.systemPrompt === chemist ? replies.promptFiltered('violence', 'medium') : undefined,
      );
      const mark = fixture.rig.model!.requests.length;
      const response = await fixture.rig.http('POST', '/api/multiagent/run', {
        body: JSON.stringify({ prompt: 'What is combustion?', synthesize: true }),
        contentType: 'application/json',
      });
      expect(response.status).toBe(202);
      const { instanceId, moderator: named } = response.json() as { instanceId: string; moderator: string };
      expect(named).toBe('Moderator');

      const { final, seen } = await new PanelApi(fixture.rig).waitForEnd(instanceId);
      expect(final).toMatchObject({
        runtimeStatus: 'Completed',
        customStatus: { phase: 'partial', moderator: 'Moderator' },
      });
      expect(seen.at(-1)).toBe('Completed/partial');
      const output = final.output!;
      expect(output.answers.map((answer) => answer.agent)).toEqual(['Physicist']);
      expect(output.failures).toMatchObject([{ agent: 'Chemist', code: 'content_filter' }]);
      const synthesis = output.synthesis as AgentAnswer;
      expect(synthesis).toMatchObject({ status: 'answered', agent: 'Moderator', threadMessageCount: 2 });
      const [asked] = requestsSince(mark, moderator);
      expect(asked!.lastUserMessage).toContain(`## Physicist\n${output.answers[0]!.answer}`);
      expect(asked!.lastUserMessage).toMatch(/No answer from: Chemist\.$/);

      // The panel's history: the two turns inside it (their model calls its own activities), then the
      // moderator's turn, its only sub-orchestration.
      const history = await durable().history(instanceId);
      expect(eventCounts(history)).toMatchObject({ SubOrchestrationInstanceCompleted: 1 });
      expect(
        eventsOfType(history, 'TaskCompleted').filter((event) => event.FunctionName === 'runAgentTurn')
          .length,
      ).toBeGreaterThanOrEqual(2);
      const moderatorTurn = await durable().history(`${instanceId}:_synthesis`);
      expect(eventCounts(moderatorTurn)).toMatchObject({ TaskCompleted: 1, EventSent: 1 });
      // The moderator's append is a signal: it may land a moment after the run's end is visible.
      expect(
        await durable().entityWhen('agentThread', synthesis.threadId, (state) => state !== undefined),
      ).toMatchObject({
        agent: 'Moderator',
        messages: [{ role: 'user' }, { role: 'assistant', content: synthesis.answer }],
      });
    });
  },
);
