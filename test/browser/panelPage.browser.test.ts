import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { appSettingsFor, apiKey, physicistPrompt, chemistPrompt } from '../e2e/builtApp';
import { appEntry, projectRoot } from '../support/appEntry';
import { FakeOpenAIServer, replies } from '../../scripts/stub-model/fakeOpenAIServer';
import { toolCallsReply } from '../../scripts/stub-model/fakeToolCalls';
import { HostHttpServer } from '../support/hostHttpServer';
import { chromiumFound, describeInBrowser, launchChromium } from './chromium';

/**
 * The panel page in a real headless Chromium (Debian's package, driven by puppeteer-core: no browser download),
 * served by the built app on the test host with the loopback model behind it.
 */
const functionKey = 'browser-function-key';
const question = 'What is temperature?';
const savedEnv = { ...process.env };
let model: FakeOpenAIServer;
let app: HostHttpServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!chromiumFound) return;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  if (chromiumFound) await browser.close();
});

beforeEach(async () => {
  if (!chromiumFound) return;
  // Slow enough to see both agents working at once.
  model = await FakeOpenAIServer.start({ apiKey, deployments: ['chat'], delayMs: 300 });
  process.env = { ...savedEnv, ...appSettingsFor(model) };
  app = await HostHttpServer.start(appEntry, functionKey);
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 800 });
});

afterEach(async () => {
  if (!chromiumFound) return;
  await page.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the app failed to load
  await app?.close();
  await model.close();
  process.env = { ...savedEnv };
});

// Expressions run in the page as strings: the project's types have no DOM library.
const inPage = <T>(expression: string) => page.evaluate(expression) as Promise<T>;
const textOf = (selector: string) =>
  inPage<string>(`document.querySelector(${JSON.stringify(selector)}).textContent`);

async function openWithKey(key: string) {
  await page.goto(`${app.origin}/api/panel`);
  await page.waitForSelector('#key-form:not([hidden])');
  await page.type('#key-input', key);
  await page.keyboard.press('Enter');
}

