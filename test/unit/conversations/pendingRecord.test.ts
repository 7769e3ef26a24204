/**
 * A turn records its exchange (and ends its hold) with a signal, so for a moment after its run ends the thread
 * may not show it. threadOf reads such a thread again until it does; these tests hold the signal back on a fake
 * durable client and let it land later, as the entity would.
 */
import { OrchestrationRuntimeStatus } from 'durable-functions';
import { agentCatalog } from '../../../src/agents/catalog';
import { threadOf } from '../../../src/conversations/agentTurns';
import { runThreadId } from '../../../src/conversations/ids';
import { readThreadExpiry } from '../../../src/config/settings';
import { functionNames } from '../../../src/functionNames';
import type { ThreadState } from '../../../src/threads/thread';
import { FakeDurableClient } from '../fakeDurableClient';

const physicist = agentCatalog.agents.find((agent) => agent.name === 'Physicist')!;
const expiry = readThreadExpiry({});
const runId = '0123456789abcdef0123456789abcdef';
const threadId = runThreadId('Physicist', runId)!;
const entityKey = (id: string) => `${functionNames.threadEntity}@${id}`;
const exchange: ThreadState = {
  agent: 'Physicist',
  messages: [
    { role: 'user', content: 'What is time?', at: new Date().toISOString() },
    { role: 'assistant', content: 'It flows.', at: new Date().toISOString() },
  ],
};

/** A panel run that named `threadId`, ended `endedAgoMs` ago by the backend's clock (negative: ahead of ours). */
function panelRun(
  runtimeStatus: OrchestrationRuntimeStatus,
  answered: boolean,
  endedAgoMs = 0,
): FakeDurableClient {
  const client = new FakeDurableClient();
  const outcome = answered
    ? { status: 'answered', agent: 'Physicist', threadId, attempts: 1, answer: 'It flows.', truncated: false }
    : {
        status: 'failed',
        agent: 'Physicist',
        threadId,
        attempts: 3,
        code: 'rate_limited',
        message: 'Too many requests.',
      };
  client.instances.set(runId, {
    name: functionNames.panelOrchestration,
    runtimeStatus,
    lastUpdatedTime: new Date(Date.now() - endedAgoMs).toISOString(),
    input: { prompt: 'What is time?' },
    customStatus: { phase: 'completed', message: 'done', agents: ['Physicist'] },
    output:
      runtimeStatus === OrchestrationRuntimeStatus.Completed
        ? {
            prompt: 'What is time?',
            summary: '1 of 1 agents answered.',
            answers: answered
              ? [
                  {
                    ...outcome,
                    model: 'm',
                    requestedModel: 'm',
                    finishReason: 'stop',
                    usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
                  },
                ]
              : [],
            failures: answered ? [] : [outcome],
            usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
          }
        : null,
  });
  return client;
}

/** The entity's signal landing `afterMs` from now. */
function landsLater(client: FakeDurableClient, id: string, state: ThreadState, afterMs: number): void {
  setTimeout(() => client.entities.set(entityKey(id), state), afterMs);
}

