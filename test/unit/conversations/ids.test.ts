import {
  isOwnThreadIdOf,
  isValidSessionId,
  newThreadId,
  recordingRunOf,
  runThreadId,
  sessionThreadId,
} from '../../../src/conversations/ids';

describe('session ids and the threads they name', () => {
  it('derives one fixed-size key per agent, owner and session id', () => {
    const key = sessionThreadId('Physicist', 'session-001', undefined);
    expect(key).toMatch(/^physicist-s-[0-9a-f]{40}$/);
    expect(sessionThreadId('physicist', 'session-001', undefined)).toBe(key);
    expect(sessionThreadId('Chemist', 'session-001', undefined)).not.toBe(
      key.replace('physicist', 'chemist'),
    );
    expect(sessionThreadId('Physicist', 'session-001', 'o-aaaa')).not.toBe(key);
    expect(sessionThreadId('Physicist', 'session-001', 'o-aaaa')).not.toBe(
      sessionThreadId('Physicist', 'session-001', 'o-bbbb'),
    );
    expect(sessionThreadId('Physicist', 'x'.repeat(128), undefined)).toHaveLength(key.length);
  });

  it("recognises the agent's minted and session ids, and nothing else, as its own", () => {
    const minted = newThreadId('Physicist');
    const session = sessionThreadId('Physicist', 'a', undefined);
    expect([minted, session].map((id) => isOwnThreadIdOf('Physicist', id))).toEqual([true, true]);
    expect(isOwnThreadIdOf('Chemist', minted)).toBe(false);
    expect(isOwnThreadIdOf('Physicist', 'physicist-notes')).toBe(false);
    expect(isOwnThreadIdOf('Physicist', `${session}0`)).toBe(false);
    expect(isOwnThreadIdOf('Physicist', `x${minted}`)).toBe(false);
  });

  it('takes 1-128 printable ASCII characters without spaces as a session id', () => {
    expect(['session-001', 'a', 'x'.repeat(128), 'user@example/1'].map(isValidSessionId)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['', 'x'.repeat(129), 'a b', 'séance', 'a\nb'].map(isValidSessionId)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("names a panel run's new thread after the run, and finds the run from the thread's id", () => {
    const runId = '0123456789abcdef0123456789abcdef';
    const threadId = runThreadId('Physicist', runId)!;
    expect(threadId).toBe('physicist-01234567-89ab-cdef-0123-456789abcdef');
    expect(isOwnThreadIdOf('Physicist', threadId)).toBe(true);
    expect(recordingRunOf(threadId)).toBe(runId);
    expect(recordingRunOf(runThreadId('Lab Assistant', runId)!)).toBe(runId);
    // A run id the backend did not mint names no thread; an id that is not "<key>-<uuid>" names no run.
    expect(runThreadId('Physicist', 'my-run')).toBeUndefined();
    expect(recordingRunOf(sessionThreadId('Physicist', 'a', undefined))).toBeUndefined();
    expect(recordingRunOf('physicist-notes')).toBeUndefined();
  });
});
