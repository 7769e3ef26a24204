import { blobStreamChannel, type StreamChannel } from '../../../src/streams/blobChannel';
import { storageConnectionFrom } from '../../../src/streams/storageConnection';
import type { StreamKey } from '../../../src/streams/streamKey';
import { readStoredDeltas, type StoredDelta } from '../../../src/streams/streamReader';
import { createStreamWriter } from '../../../src/streams/streamWriter';
import { AzuriteBlob } from '../../support/azuriteBlob';

/** The stream channel against a real Azurite blob service: writer batches, reader resumes, failures stay quiet. */
let azurite: AzuriteBlob;
let channel: StreamChannel;
let runCounter = 0;

beforeAll(async () => {
  azurite = await AzuriteBlob.start();
  const result = storageConnectionFrom({ AzureWebJobsStorage: azurite.connectionString });
  if (!result.ok) throw new Error(result.problem);
  channel = blobStreamChannel(result.connection);
});

afterAll(async () => {
  await azurite.stop();
});

const newRun = () => `run${String(++runCounter)}${String(Date.now())}`;
const textOf = (deltas: StoredDelta[], agent: string, attempt: number) =>
  deltas
    .filter((d) => d.agent === agent && d.attempt === attempt)
    .map((d) => d.text)
    .join('');

