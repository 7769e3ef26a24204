/** Where the live suite finds the running app: the same variables as the ask client. */
export function liveBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.MULTIAGENT_BASE_URL ?? 'http://localhost:7071').replace(/\/+$/, '');
}

export function liveFunctionKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = env.MULTIAGENT_FUNCTION_KEY;
  return key === undefined || key === '' ? undefined : key;
}
