import { defineLiveSuite } from './liveSuite';
import { liveBaseUrl, liveFunctionKey } from './target';

/** npm run test:live: the live suite against the app at MULTIAGENT_BASE_URL (default http://localhost:7071). */
defineLiveSuite(() => ({ baseUrl: liveBaseUrl(), functionKey: liveFunctionKey() }), {
  runTimeoutMs: 240_000,
  pollIntervalMs: 1000,
});
