import { createProgress, describeProgress } from '../../../scripts/ask/progress';
import { CapturedStream } from '../../support/captureStream';

const now = Date.parse('2026-11-25T10:00:00.000Z');

describe('describeProgress', () => {
  it.each([
    [{ state: 'waiting', attempt: 0, maxAttempts: 0 }, 'waiting'],
    [{ state: 'answering', attempt: 1, maxAttempts: 4 }, 'answering'],
    // The second call of a turn after a tool round is no retry.
    [{ state: 'answering', attempt: 2, maxAttempts: 4 }, 'answering'],
    [
      { state: 'answering', attempt: 2, maxAttempts: 4, lastErrorCode: 'rate_limited' },
      'answering (attempt 2, after rate_limited)',
    ],
    [
      { state: 'calling_tool', attempt: 1, maxAttempts: 4, tool: 'molar_mass, element_facts' },
      'calling a tool: molar_mass, element_facts',
    ],
    [
      {
        state: 'retrying',
        attempt: 1,
        maxAttempts: 4,
        nextAttemptAt: '2026-11-25T10:00:02.100Z',
        lastErrorCode: 'rate_limited',
      },
      'retrying in 3 s (attempt 1 of 4 failed: rate_limited)',
    ],
    [{ state: 'answered', attempt: 1, maxAttempts: 1 }, 'answered'],
    [
      { state: 'failed', attempt: 1, maxAttempts: 1, lastErrorCode: 'content_filter' },
      'failed (content_filter)',
    ],
    [{ state: 'timed_out', attempt: 2, maxAttempts: 2 }, 'timed out'],
    [{ state: 'paused', attempt: 0, maxAttempts: 0 }, 'paused'],
  ])('says %j as %j', (progress, words) => {
    expect(describeProgress({ agent: 'Chemist', ...progress }, now)).toBe(words);
  });
});

describe('createProgress', () => {
  it('draws nothing when the stream is not a terminal', () => {
    const stream = new CapturedStream(false);
    const progress = createProgress(stream);
    progress.update([{ agent: 'Physicist', state: 'answering', attempt: 1, maxAttempts: 4 }]);
    progress.stop();
    expect(stream.text).toBe('');
  });

  it('redraws one line per agent in place on a terminal and gives the cursor back', () => {
    const stream = new CapturedStream(true);
    const progress = createProgress(stream, { now: () => now, frameMs: 60_000 });
    progress.update([
      { agent: 'Physicist', state: 'answering', attempt: 1, maxAttempts: 4 },
      { agent: 'Chemist', state: 'waiting', attempt: 0, maxAttempts: 0 },
    ]);
    progress.update([
      { agent: 'Physicist', state: 'answered', attempt: 1, maxAttempts: 1 },
      { agent: 'Chemist', state: 'failed', attempt: 1, maxAttempts: 1, lastErrorCode: 'refused' },
    ]);
    progress.stop();
    progress.update([{ agent: 'Late', state: 'answering', attempt: 1, maxAttempts: 1 }]);

    // The second and third drawings first move the cursor up over the two lines drawn before.
    expect(stream.text.split('\x1b[2F')).toHaveLength(3);
    expect(stream.text.startsWith('\x1b[?25l')).toBe(true);
    expect(stream.text.endsWith('\x1b[?25h')).toBe(true);
    expect(stream.plain).toContain('⠋ Physicist  answering\n⠋ Chemist    waiting\n');
    expect(stream.plain).toContain('✓ Physicist  answered\n✗ Chemist    failed (refused)\n');
    expect(stream.plain).not.toContain('Late');
  });

  it('cuts lines to the terminal width so that redrawing stays in place', () => {
    const stream = new CapturedStream(true);
    stream.columns = 30;
    const progress = createProgress(stream, { frameMs: 60_000 });
    progress.update([{ agent: 'Physicist', state: 'answering', attempt: 3, maxAttempts: 4 }]);
    progress.stop();
    for (const line of stream.plain.split('\n')) {
      expect(line.length).toBeLessThanOrEqual(29);
    }
  });
});
