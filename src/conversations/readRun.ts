import type { DurableClient } from 'durable-functions';
import { ok, type Result } from '../result';
import { turnView, type TurnView } from './turnView';
import { statusIfAny } from './durableErrors';
import { ownedBy } from './owners';
import { panelRunView, type PanelRunView } from './panelRunView';
import { refuse, type Refusal } from './refusal';

/** A panel run or a lone agent turn, whichever an id names: for a caller that holds an id of either. */
export async function readRun(
  client: Pick<DurableClient, 'getStatus'>,
  instanceId: string,
  owner?: string,
): Promise<Result<{ panel: PanelRunView } | { turn: TurnView }, Refusal>> {
  // With its input: a turn's status names its agent and thread only there, and a run's owner too.
  const read = await statusIfAny(client, instanceId, true);
  const status = read === undefined || !ownedBy(read, owner) ? undefined : read;
  const panel = status === undefined ? undefined : panelRunView(status);
  if (panel !== undefined) {
    return ok({ panel });
  }
  const turn = status === undefined ? undefined : turnView(status);
  return turn === undefined
    ? refuse(404, 'instance_not_found', `No run or turn has the id "${instanceId}".`)
    : ok({ turn });
}
