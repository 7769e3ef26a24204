/**
 * The openai SDK, loaded on first use so a cold start does not pay for it (~120 ms). Everything that needs its
 * classes at run time goes through here, so the client and the error checks always share one copy of the
 * module. A plain require, not import(): a dynamic import would load openai's ESM build, whose error classes
 * are not the CommonJS ones the client throws.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const loadOpenAI = () => require('openai') as typeof import('openai');
