import type { ModelTarget } from '../../../src/config/settings';
import { modelApiFor, servesResponses } from '../../../src/model/modelApi';

const azure = (apiVersion: string): ModelTarget => ({
  kind: 'azure-openai',
  endpoint: 'https://example.openai.azure.com/',
  deployment: 'chat',
  apiVersion,
  auth: { kind: 'entra-id' },
});
const compatible = (baseUrl: string): ModelTarget => ({
  kind: 'openai-compatible',
  baseUrl,
  model: 'm',
  apiKey: 'k',
});

describe('modelApiFor (MODEL_API)', () => {
  it('auto: Responses for tool turns on Azure OpenAI v1 and OpenAI; Chat Completions for every other call', () => {
    expect(modelApiFor('auto', azure('v1'), true)).toBe('responses');
    expect(modelApiFor('auto', compatible('https://api.openai.com/v1'), true)).toBe('responses');
    // An agent without tools keeps the request it always had.
    expect(modelApiFor('auto', azure('v1'), false)).toBe('chat');
    // Servers that may lack /v1/responses, and the dated deployments API.
    expect(modelApiFor('auto', compatible('http://localhost:11434/v1'), true)).toBe('chat');
    expect(modelApiFor('auto', compatible('http://127.0.0.1:5005/v1'), true)).toBe('chat');
    expect(modelApiFor('auto', azure('2024-10-21'), true)).toBe('chat');
  });

  it('responses and chat choose the API for every call, whatever the target', () => {
    expect(modelApiFor('responses', compatible('http://localhost:1234/v1'), false)).toBe('responses');
    expect(modelApiFor('chat', azure('v1'), true)).toBe('chat');
  });

  it('knows the services that serve the Responses API', () => {
    expect(servesResponses(azure('v1'))).toBe(true);
    expect(servesResponses(compatible('https://api.openai.com/v1'))).toBe(true);
    expect(servesResponses(compatible('https://api.openai.com.example.net/v1'))).toBe(false);
  });
});
