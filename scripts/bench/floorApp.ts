/**
 * The floor the engine benchmark compares the panel with: the least a durable app can do for the same answers. An
 * HTTP starter, an orchestrator that fans out one activity per agent with Task.all, and an activity that makes the
 * same model call as the panel's (same client library, same system prompts); no threads, retries, deadline or
 * progress. Loaded by the engine rig like the app (dist-bench/scripts/bench/floorApp.js).
 */
import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { AzureOpenAI } from 'openai';

const agents = [
  {
    name: 'Physicist',
    system: 'You are an expert in physics. You answer questions from a physics perspective.',
  },
  {
    name: 'Chemist',
    system: 'You are an expert in chemistry. You answer questions from a chemistry perspective.',
  },
];

let model: AzureOpenAI | undefined;

df.app.activity('floorAsk', {
  handler: async (input: { system: string; prompt: string }) => {
    model ??= new AzureOpenAI({
      endpoint: process.env.AZURE_OPENAI_ENDPOINT,
      apiKey: process.env.AZURE_OPENAI_API_KEY,
      deployment: process.env.AZURE_OPENAI_CHAT_DEPLOYMENT_NAME,
      apiVersion: '2024-10-21',
    });
    const completion = await model.chat.completions.create({
      model: process.env.AZURE_OPENAI_CHAT_DEPLOYMENT_NAME ?? 'chat',
      messages: [
        { role: 'system', content: input.system },
        { role: 'user', content: input.prompt },
      ],
    });
    return completion.choices[0]?.message.content ?? '';
  },
});

df.app.orchestration('floorPanel', function* (context) {
  const prompt = context.df.getInput<string>();
  const answers = (yield context.df.Task.all(
    agents.map((agent) => context.df.callActivity('floorAsk', { system: agent.system, prompt })),
  )) as string[];
  return agents.map((agent, i) => ({ agent: agent.name, answer: answers[i] }));
});

app.http('floorRun', {
  route: 'floor/run',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const client = df.getClient(context);
    const instanceId = await client.startNew('floorPanel', { input: await request.text() });
    return { status: 202, jsonBody: { instanceId } };
  },
});

app.http('floorStatus', {
  route: 'floor/status/{instanceId}',
  methods: ['GET'],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const status = await df.getClient(context).getStatus(request.params.instanceId ?? '');
    return { status: 200, jsonBody: { runtimeStatus: status.runtimeStatus, output: status.output ?? null } };
  },
});
