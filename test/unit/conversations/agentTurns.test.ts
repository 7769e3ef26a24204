import { OrchestrationRuntimeStatus } from 'durable-functions';
import { agentCatalog } from '../../../src/agents/catalog';
import { readAgentTurn } from '../../../src/conversations/agentTurns';
import { functionNames } from '../../../src/functionNames';
import { FakeDurableClient } from '../fakeDurableClient';

const physicist = agentCatalog.agents.find((agent) => agent.name === 'Physicist')!;

function turn(runtimeStatus: OrchestrationRuntimeStatus, output: unknown, customStatus?: unknown) {
  const client = new FakeDurableClient();
  client.instances.set('turn1', {
    name: functionNames.agentTurnOrchestration,
    runtimeStatus,
    input: { agent: { name: 'Physicist' }, threadId: 'physicist-1' },
    output,
    customStatus,
  });
  return client;
}

describe('readAgentTurn', () => {
  it('reports a failed outcome with its code and attempts', async () => {
    const client = turn(OrchestrationRuntimeStatus.Completed, {
      status: 'failed',
      agent: 'Physicist',
      threadId: 'physicist-1',
      code: 'rate_limited',
      message: 'Too many requests.',
      attempts: 3,
    });
    await expect(readAgentTurn(client, physicist, 'turn1')).resolves.toMatchObject({
      ok: true,
      turn: { state: 'failed', failure: { status: 'failed', code: 'rate_limited', attempts: 3 } },
    });
  });

  it('treats stored output that is not an outcome as a failed turn, never as an answer', async () => {
    const client = turn(OrchestrationRuntimeStatus.Completed, { status: 'answered', answer: 42 });
    await expect(readAgentTurn(client, physicist, 'turn1')).resolves.toMatchObject({
      ok: true,
      turn: { state: 'failed', failure: { code: 'orchestration_failed' } },
    });
  });

  it('passes live progress on only when it has the progress shape', async () => {
    const live = turn(OrchestrationRuntimeStatus.Running, null, {
      agent: 'Physicist',
      state: 'retrying',
      attempt: 1,
      maxAttempts: 3,
    });
    await expect(readAgentTurn(live, physicist, 'turn1')).resolves.toMatchObject({
      turn: { state: 'running', progress: { state: 'retrying' } },
    });
    const garbled = turn(OrchestrationRuntimeStatus.Running, null, { state: 7 });
    const read = await readAgentTurn(garbled, physicist, 'turn1');
    expect(read.ok && 'progress' in read.turn).toBe(false);
  });
});