describe('threadOf, for a thread whose run has just ended', () => {
  it("waits for a panel run's first exchange to reach the new thread its id names, then reads it", async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Completed, true);
    landsLater(client, threadId, exchange, 300);
    const read = await threadOf(client, physicist, threadId, undefined, expiry);
    expect(read).toMatchObject({
      ok: true,
      thread: { messages: [{ content: 'What is time?' }, { content: 'It flows.' }] },
    });
  });

  it("waits for a lone turn's first exchange (the turn runs under its new thread's id)", async () => {
    const client = new FakeDurableClient();
    const lone = 'physicist-5b1f7c3e-1111-2222-3333-444455556666';
    client.instances.set(lone, {
      name: functionNames.agentTurnOrchestration,
      runtimeStatus: OrchestrationRuntimeStatus.Completed,
      lastUpdatedTime: new Date().toISOString(),
      input: { agent: { name: 'Physicist' }, threadId: lone },
      output: {
        status: 'answered',
        agent: 'Physicist',
        threadId: lone,
        attempts: 1,
        answer: 'It flows.',
        truncated: false,
        model: 'm',
        requestedModel: 'm',
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      },
    });
    landsLater(client, lone, exchange, 200);
    await expect(threadOf(client, physicist, lone, undefined, expiry)).resolves.toMatchObject({ ok: true });
  });

  it('answers 404 at once when the run that names the thread did not answer on it', async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Completed, false);
    landsLater(client, threadId, exchange, 300);
    const began = Date.now();
    await expect(threadOf(client, physicist, threadId, undefined, expiry)).resolves.toMatchObject({
      ok: false,
      error: { status: 404, code: 'thread_not_found' },
    });
    expect(Date.now() - began).toBeLessThan(250);
  });

  it('answers 409 thread_busy while the run that records the thread is still running', async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Running, true);
    await expect(threadOf(client, physicist, threadId, undefined, expiry)).resolves.toMatchObject({
      ok: false,
      error: { status: 409, code: 'thread_busy' },
    });
  });

  it("waits no longer than 5 s after the run's end, then reads a thread that never showed it as deleted", async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Completed, true, 4_600);
    const began = Date.now();
    await expect(threadOf(client, physicist, threadId, undefined, expiry)).resolves.toMatchObject({
      ok: false,
      error: { status: 404, code: 'thread_not_found' },
    });
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    expect(Date.now() - began).toBeLessThan(1_500);
    // Deleted well after its run's end: gone at once.
    const later = panelRun(OrchestrationRuntimeStatus.Completed, true, 60_000);
    const at = Date.now();
    await expect(threadOf(later, physicist, threadId, undefined, expiry)).resolves.toMatchObject({
      error: { status: 404 },
    });
    expect(Date.now() - at).toBeLessThan(250);
  });

  it('gives up after 5 s in all, even when the backend dates the run ahead of this clock', async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Completed, true, -60_000);
    const began = Date.now();
    const read = await threadOf(client, physicist, threadId, undefined, expiry);
    expect(read).toMatchObject({ ok: false, error: { status: 409, code: 'thread_busy' } });
    expect(!read.ok && read.error.message).toContain('still being recorded');
    expect(Date.now() - began).toBeLessThan(6_500);
  }, 10_000);

  it('waits for the end of a hold whose panel run has ended (the append that ends it is on its way)', async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Completed, true);
    const until = new Date(Date.now() + 60_000).toISOString();
    client.entities.set(entityKey(threadId), {
      ...exchange,
      activeTurn: { turnId: `${runId}:physicist`, until },
    });
    const appended: ThreadState = { ...exchange, messages: [...exchange.messages, ...exchange.messages] };
    landsLater(client, threadId, appended, 300);
    const read = await threadOf(client, physicist, threadId, undefined, expiry);
    expect(read).toMatchObject({ ok: true, thread: { messages: { length: 4 } } });
    expect(read.ok && read.thread.activeTurn).toBeUndefined();
  });

  it('reads a thread held by a turn that is still running as it is, without waiting', async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Running, true);
    const until = new Date(Date.now() + 60_000).toISOString();
    client.entities.set(entityKey(threadId), {
      ...exchange,
      activeTurn: { turnId: `${runId}:physicist`, until },
    });
    const began = Date.now();
    const read = await threadOf(client, physicist, threadId, undefined, expiry);
    expect(read.ok && read.thread.activeTurn?.turnId).toBe(`${runId}:physicist`);
    expect(Date.now() - began).toBeLessThan(250);
  });

  it('does not wait for a hold whose run was cancelled: no signal will end it', async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Terminated, true);
    const until = new Date(Date.now() + 60_000).toISOString();
    client.entities.set(entityKey(threadId), {
      ...exchange,
      activeTurn: { turnId: `${runId}:physicist`, until },
    });
    const began = Date.now();
    await expect(threadOf(client, physicist, threadId, undefined, expiry)).resolves.toMatchObject({
      ok: true,
    });
    expect(Date.now() - began).toBeLessThan(250);
  });

  it("waits for the end of a moderator's or a lone turn's hold once that turn has completed, but not after a crash", async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    const moderatorThread = 'moderator-5b1f7c3e-1111-2222-3333-444455556666';
    const moderator = agentCatalog.agents.find((agent) => agent.name === 'Moderator')!;
    for (const [turnId, name, runtimeStatus, waits] of [
      [
        `${runId}:_synthesis`,
        functionNames.agentTurnOrchestration,
        OrchestrationRuntimeStatus.Completed,
        true,
      ],
      ['lone-turn-1', functionNames.agentTurnOrchestration, OrchestrationRuntimeStatus.Completed, true],
      // A lone turn never fails on its own: Failed is a crash, after which no release is coming.
      ['lone-turn-2', functionNames.agentTurnOrchestration, OrchestrationRuntimeStatus.Failed, false],
    ] as const) {
      const client = new FakeDurableClient();
      client.instances.set(turnId, { name, runtimeStatus, lastUpdatedTime: new Date().toISOString() });
      client.entities.set(entityKey(moderatorThread), {
        agent: 'Moderator',
        messages: exchange.messages,
        activeTurn: { turnId, until },
      });
      landsLater(client, moderatorThread, { agent: 'Moderator', messages: exchange.messages }, 300);
      const read = await threadOf(client, moderator, moderatorThread, undefined, expiry);
      expect([turnId, read.ok && read.thread.activeTurn === undefined]).toEqual([turnId, waits]);
    }
  });

  it("waits for a thread the caller's conversation run recorded, though its id names no run", async () => {
    const client = panelRun(OrchestrationRuntimeStatus.Completed, false);
    const moderatorThread = 'moderator-5b1f7c3e-1111-2222-3333-444455556666';
    const run = client.instances.get(runId)!;
    (run.output as { synthesis?: unknown }).synthesis = {
      status: 'answered',
      agent: 'Moderator',
      threadId: moderatorThread,
      attempts: 1,
      answer: 'Both agree.',
      truncated: false,
      model: 'm',
      requestedModel: 'm',
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    };
    const moderator = agentCatalog.agents.find((agent) => agent.name === 'Moderator')!;
    landsLater(client, moderatorThread, { agent: 'Moderator', messages: exchange.messages }, 300);
    const withoutHint = await threadOf(client, moderator, moderatorThread, undefined, expiry);
    expect(withoutHint).toMatchObject({ ok: false, error: { status: 404 } });
    client.entities.delete(entityKey(moderatorThread));
    landsLater(client, moderatorThread, { agent: 'Moderator', messages: exchange.messages }, 300);
    const withHint = await threadOf(client, moderator, moderatorThread, undefined, expiry, runId);
    expect(withHint).toMatchObject({ ok: true });
  });
});
