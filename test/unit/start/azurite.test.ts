import { join } from 'node:path';
import { azuritePorts, ensureAzurite, resolveAzuriteBin } from '../../../scripts/start/azurite';
import { fakePorts, fakeStart } from './fakes';

const projectDir = join('/', 'work', 'app');

function setup(open: number[], comesUp = true) {
  const probe = fakePorts(open);
  const start = fakeStart();
  const waited: (readonly number[])[] = [];
  const deps = {
    projectDir,
    probe,
    start,
    waitForPorts: (ports: readonly number[]) => {
      waited.push(ports);
      return Promise.resolve(comesUp);
    },
    azuriteBin: () => '/deps/azurite/dist/src/azurite.js',
  };
  return { deps, start, waited };
}

describe('the Azurite check', () => {
  it('uses an Azurite that already answers on 10000-10002 and starts nothing', async () => {
    const { deps, start } = setup([...azuritePorts]);
    expect(await ensureAzurite(deps)).toEqual({ ok: true, state: 'running' });
    expect(start.started).toEqual([]);
  });

  it('starts the dev dependency with this Node in the background, its data and log under .azurite', async () => {
    const { deps, start, waited } = setup([]);
    const result = await ensureAzurite(deps);
    expect(start.started).toHaveLength(1);
    const [azurite] = start.started;
    expect(result).toEqual({
      ok: true,
      state: 'started',
      process: azurite,
      logFile: join(projectDir, '.azurite', 'azurite.log'),
    });
    expect(azurite!.command).toBe(process.execPath);
    expect(azurite!.args).toEqual([
      '/deps/azurite/dist/src/azurite.js',
      '--silent',
      '--location',
      join(projectDir, '.azurite'),
      '--debug',
      join(projectDir, '.azurite', 'debug.log'),
      '--skipApiVersionCheck',
    ]);
    expect(azurite!.options.output).toEqual({ logFile: join(projectDir, '.azurite', 'azurite.log') });
    expect(waited).toEqual([azuritePorts]);
  });

  it('stops the Azurite it started when the ports never answer, and points at its log', async () => {
    const { deps, start } = setup([], false);
    const result = await ensureAzurite(deps);
    expect(result).toMatchObject({ ok: false, problem: 'Azurite did not come up on ports 10000-10002.' });
    expect(result.ok ? [] : result.help).toEqual([
      `Its output is in ${join(projectDir, '.azurite', 'azurite.log')}.`,
    ]);
    expect(start.started[0]!.stopCalls).toBe(1);
  });

  it('gives up at once when the Azurite it started exits', async () => {
    const { deps, start } = setup([]);
    deps.waitForPorts = () => new Promise(() => undefined);
    const pending = ensureAzurite(deps);
    await new Promise((resolve) => setImmediate(resolve));
    start.started[0]!.exit(1);
    expect(await pending).toMatchObject({ ok: false });
  });

  it('refuses to start a second Azurite when another program holds part of its ports', async () => {
    const { deps, start } = setup([10001]);
    const result = await ensureAzurite(deps);
    expect(result).toMatchObject({
      ok: false,
      problem: expect.stringContaining('Port 10001 answers but not all of 10000-10002') as unknown,
    });
    expect(start.started).toEqual([]);
  });

  it('finds the dev dependency entry script', () => {
    expect(resolveAzuriteBin()).toMatch(/node_modules[\\/]azurite[\\/]dist[\\/]src[\\/]azurite\.js$/);
  });
});
