/**
 * Is the app running at a base URL? A status read of a run that cannot exist answers 404 instance_not_found from
 * this app, and only from this app; anything else says what is wrong instead.
 */
export type ProbeResult = { ready: true } | { ready: false; reason: string };

const unknownRun = '00000000000000000000000000000000';

function headers(functionKey: string | undefined): Record<string, string> {
  return functionKey === undefined ? {} : { 'x-functions-key': functionKey };
}

export async function probeApp(baseUrl: string, functionKey?: string): Promise<ProbeResult> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/api/multiagent/status/${unknownRun}`, {
      headers: headers(functionKey),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { ready: false, reason: `nothing answers at ${baseUrl} (${cause?.code ?? String(error)})` };
  }
  const text = await response.text();
  if (response.status === 404 && text.includes('"instance_not_found"')) {
    return { ready: true };
  }
  if (response.status === 401) {
    return { ready: false, reason: `${baseUrl} wants a function key: set MULTIAGENT_FUNCTION_KEY` };
  }
  return {
    ready: false,
    reason: `${baseUrl} answers, but not as this app does (status ${response.status}: ${text.slice(0, 200) || 'no body'})`,
  };
}