describe('stream channel on Azurite', () => {
  it('keeps each agent and attempt in order, whatever the interleaving of their writers', async () => {
    const runId = newRun();
    const physicist = createStreamWriter(channel, { runId, agent: 'physicist', attempt: 1 });
    const chemist = createStreamWriter(channel, { runId, agent: 'chemist', attempt: 1 });
    const tokens = Array.from({ length: 60 }, (_, i) => `t${String(i)} `);
    for (const token of tokens) {
      physicist.write(token);
      chemist.write(token.toUpperCase());
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const [p, c] = await Promise.all([physicist.close(), chemist.close()]);
    expect(p.degraded).toBe(false);
    expect(c.degraded).toBe(false);

    const deltas = await readStoredDeltas(channel, runId, {});
    expect(textOf(deltas, 'physicist', 1)).toBe(tokens.join(''));
    expect(textOf(deltas, 'chemist', 1)).toBe(tokens.join('').toUpperCase());
  });

  it('writes in bounded batches: far fewer writes than tokens, and at most about one per interval', async () => {
    const runId = newRun();
    const writer = createStreamWriter(
      channel,
      { runId, agent: 'physicist', attempt: 1 },
      { intervalMs: 100, maxChars: 100_000 },
    );
    const started = Date.now();
    for (let i = 0; i < 200; i += 1) {
      writer.write('ab');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const report = await writer.close();
    const elapsed = Date.now() - started;
    expect(report.chars).toBe(400);
    // One creation plus one append per started interval, and the final flush.
    expect(report.writes).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 3);
    expect(report.writes).toBeLessThan(100);
  });

  it('writes as soon as maxChars are waiting, without waiting for the interval', async () => {
    const runId = newRun();
    const writer = createStreamWriter(
      channel,
      { runId, agent: 'chemist', attempt: 1 },
      { intervalMs: 60_000, maxChars: 10 },
    );
    writer.write('0123456789abc');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const deltas = await readStoredDeltas(channel, runId, {});
    expect(textOf(deltas, 'chemist', 1)).toBe('0123456789abc');
    await writer.close();
  });

  it('resumes after a given position: nothing missed, nothing repeated, a new attempt read from its start', async () => {
    const runId = newRun();
    const first = createStreamWriter(channel, { runId, agent: 'physicist', attempt: 1 });
    first.write('Héllo, ');
    await first.close();
    const before = await readStoredDeltas(channel, runId, {});
    const end = before.at(-1)!.end;
    expect(end).toBe(Buffer.byteLength('Héllo, '));

    await channel.append({ runId, agent: 'physicist', attempt: 1 }, 'wörld ✓');
    const next = createStreamWriter(channel, { runId, agent: 'physicist', attempt: 2 });
    next.write('second attempt');
    await next.close();

    const after = await readStoredDeltas(channel, runId, { physicist: { attempt: 1, offset: end } });
    expect(textOf(after, 'physicist', 1)).toBe('wörld ✓');
    expect(textOf(after, 'physicist', 2)).toBe('second attempt');
    const fromAttempt2 = await readStoredDeltas(channel, runId, { physicist: { attempt: 2, offset: 6 } });
    expect(fromAttempt2.map((d) => d.text).join('')).toBe(' attempt');
  });

  it('creates the blob at once when asked, before any text; readers skip it while it is empty', async () => {
    const runId = newRun();
    const key: StreamKey = { runId, agent: 'physicist', attempt: 1 };
    const writer = createStreamWriter(channel, key, { createAtOnce: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await channel.list(runId)).toEqual([{ key, length: 0 }]);
    expect(await readStoredDeltas(channel, runId, {})).toEqual([]);
    writer.write('first words');
    const report = await writer.close();
    expect(report).toMatchObject({ degraded: false, writes: 2, chars: 11 });
    expect(textOf(await readStoredDeltas(channel, runId, {}), 'physicist', 1)).toBe('first words');
  });

  it('refuses a second writer of the same attempt: the first execution owns its stream', async () => {
    const key: StreamKey = { runId: newRun(), agent: 'chemist', attempt: 1 };
    const first = createStreamWriter(channel, key);
    first.write('from the first execution');
    await first.close();
    const again = createStreamWriter(channel, key, { createAtOnce: true });
    again.write('from a second one');
    expect(await again.close()).toMatchObject({ degraded: true });
    expect(textOf(await readStoredDeltas(channel, key.runId, {}), 'chemist', 1)).toBe(
      'from the first execution',
    );
  });

  it('carries a 2 MB answer whole, read back in bounded deltas of whole characters', async () => {
    const runId = newRun();
    const key: StreamKey = { runId, agent: 'chemist', attempt: 1 };
    const writer = createStreamWriter(channel, key);
    const unit = 'Entropy é ∆ 🧪 ';
    let answer = '';
    while (answer.length < 2 * 1024 * 1024) answer += unit;
    for (let i = 0; i < answer.length; i += 5000) {
      writer.write(answer.slice(i, i + 5000));
    }
    const report = await writer.close();
    expect(report.degraded).toBe(false);
    expect(report.chars).toBe(answer.length);

    const deltas = await readStoredDeltas(channel, runId, {});
    expect(deltas.length).toBeGreaterThan(60);
    expect(deltas.every((d) => Buffer.byteLength(d.text) <= 32 * 1024)).toBe(true);
    expect(deltas.every((d) => !d.text.includes('\uFFFD'))).toBe(true);
    expect(textOf(deltas, 'chemist', 1)).toBe(answer);
    expect(deltas.at(-1)!.end).toBe(Buffer.byteLength(answer));
  }, 60_000);

  it('when the storage stops, the writer goes quiet and reports degraded; nothing reaches the caller', async () => {
    const own = await AzuriteBlob.start();
    const result = storageConnectionFrom({ AzureWebJobsStorage: own.connectionString });
    if (!result.ok) throw new Error(result.problem);
    const failing = blobStreamChannel(result.connection);
    const key: StreamKey = { runId: newRun(), agent: 'physicist', attempt: 1 };
    const writer = createStreamWriter(failing, key, { intervalMs: 20 });
    writer.write('before the outage ');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writer.degraded).toBe(false);

    await own.stop();
    expect(() => {
      writer.write('during the outage');
    }).not.toThrow();
    const report = await writer.close();
    expect(report.degraded).toBe(true);
    expect(writer.degraded).toBe(true);
    expect(report.problem).toEqual(expect.any(String));
    // Quiet afterwards: further text is dropped without another attempt or an error.
    writer.write('after');
    await expect(writer.close()).resolves.toMatchObject({ degraded: true, writes: report.writes });
  }, 60_000);
});
