import { withModelDeadline } from '../../../src/model/modelCall';
import { ModelError } from '../../../src/model/modelError';

describe('withModelDeadline', () => {
  it('aborts a call that outlives its deadline and reports it as a retryable timeout', async () => {
    let aborted = false;
    const error = await withModelDeadline(50, 1000, (signal) => {
      return new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted by the signal'));
        });
      });
    }).catch((caught: unknown) => caught);
    expect(aborted).toBe(true);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect((error as Error).message).toBe('The model did not answer within 50 ms (MODEL_TIMEOUT_MS).');
  });

  it('passes a result through and a ModelError as it is, each call with a signal of its own', async () => {
    const signals: AbortSignal[] = [];
    await expect(
      withModelDeadline(1000, 1000, (signal) => {
        signals.push(signal);
        return Promise.resolve('answer');
      }),
    ).resolves.toBe('answer');
    const refused = new ModelError('refused', 'No.', { retryable: false });
    await expect(
      withModelDeadline(1000, 1000, (signal) => {
        signals.push(signal);
        return Promise.reject(refused);
      }),
    ).rejects.toBe(refused);
    expect(signals[0]).not.toBe(signals[1]);
    expect(signals.every((signal) => !signal.aborted)).toBe(true);
  });
});
