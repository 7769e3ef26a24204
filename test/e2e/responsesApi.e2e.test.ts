import type { PanelResult } from '../../src/orchestration/panelOrchestration';
import type { RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import type { ItemJson } from '../../scripts/stub-model/fakeResponses';
import { BuiltApp, biologistPrompt, chemistPrompt, physicistPrompt } from './builtApp';

/** The panel on the Responses API (MODEL_API=auto against Azure OpenAI's v1 API), on the built app. */
const caffeine = 'What is the molar mass of caffeine, and how much energy is 1 eV in joules?';

let app: BuiltApp;

afterEach(async () => {
  await app.close();
});

async function runToEnd(body: unknown): Promise<PanelResult> {
  const started = await app.request('POST', '/api/multiagent/run', body);
  expect(started.status).toBe(202);
  const { instanceId } = started.json() as { instanceId: string };
  const snapshot = await app.backend.waitForCompletion(instanceId, 20_000);
  await app.backend.waitForIdle();
  app.backend.assertNoHarnessErrors();
  return snapshot.output as PanelResult;
}

const requestsOf = (prompt: string) =>
  app.model.requests.filter((request) => request.systemPrompt === prompt);
const inputOf = (request: RecordedRequest | undefined) => (request?.body.input ?? []) as ItemJson[];

describe('the panel on the Responses API', () => {
  it('has agents with tools call them through stateless Responses requests that send their reasoning back, and an agent without tools keep Chat Completions', async () => {
    app = await BuiltApp.start({ MODEL_API: 'auto' });
    const output = await runToEnd({ prompt: caffeine, agents: ['Physicist', 'Chemist', 'Biologist'] });

    expect(output.failures).toEqual([]);
    const [physicist, chemist, biologist] = output.answers;
    expect(chemist).toMatchObject({ agent: 'Chemist', toolCalls: 2, tools: ['molar_mass', 'element_facts'] });
    expect(chemist!.answer).toMatch(/molar_mass said .*"molarMass":194\.19/);
    expect(physicist).toMatchObject({ toolCalls: 2, tools: ['convert_units', 'physical_constant'] });
    expect(physicist!.answer).toMatch(/convert_units said .*1\.602176634e-19/);
    expect(biologist).toMatchObject({ agent: 'Biologist' });
    expect(biologist).not.toHaveProperty('tools');

    for (const prompt of [chemistPrompt, physicistPrompt]) {
      const [first, second, ...more] = requestsOf(prompt);
      expect(more).toEqual([]);
      expect([first!.path, second!.path]).toEqual(['/openai/v1/responses', '/openai/v1/responses']);
      expect(first!.body).toMatchObject({ store: false, include: ['reasoning.encrypted_content'] });
      // The round goes back whole: the reasoning item, then the calls it preceded, then one output per call.
      expect(inputOf(second).map((item) => item.type ?? item.role)).toEqual([
        'user',
        'reasoning',
        'function_call',
        'function_call',
        'function_call_output',
        'function_call_output',
      ]);
      expect(inputOf(second)[1]!.encrypted_content).toEqual(expect.any(String));
    }
    expect(requestsOf(biologistPrompt).map((request) => request.path)).toEqual([
      '/openai/v1/chat/completions',
    ]);
    expect(app.model.requests.every((request) => request.answered === 200)).toBe(true);
  });
});
