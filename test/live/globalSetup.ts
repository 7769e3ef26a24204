import { probeApp } from './probe';
import { liveBaseUrl, liveFunctionKey } from './target';

/**
 * Before any live test: finds the running app (waiting up to MULTIAGENT_WAIT_SECONDS for one that is starting),
 * or stops the run with what to do.
 */
export default async function globalSetup(): Promise<void> {
  const baseUrl = liveBaseUrl();
  const key = liveFunctionKey();
  const waitMs = Number(process.env.MULTIAGENT_WAIT_SECONDS ?? '0') * 1000;
  const deadline = Date.now() + (Number.isFinite(waitMs) ? waitMs : 0);
  let probe = await probeApp(baseUrl, key);
  while (!probe.ready && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    probe = await probeApp(baseUrl, key);
  }
  if (!probe.ready) {
    const instructions = [
      '',
      `npm run test:live needs the app running, and ${probe.reason}.`,
      '',
      '  Start it in another terminal with npm start (see docs/local-start.md), then run npm run test:live again.',
      '  Another address: MULTIAGENT_BASE_URL=https://<app>.azurewebsites.net MULTIAGENT_FUNCTION_KEY=<key> npm run test:live',
      '  To wait for a host that is still starting: MULTIAGENT_WAIT_SECONDS=120 npm run test:live',
      '  (npm test does not need a running app; test:live is the suite for a real host, see docs/testing.md.)',
      '',
    ].join('\n');
    // Jest prints a global setup's error with its stack; the instructions are the part to read.
    console.error(instructions);
    throw new Error(`No app at ${baseUrl}: ${probe.reason}`);
  }
}
