import { getSettings } from '../config/settings';
import { ChatModel } from './chatModel';
import { createOpenAIClient, defaultModelOf } from './openaiClient';

let chatModel: ChatModel | undefined;

/** The process-wide ChatModel: one openai client (and one token cache) per worker, built on first use. */
export function getChatModel(): ChatModel {
  if (chatModel === undefined) {
    const settings = getSettings();
    chatModel = new ChatModel(
      createOpenAIClient(settings.model, { timeoutMs: settings.request.timeoutMs + 5000 }),
      defaultModelOf(settings.model),
      settings.request,
      settings.retry.maxRetryAfterMs,
    );
  }
  return chatModel;
}
