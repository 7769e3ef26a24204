/**
 * A tool turn on the Responses API (MODEL_API=auto against Azure OpenAI's v1 API) on the real Durable engine: the
 * round's carry (the encrypted reasoning items) travels through the engine's history from one model-call activity
 * to the next, and the loopback model accepts the reasoning it gets back only whole and in order.
 */
import * as path from 'node:path';
import packageJson from '../../package.json';
import type { ItemJson } from '../../scripts/stub-model/fakeResponses';
import type { AgentAttemptResult } from '../../src/agents/agentAttempt';
import { PanelApi } from './panelApi';
import { DurableApi, eventsOfType } from './rig/durableApi';
import { describeEngine, loopbackModel, loopbackModelSettings } from './rig/fixture';

const chemist = 'You are an expert in chemistry. You answer questions from a chemistry perspective.';

describeEngine(
  'the Responses API on the real Durable engine',
  {
    name: 'responses',
    entry: path.join(__dirname, '../..', packageJson.main),
    model: loopbackModel,
    settings: (model) => ({
      ...loopbackModelSettings(model),
      MODEL_API: 'auto',
      AGENT_MAX_ATTEMPTS: '2',
      MODEL_TIMEOUT_MS: '5000',
      PANEL_DEADLINE_MS: '30000',
    }),
  },
  (fixture) => {
    it("runs a Chemist tool turn whose reasoning goes back to the model through the engine's history", async () => {
      const prompt = 'What is the molar mass of caffeine?';
      const panel = new PanelApi(fixture.rig);
      const { instanceId } = await panel.startRun(
        JSON.stringify({ prompt, agents: ['Chemist'] }),
        'application/json',
      );
      const { final } = await panel.waitForEnd(instanceId);
      expect(final).toMatchObject({ runtimeStatus: 'Completed' });
      const [answer] = final.output!.answers;
      expect(answer).toMatchObject({
        agent: 'Chemist',
        toolCalls: 2,
        tools: ['molar_mass', 'element_facts'],
      });
      expect(answer!.answer).toMatch(/molar_mass said .*"molarMass":194\.19/);

      // The engine's history: the first model call returned the carry (the turn runs inside the panel, whose
      // only agent is the Chemist).
      const turn = await new DurableApi(fixture.rig).history(instanceId);
      const attempts = eventsOfType(turn, 'TaskCompleted').filter(
        (event) => event.FunctionName === 'runAgentTurn',
      );
      const first = attempts[0]!.Result as AgentAttemptResult;
      expect(first).toMatchObject({
        status: 'tool_calls',
        carry: expect.stringContaining('"reasoning"') as unknown,
      });
      // What the model saw: two Responses calls, the second with the reasoning before the calls it preceded.
      const requests = fixture.rig.model!.requests.filter((request) => request.systemPrompt === chemist);
      expect(requests.map((request) => [request.path, request.answered])).toEqual([
        ['/openai/v1/responses', 200],
        ['/openai/v1/responses', 200],
      ]);
      expect(((requests[1]!.body.input ?? []) as ItemJson[]).map((item) => item.type ?? item.role)).toEqual([
        'user',
        'reasoning',
        'function_call',
        'function_call',
        'function_call_output',
        'function_call_output',
      ]);
      // The reasoning item the second call sent is the one the first activity returned: it travelled in the
      // turn's history, as the next activity's input, since the activities share nothing else.
      const carried = JSON.parse((first as { carry: string }).carry) as ItemJson[];
      expect(((requests[1]!.body.input ?? []) as ItemJson[])[1]).toEqual(carried[0]);
    });
  },
);
