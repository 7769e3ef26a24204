/**
 * A panel conversation whose threads expired, on the real Durable Functions engine: a follow-up within the idle
 * time continues every agent's thread; once the threads have been idle longer, the follow-up is refused with
 * 404 thread_not_found and starts nothing, rather than a run whose agents silently forgot the conversation.
 */
import * as path from 'node:path';
import packageJson from '../../package.json';
import { DurableApi } from './rig/durableApi';
import { describeEngine, loopbackModel, loopbackModelSettings } from './rig/fixture';

const idleSeconds = 3;

interface StartReply {
  instanceId?: string;
  error?: { code: string; message: string };
}

describeEngine(
  'panel conversations whose threads expired, on the real Durable engine',
  {
    name: 'conversation-expiry',
    entry: path.join(__dirname, '../..', packageJson.main),
    model: loopbackModel,
    settings: (model) => ({
      ...loopbackModelSettings(model),
      MODEL_TIMEOUT_MS: '3000',
      PANEL_DEADLINE_MS: '6000',
      THREAD_IDLE_SECONDS: String(idleSeconds),
      THREAD_EXPIRY_BUCKET_SECONDS: '1',
    }),
  },
  (fixture) => {
    const durable = (): DurableApi => new DurableApi(fixture.rig);
    const start = async (body: object) => {
      const response = await fixture.rig.http('POST', '/api/multiagent/run', {
        body: JSON.stringify(body),
        contentType: 'application/json',
      });
      return { status: response.status, body: response.json() as StartReply };
    };

    it('continues the threads within the idle time, and refuses the follow-up with 404 once they expired', async () => {
      const first = await start({ prompt: 'What is temperature?' });
      expect(first.status).toBe(202);
      const conversationId = first.body.instanceId!;
      expect((await durable().waitForEnd(conversationId)).runtimeStatus).toBe('Completed');

      const again = await start({ prompt: 'And pressure?', conversationId });
      expect(again.status).toBe(202);
      const followUp = await durable().waitForEnd(again.body.instanceId!);
      expect(followUp.runtimeStatus).toBe('Completed');
      // Each agent saw the first exchange: its thread went on.
      const answers = (followUp.output as { answers: { threadMessageCount: number }[] }).answers;
      expect(answers.map((answer) => answer.threadMessageCount)).toEqual([4, 4]);

      await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000 + 500));
      const late = await start({ prompt: 'Still there?', conversationId });
      expect([late.status, late.body.error?.code]).toEqual([404, 'thread_not_found']);
      expect(late.body.error?.message).toContain(
        'has expired or was deleted. Start a new conversation: send the prompt without conversationId.',
      );
      expect(late.body.instanceId).toBeUndefined();
    });
  },
);
