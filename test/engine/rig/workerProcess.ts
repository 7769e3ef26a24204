/**
 * The worker as its own process, for the chaos scenarios: the same sidecar (the app behind the worker stand-in) the
 * rig runs in the test process, here in a child the tests can kill with SIGKILL and start again, as the Functions
 * host restarts a Node worker that died. The rig bundles this file (workerBundle.ts) and runs it under plain Node.
 *
 * Environment: ENGINE_WORKER_ENTRY (the app), ENGINE_WORKER_PORT (fixed, so the .NET host finds the restarted
 * worker where it left the old one), ENGINE_FUNCTION_KEY, ENGINE_CONTROL_URL (the .NET host's control server; the
 * worker takes the durable client binding from it once the host answers), and ENGINE_WORKER_DIE_ON_ENTITY=1 to die
 * (SIGKILL, from inside) when the first entity operation batch reaches it, so a thread operation is in flight then.
 */
import { Recorder } from './recorder';
import { Sidecar } from './sidecar';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`engine-worker: set ${name}`);
  return value;
}

async function connectWhenHostAnswers(sidecar: Sidecar, controlUrl: string): Promise<void> {
  for (;;) {
    try {
      await sidecar.connect(controlUrl);
      console.log('engine-worker: CONNECTED');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function main(): Promise<void> {
  const recorder = new Recorder();
  const sidecar = await Sidecar.start({
    entry: required('ENGINE_WORKER_ENTRY'),
    functionKey: required('ENGINE_FUNCTION_KEY'),
    recorder,
    port: Number(required('ENGINE_WORKER_PORT')),
    // Dies (SIGKILL) as the first batch of the named entity (a function name) reaches the worker.
    ...(process.env.ENGINE_WORKER_DIE_ON_ENTITY !== undefined
      ? {
          beforeInvoke: (kind: string, name: string): void => {
            if (
              kind === 'entity' &&
              name.toLowerCase() === process.env.ENGINE_WORKER_DIE_ON_ENTITY?.toLowerCase()
            )
              process.kill(process.pid, 'SIGKILL');
          },
        }
      : {}),
  });
  console.log(`engine-worker: READY functions=${JSON.stringify(sidecar.durableFunctions())}`);
  void connectWhenHostAnswers(sidecar, required('ENGINE_CONTROL_URL'));
}

main().catch((error: unknown) => {
  console.error('engine-worker: failed to start', error);
  process.exit(1);
});
