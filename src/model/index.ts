import { getSettings } from '../config/settings';
import { ChatModel } from './chatModel';
import { modelApiFor, type CompletionModel } from './modelApi';
import { createOpenAIClient, defaultModelOf } from './openaiClient';
import { ResponsesModel } from './responsesModel';

let chatModel: ChatModel | undefined;
let responsesModel: ResponsesModel | undefined;
let sharedClient: ReturnType<typeof createOpenAIClient> | undefined;

/** One openai client (and one token cache) per worker, built on first use, for both APIs. */
function client(): ReturnType<typeof createOpenAIClient> {
  if (sharedClient === undefined) {
    const settings = getSettings();
    sharedClient = createOpenAIClient(settings.model, { timeoutMs: settings.request.timeoutMs + 5000 });
  }
  return sharedClient;
}

/** The process-wide ChatModel (Chat Completions). */
export function getChatModel(): ChatModel {
  if (chatModel === undefined) {
    const settings = getSettings();
    chatModel = new ChatModel(
      client(),
      defaultModelOf(settings.model),
      settings.request,
      settings.retry.maxRetryAfterMs,
    );
  }
  return chatModel;
}

/** The process-wide ResponsesModel (the Responses API, stateless). */
export function getResponsesModel(): ResponsesModel {
  if (responsesModel === undefined) {
    const settings = getSettings();
    responsesModel = new ResponsesModel(
      client(),
      defaultModelOf(settings.model),
      settings.request,
      settings.retry.maxRetryAfterMs,
    );
  }
  return responsesModel;
}

/** The model for one call, by MODEL_API and whether the call belongs to a turn of an agent with tools. */
export function getModel(call: { toolTurn: boolean }): CompletionModel {
  const settings = getSettings();
  return modelApiFor(settings.modelApi, settings.model, call.toolTurn) === 'responses'
    ? getResponsesModel()
    : getChatModel();
}
