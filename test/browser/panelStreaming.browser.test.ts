import type { Browser, Page } from 'puppeteer-core';
import { appSettingsFor, apiKey, physicistPrompt, chemistPrompt } from '../e2e/builtApp';
import { appEntry } from '../support/appEntry';
import { AzuriteBlob } from '../support/azuriteBlob';
import { FakeOpenAIServer } from '../../scripts/stub-model/fakeOpenAIServer';
import { HostHttpServer } from '../support/hostHttpServer';
import { chromiumFound, describeInBrowser, launchChromium } from './chromium';

/**
 * The panel page watching answers being written: the app on the test host with its stream channel on Azurite,
 * a loopback model that streams a few characters every 40 ms, and Debian's Chromium driven by puppeteer-core.
 * A MutationObserver in the page records every text each column showed, so the tests judge what a user saw.
 */
const functionKey = 'browser-stream-function-key';
const question = 'What is temperature?';
const physicistAnswer = `[${physicistPrompt}] answers: ${question}`;
const chemistAnswer = `[${chemistPrompt}] answers: ${question}`;
const savedEnv = { ...process.env };
let azurite: AzuriteBlob;
let model: FakeOpenAIServer;
let app: HostHttpServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!chromiumFound) return;
  azurite = await AzuriteBlob.start();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  if (!chromiumFound) return;
  await browser.close();
  await azurite.stop();
});

beforeEach(async () => {
  if (!chromiumFound) return;
  model = await FakeOpenAIServer.start({
    apiKey,
    deployments: ['chat'],
    stream: { chunkDelayMs: 40, chunkChars: 3 },
  });
  process.env = { ...savedEnv, ...appSettingsFor(model, { AzureWebJobsStorage: azurite.connectionString }) };
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

const inPage = <T>(expression: string) => page.evaluate(expression) as Promise<T>;

interface Seen {
  agent: string;
  text: string;
  state: string;
  at: number;
}

/** Opens the page with the key, starts recording what each column shows, and asks the question. */
async function askWatching() {
  await page.goto(`${app.origin}/api/panel`);
  await page.waitForSelector('#key-form:not([hidden])');
  await page.type('#key-input', functionKey);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#picker input[value=Physicist]');
  await inPage(`(() => {
    window.seen = [];
    const record = () => {
      for (const column of document.querySelectorAll('.column')) {
        const text = column.querySelector('.text').textContent;
        const state = column.dataset.state || '';
        const last = window.seen.filter((s) => s.agent === column.dataset.agent).at(-1);
        if (!last || last.text !== text || last.state !== state) {
          window.seen.push({ agent: column.dataset.agent, text, state, at: performance.now() });
        }
      }
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true,
    });
  })()`);
  await page.type('#prompt', question);
  await page.click('#ask');
}

async function finished(): Promise<Seen[]> {
  await page.waitForFunction(
    "document.querySelector('#run-status').textContent === '2 of 2 agents answered.'",
    { timeout: 40_000 },
  );
  return inPage<Seen[]>('window.seen');
}

const textsOf = (seen: Seen[], agent: string) => seen.filter((s) => s.agent === agent).map((s) => s.text);

describeInBrowser('the panel page shows the answers as they are written', () => {
  it('grows both columns token by token, at the same time, before either has finished', async () => {
    await askWatching();
    const seen = await finished();
    for (const [agent, answer] of [
      ['Physicist', physicistAnswer],
      ['Chemist', chemistAnswer],
    ] as const) {
      const texts = textsOf(seen, agent).filter((text) => text !== '');
      // Several partial texts, each a beginning of the answer, before the whole of it.
      const partial = texts.filter((text) => text !== answer);
      expect(partial.length).toBeGreaterThanOrEqual(3);
      for (const text of partial) expect(answer.startsWith(text)).toBe(true);
      expect(texts.at(-1)).toBe(answer);
    }
    // A moment where both columns showed part of their answer and neither had answered: the concurrency, visible.
    const both = seen.some((moment, index) => {
      const upTo = seen.slice(0, index + 1);
      const last = (agent: string) => upTo.filter((s) => s.agent === agent).at(-1);
      const p = last('Physicist');
      const c = last('Chemist');
      return (
        p !== undefined &&
        c !== undefined &&
        p.text !== '' &&
        c.text !== '' &&
        p.text !== physicistAnswer &&
        c.text !== chemistAnswer &&
        p.state !== 'answered' &&
        c.state !== 'answered' &&
        moment.at > 0
      );
    });
    expect(both).toBe(true);
  }, 60_000);

  it('drops a broken attempt’s text with the reset, then shows the next attempt’s answer', async () => {
    let physicistCalls = 0;
    model.respondWith((request) =>
      request.systemPrompt === physicistPrompt && ++physicistCalls === 1
        ? { stream: { chunkDelayMs: 40, chunkChars: 3, hangUpAfterChunks: 20 } }
        : undefined,
    );
    await askWatching();
    const seen = await finished();
    const texts = textsOf(seen, 'Physicist');
    const firstText = texts.findIndex((text) => text !== '');
    const cleared = texts.indexOf('', firstText);
    // Text of attempt 1, then the reset empties the column, then attempt 2 writes the answer from its start.
    expect(firstText).toBeGreaterThan(-1);
    expect(cleared).toBeGreaterThan(firstText);
    expect(texts.slice(cleared).filter((text) => text !== '').length).toBeGreaterThanOrEqual(2);
    expect(texts.at(-1)).toBe(physicistAnswer);
    expect(
      await inPage<string>("document.querySelector('.column[data-agent=Physicist] .state').textContent"),
    ).toMatch(/^Answered \(attempt 2 of \d\)$/);
  }, 60_000);

  it('resumes after the connection drops mid-answer: no text missed, none shown twice', async () => {
    const streamRequests: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (/\/api\/multiagent\/[^/]+\/stream$/.test(new URL(request.url()).pathname)) {
        streamRequests.push(request.headers()['last-event-id']);
      }
    });
    await askWatching();
    await page.waitForFunction(
      "document.querySelector('.column[data-agent=Physicist] .text')?.textContent.length > 10",
      { timeout: 20_000 },
    );
    // The connection breaks mid-answer: the page reconnects with the id of the last event it had.
    app.dropConnections();
    const seen = await finished();
    expect(streamRequests.length).toBeGreaterThanOrEqual(2);
    expect(streamRequests[0]).toBeUndefined();
    expect(streamRequests.at(-1)).toEqual(expect.any(String));
    for (const [agent, answer] of [
      ['Physicist', physicistAnswer],
      ['Chemist', chemistAnswer],
    ] as const) {
      const texts = textsOf(seen, agent);
      // Every text the column ever showed is a beginning of the answer: nothing repeated, nothing skipped.
      for (const text of texts) expect(answer.startsWith(text)).toBe(true);
      expect(texts.at(-1)).toBe(answer);
    }
  }, 60_000);
});