describeInBrowser('the panel page in Chromium', () => {
  it('is served with a policy that allows nothing external', async () => {
    const response = await page.goto(`${app.origin}/api/panel`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|\*|unsafe-inline/);
    // The page's own script ran under that policy: it asked for the agents and met the key check.
    await page.waitForSelector('#key-form:not([hidden])');
  });

  it('asks once for the key, asks the panel, and shows both agents’ answers in their own columns', async () => {
    await openWithKey(functionKey);
    await page.waitForSelector('#picker input[value=Physicist]');
    expect(await inPage<boolean>("document.querySelector('#picker input[value=Physicist]').checked")).toBe(
      true,
    );
    expect(await page.evaluate(() => sessionStorage.getItem('panel.functionKey'))).toBe(functionKey);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await page.type('#prompt', question);
    // Keyboard only: Ctrl+Enter in the question box sends it.
    await page.keyboard.down('Control');
    await page.keyboard.press('Enter');
    await page.keyboard.up('Control');

    await page.waitForSelector('.column[data-agent=Physicist][data-state=answered]', { timeout: 20_000 });
    await page.waitForSelector('.column[data-agent=Chemist][data-state=answered]', { timeout: 20_000 });
    expect(await textOf('.column[data-agent=Physicist] .text')).toBe(
      `[${physicistPrompt}] answers: ${question}`,
    );
    expect(await textOf('.column[data-agent=Chemist] .text')).toBe(`[${chemistPrompt}] answers: ${question}`);
    expect(await textOf('.column[data-agent=Physicist] .meta')).toMatch(
      /^\d+ tokens \(\d+ in, \d+ out\), \d+\.\d s$/,
    );
    expect(await textOf('#run-status')).toBe('2 of 2 agents answered.');
    expect(await textOf('#error')).toBe('');

    // The docs' screenshot is refreshed on demand (DOCS_SCREENSHOTS=1); otherwise it goes to a temporary folder,
    // so a test run leaves the worktree clean.
    const shots =
      process.env.DOCS_SCREENSHOTS === '1'
        ? path.join(projectRoot, 'docs/images')
        : mkdtempSync(path.join(tmpdir(), 'panel-'));
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'panel-page.png') });
    expect(statSync(path.join(shots, 'panel-page.png')).size).toBeGreaterThan(10_000);

    // A follow-up in one column continues that agent's thread.
    await page.type('.column[data-agent=Physicist] .follow-up textarea', 'And in a vacuum?');
    await page.click('.column[data-agent=Physicist] .follow-up button');
    await page.waitForSelector('.column[data-agent=Physicist] .follow-up-answer', { timeout: 20_000 });
    expect(await textOf('.column[data-agent=Physicist] .follow-up-answer')).toBe(
      `Physicist: [${physicistPrompt}] answers: And in a vacuum?`,
    );
    const lastRequest = model.requests.at(-1)!;
    // The thread's earlier exchange went to the model with the follow-up.
    expect(JSON.stringify(lastRequest.body)).toContain(question);
  }, 60_000);

  it('says in words when the prompt is empty, and sends nothing', async () => {
    await openWithKey(functionKey);
    await page.waitForSelector('#picker input[value=Physicist]');
    const before = model.requests.length;
    await page.type('#prompt', '   ');
    await page.click('#ask');
    await page.waitForFunction("document.querySelector('#error').textContent !== ''");
    expect(await textOf('#error')).toBe('Type a question first: the prompt is empty.');
    expect(await page.$$('.column')).toHaveLength(0);
    expect(model.requests.length).toBe(before);
  });

  it('says in words that no agent answered when every agent failed', async () => {
    // A content-filter refusal is final: no retry, so both agents fail at once and the run fails.
    model.respondWith(() => replies.promptFiltered());
    await openWithKey(functionKey);
    await page.waitForSelector('#picker input[value=Physicist]');
    await page.type('#prompt', question);
    await page.click('#ask');
    await page.waitForFunction(
      "document.querySelector('#error').textContent.startsWith('No agent answered.')",
      {
        timeout: 20_000,
      },
    );
    expect(await textOf('#run-status')).toBe('The run failed.');
    expect(await textOf('#error')).toMatch(/Physicist/);
  }, 60_000);

  it('says the key was refused when it is wrong, and asks for it again', async () => {
    await openWithKey('not-the-key');
    await page.waitForFunction("/refused/.test(document.querySelector('#error').textContent)");
    expect(await textOf('#error')).toBe(
      'The function key was refused (401). Enter the app’s function key again.',
    );
    expect(await inPage<boolean>("document.querySelector('#key-form').hidden")).toBe(false);
    expect(await page.evaluate(() => sessionStorage.getItem('panel.functionKey'))).toBeNull();
  });

  it('names the tools an agent called once it has answered, not its model calls as attempts', async () => {
    // The Chemist asks for molar_mass once, then answers with the result: two model calls, no retry.
    model.respondWith((request) =>
      request.systemPrompt === chemistPrompt &&
      request.body.tools !== undefined &&
      !(request.body.messages ?? []).some((message) => message.role === 'tool')
        ? toolCallsReply(request, [{ name: 'molar_mass', arguments: { formula: 'C8H10N4O2' } }])
        : undefined,
    );
    await openWithKey(functionKey);
    await page.waitForSelector('#picker input[value=Physicist]');
    await page.type('#prompt', question);
    await page.click('#ask');
    await page.waitForFunction(
      "document.querySelector('#run-status').textContent === '2 of 2 agents answered.'",
      { timeout: 30_000 },
    );
    expect(await textOf('.column[data-agent=Chemist] .state')).toBe('Answered (tools: molar_mass)');
    expect(await textOf('.column[data-agent=Physicist] .state')).toBe('Answered');
  }, 60_000);

  it('follows the real stream route: both answers arrive, a rate-limited agent’s at its second attempt, with no polling', async () => {
    // The first model call is refused once (429): that agent's turn waits on a durable timer and tries again.
    model.enqueue(replies.rateLimited(1));
    const paths: string[] = [];
    page.on('request', (request) => {
      paths.push(new URL(request.url()).pathname);
    });
    await openWithKey(functionKey);
    await page.waitForSelector('#picker input[value=Physicist]');
    await page.type('#prompt', question);
    await page.click('#ask');
    await page.waitForFunction(
      "document.querySelector('#run-status').textContent === '2 of 2 agents answered.'",
      { timeout: 30_000 },
    );
    expect(await textOf('.column[data-agent=Physicist] .text')).toBe(
      `[${physicistPrompt}] answers: ${question}`,
    );
    expect(await textOf('.column[data-agent=Chemist] .text')).toBe(`[${chemistPrompt}] answers: ${question}`);
    // The refused agent answered at its second attempt (the durable timer runs on the host's virtual clock, too
    // briefly to catch "retrying" on screen); the attempts come from the stream's answer event.
    const states = await inPage<string[]>(
      "[...document.querySelectorAll('.column .state')].map((state) => state.textContent).sort()",
    );
    expect(states).toEqual(['Answered', 'Answered (attempt 2 of 2)']);
    // The page read the run from its streamUri, and never fell back to polling the status route.
    expect(paths.filter((p) => /^\/api\/multiagent\/[^/]+\/stream$/.test(p)).length).toBeGreaterThanOrEqual(
      1,
    );
    expect(paths.filter((p) => p.startsWith('/api/multiagent/status/'))).toEqual([]);
  }, 60_000);
});
