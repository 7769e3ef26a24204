/** The settings names are the app's own (src/config/settings.json); a unit test keeps them in step. */
export const modelSettingNames = {
  azureEndpoint: 'AZURE_OPENAI_ENDPOINT',
  azureDeployment: 'AZURE_OPENAI_CHAT_DEPLOYMENT_NAME',
  azureKey: 'AZURE_OPENAI_API_KEY',
  baseUrl: 'OPENAI_BASE_URL',
  model: 'OPENAI_MODEL',
} as const;

/** `missing`: nothing is configured at all, which the stub model stands in for; anything else half-set is a typo. */
export type ModelCheck =
  { ok: true; description: string } | { ok: false; missing: boolean; problem: string; help: string[] };

const { azureEndpoint, azureDeployment, azureKey, baseUrl, model } = modelSettingNames;

export const stubModelLine =
  'No model configured: answering with the built-in stub model. Configure Azure OpenAI or Ollama for real answers: docs/local-start.md';

const howToFill = [
  'Fill in one of these in local.settings.json ("Values"), then run npm start again:',
  `  Azure OpenAI:  ${azureEndpoint} and ${azureDeployment}, then sign in with \`az login\``,
  `                 (or also set ${azureKey} to use a key instead of your Entra ID login)`,
  '  Ollama (a local model, no Azure account):',
  '                 install Ollama from https://ollama.com and run `ollama pull llama3.2`, then set',
  `                 ${baseUrl} = http://localhost:11434/v1`,
  `                 ${model}    = llama3.2`,
];

// Empty values count as unset, as in the app: the example file ships every model setting empty.
const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * Whether the app has a model to talk to. The app validates its settings in full when a run starts; this only
 * catches the first-run case of nothing configured, or half of a pair.
 */
export function checkModelSettings(settings: Record<string, string | undefined>): ModelCheck {
  const url = settings[baseUrl];
  const modelName = settings[model];
  if (isSet(url) || isSet(modelName)) {
    if (!isSet(url) || !isSet(modelName)) {
      return {
        ok: false,
        missing: false,
        problem: `${isSet(url) ? model : baseUrl} is empty: an OpenAI-compatible model needs both ${baseUrl} and ${model}.`,
        help: howToFill,
      };
    }
    return { ok: true, description: `OpenAI-compatible model "${modelName}" at ${url}` };
  }
  const endpoint = settings[azureEndpoint];
  const deployment = settings[azureDeployment];
  if (isSet(endpoint) && isSet(deployment)) {
    const auth = isSet(settings[azureKey]) ? `the key in ${azureKey}` : 'your Entra ID login (az login)';
    return { ok: true, description: `Azure OpenAI deployment "${deployment}" at ${endpoint}, with ${auth}` };
  }
  if (isSet(endpoint) || isSet(deployment)) {
    return {
      ok: false,
      missing: false,
      problem: `${isSet(endpoint) ? azureDeployment : azureEndpoint} is empty: Azure OpenAI needs both ${azureEndpoint} and ${azureDeployment}.`,
      help: howToFill,
    };
  }
  return { ok: false, missing: true, problem: 'No model is configured.', help: howToFill };
}
