import type { ModelTarget } from '../config/settings';
import type { ChatCompletionResult, ChatMessage, ChatTool, CompleteOptions } from './chatModel';
import { azureV1ApiVersion } from './openaiClient';

/** The model APIs the app speaks, and the setting (MODEL_API) that chooses between them. */
export const modelApiSettings = ['auto', 'responses', 'chat'] as const;
export type ModelApiSetting = (typeof modelApiSettings)[number];
export type ModelApi = 'responses' | 'chat';

/** What the attempt needs of a model, whichever API it speaks: ChatModel and ResponsesModel both are one. */
export interface CompletionModel {
  readonly defaultModel: string;
  complete(
    messages: ChatMessage[],
    model?: string,
    tools?: ChatTool[],
    options?: CompleteOptions,
  ): Promise<ChatCompletionResult>;
}

/** Whether a target is Azure OpenAI's v1 API or OpenAI itself: the services that serve the Responses API. */
export function servesResponses(target: ModelTarget): boolean {
  if (target.kind === 'azure-openai') {
    // The dated deployments API predates Responses on most versions: it keeps Chat Completions.
    return target.apiVersion === azureV1ApiVersion;
  }
  return new URL(target.baseUrl).hostname === 'api.openai.com';
}

/**
 * The API one model call uses. `toolTurn`: the call belongs to a turn of an agent with tools (it offers tools, or
 * sends back the rounds of one). `auto` uses Responses for those on the services that serve it, where a reasoning
 * model keeps its reasoning between rounds; every other call keeps the Chat Completions request it always had.
 */
export function modelApiFor(setting: ModelApiSetting, target: ModelTarget, toolTurn: boolean): ModelApi {
  if (setting !== 'auto') {
    return setting;
  }
  return toolTurn && servesResponses(target) ? 'responses' : 'chat';
}
