import { applyThreadOperation, threadEntityKey } from '../../src/threads/thread';

const turn = (question: string, answer: string) => ({
  agent: 'Physicist',
  messages: [
    { role: 'user' as const, content: question },
    { role: 'assistant' as const, content: answer },
  ],
});

describe('thread operations', () => {
  it('appends turns in order and counts messages', () => {
    const first = applyThreadOperation(undefined, 'appendTurn', turn('q1', 'a1'));
    expect(first.result).toEqual({ ok: true, messageCount: 2 });
    const second = applyThreadOperation(first.state, 'appendTurn', turn('q2', 'a2'));
    expect(second.result).toEqual({ ok: true, messageCount: 4 });
    expect(second.state?.messages.map((message) => message.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(applyThreadOperation(second.state, 'get', undefined).result).toEqual({
      ok: true,
      messageCount: 4,
      thread: second.state,
    });
  });

  it('returns structured errors instead of throwing', () => {
    const state = applyThreadOperation(undefined, 'appendTurn', turn('q', 'a')).state;
    expect(
      applyThreadOperation(state, 'appendTurn', { ...turn('q', 'a'), agent: 'Chemist' }).result,
    ).toMatchObject({
      ok: false,
      error: { code: 'agent_mismatch' },
    });
    expect(
      applyThreadOperation(state, 'appendTurn', { agent: 'Physicist', messages: [] }).result,
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    const unknown = applyThreadOperation(state, 'delete', undefined);
    expect(unknown.result).toMatchObject({ ok: false, error: { code: 'unknown_operation' } });
    expect(unknown.state).toBe(state);
  });

  it('keys a thread by agent and thread id', () => {
    expect(threadEntityKey('Physicist', 'abc')).toBe('physicist:abc');
  });
});
