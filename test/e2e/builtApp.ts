import { DurableBackend } from '../host/durableBackend';
import { FunctionsHost, type HostHttpResponse } from '../host/functionsHost';
import { appEntry } from '../support/appEntry';
import { FakeOpenAIServer, type RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';

export { appEntry } from '../support/appEntry';
export const functionKey = 'e2e-function-key';
export const apiKey = 'e2e-azure-openai-key-0123456789';
export const physicistPrompt =
  'You are an expert in physics. You answer questions from a physics perspective.';
export const chemistPrompt =
  'You are an expert in chemistry. You answer questions from a chemistry perspective.';
export const biologistPrompt =
  'You are an expert in biology. You answer questions from a biology perspective.';

/** A model request's messages as "role: content" lines, to compare what the model was sent. */
export const messagesOf = (request: RecordedRequest | undefined): string[] =>
  (request?.body.messages ?? []).map((message) => `${message.role}: ${message.content}`);

/** The app settings the end-to-end tests run with: the loopback model, and short timeouts and attempts. */
export function appSettingsFor(
  model: FakeOpenAIServer,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AZURE_OPENAI_ENDPOINT: model.azureEndpoint,
    AZURE_OPENAI_CHAT_DEPLOYMENT_NAME: 'chat',
    AZURE_OPENAI_API_KEY: apiKey,
    MODEL_TIMEOUT_MS: '5000',
    AGENT_MAX_ATTEMPTS: '3',
    // The suites read Chat Completions requests; the Responses path's suite sets MODEL_API itself.
    MODEL_API: 'chat',
    ...extra,
  };
}

/** The built app on the host and Durable stand-ins, with a loopback Azure OpenAI behind it. */
export class BuiltApp {
  private constructor(
    readonly host: FunctionsHost,
    readonly backend: DurableBackend,
    readonly model: FakeOpenAIServer,
    private readonly savedEnv: NodeJS.ProcessEnv,
  ) {}

  /** `entry`: another build of the app (e.g. test/support/mcpAgentApp.ts); the deployed bundle by default. */
  static async start(env: Record<string, string> = {}, entry: string = appEntry): Promise<BuiltApp> {
    const model = await FakeOpenAIServer.start({ apiKey, deployments: ['chat'] });
    const savedEnv = { ...process.env };
    process.env = { ...savedEnv, ...appSettingsFor(model, env) };
    const host = await FunctionsHost.load(entry);
    host.setFunctionKey(functionKey);
    const backend = await DurableBackend.start(host);
    return new BuiltApp(host, backend, model, savedEnv);
  }

  async close(): Promise<void> {
    await this.backend.close();
    await this.host.stop();
    await this.model.close();
    process.env = this.savedEnv;
  }

  /** A call with the function key, JSON bodies sent as application/json. */
  request(
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HostHttpResponse> {
    return this.host.http(method, route, {
      headers: { 'x-functions-key': functionKey, ...headers },
      ...(body === undefined ? {} : { body }),
    });
  }
}
