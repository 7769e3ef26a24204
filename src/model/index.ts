import { getSettings } from '../config/settings';
import { ChatModel } from './chatModel';
import { createOpenAIClient, defaultModelOf } from './openaiClient';

let chatModel: ChatModel | undefined;

/** The process-wide ChatModel: one openai client (and one token cache) per worker, built on first use. */
export function getChatModel(): ChatModel {
  if (chatModel === undefined) {
    const settings = getSettings();
    chatModel = new ChatModel(
      createOpenAIClient(settings.model, { timeoutMs: settings.modelTimeoutMs + 5000 }),
      defaultModelOf(settings.model),
      {
        timeoutMs: settings.modelTimeoutMs,
        maxRetries: settings.modelMaxRetries,
        maxRetryAfterMs: settings.modelMaxRetryAfterMs,
      },
    );
  }
  return chatModel;
}
