import { createCatalog } from '../../../src/agents/catalog';
import { readThreadExpiry } from '../../../src/config/settings';
import { expirySweepInput, idleTimeText, threadExpiryInput } from '../../../src/conversations/threadExpiry';

const catalog = createCatalog({
  agents: [
    { name: 'Physicist', instructions: 'Physics.' },
    { name: 'Chemist', instructions: 'Chemistry.', threadIdleSeconds: 7200 },
    { name: 'Archivist', instructions: 'Keeps everything.', threadIdleSeconds: null },
  ],
  panel: ['Physicist'],
});

describe('thread expiry settings per agent', () => {
  it("gives each agent its own idle time from agents.json, else THREAD_IDLE_SECONDS, and null for 'never'", () => {
    const expiry = readThreadExpiry({ THREAD_IDLE_SECONDS: '60', THREAD_EXPIRY_SWEEP_MAX: '7' });
    expect(expirySweepInput(catalog, expiry)).toEqual({
      idleMs: { Physicist: 60_000, Chemist: 7_200_000, Archivist: null },
      defaultIdleMs: 60_000,
      bucketSeconds: 3600,
      shards: 16,
      maxThreads: 7,
      maxSlots: 24,
    });
    expect(threadExpiryInput(catalog.agents[1]!, expiry)).toEqual({
      idleMs: 7_200_000,
      bucketSeconds: 3600,
      shards: 16,
    });
    expect(expirySweepInput(catalog, readThreadExpiry({ THREAD_EXPIRY_BUCKET_SECONDS: '1' })).maxSlots).toBe(
      48,
    );
  });

  it('refuses settings out of range, naming them', () => {
    expect(() => readThreadExpiry({ THREAD_IDLE_SECONDS: '0' })).toThrow(
      'THREAD_IDLE_SECONDS must be at least 1.',
    );
    expect(() => readThreadExpiry({ THREAD_EXPIRY_SWEEP_SCHEDULE: 'every 5 minutes' })).toThrow(
      'THREAD_EXPIRY_SWEEP_SCHEDULE must be an NCRONTAB expression',
    );
    expect(() =>
      createCatalog({ agents: [{ name: 'X', instructions: 'x', threadIdleSeconds: 0.5 }], panel: ['X'] }),
    ).toThrow('whole number of seconds');
  });

  it('states an idle time in its largest whole unit', () => {
    expect(idleTimeText(2_592_000_000)).toBe('30 days');
    expect(idleTimeText(3_600_000)).toBe('1 hour');
    expect(idleTimeText(90_000)).toBe('90 seconds');
    expect(idleTimeText(120_000)).toBe('2 minutes');
  });
});
