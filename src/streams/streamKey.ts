/** Where one attempt of one agent in one run writes its text: one append blob per key. */
export interface StreamKey {
  runId: string;
  agent: string;
  attempt: number;
}

/** The container every stream lives in; the lifecycle rule in infra/ expires blobs under it. */
export const streamContainer = 'agent-streams';

const segment = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Blob name `<run>/<agent>/<attempt>`: listing `<run>/` finds every agent and attempt of a run in one call. */
export function streamBlobName(key: StreamKey): string {
  if (!segment.test(key.runId) || !segment.test(key.agent)) {
    throw new Error('A stream key needs a run id and agent key of letters, digits, _ . : -');
  }
  if (!Number.isInteger(key.attempt) || key.attempt < 1) {
    throw new Error('A stream key needs an attempt of 1 or more');
  }
  return `${key.runId}/${key.agent.toLowerCase()}/${String(key.attempt)}`;
}

/** The key a listed blob name stands for, or undefined for a name this module did not write. */
export function parseStreamBlobName(name: string): StreamKey | undefined {
  const parts = name.split('/');
  if (parts.length !== 3) {
    return undefined;
  }
  const [runId = '', agent = '', attemptText = ''] = parts;
  const attempt = Number(attemptText);
  if (!segment.test(runId) || !segment.test(agent) || !/^[1-9]\d{0,5}$/.test(attemptText)) {
    return undefined;
  }
  return { runId, agent, attempt };
}
