import { dtsImage, ensureDtsEmulator } from '../../../scripts/start/dtsEmulator';
import { failed, fakePorts, fakeRun, ok } from './fakes';

const containerId = 'f00dfeed1234567890abcdef';

function setup(replies: Parameters<typeof fakeRun>[0], open: number[] = [], comesUp = true) {
  const run = fakeRun(replies);
  const probe = fakePorts(open);
  return { run, deps: { probe, run, waitForPorts: () => Promise.resolve(comesUp) } };
}

const dockerRun = (ran: { command: string; args: readonly string[] }[]) =>
  ran.find(({ command, args }) => command === 'docker' && args[0] === 'run');

describe('the Durable Task Scheduler emulator check', () => {
  it('uses whatever answers on 8080 and never calls Docker', async () => {
    const { run, deps } = setup({}, [8080]);
    expect(await ensureDtsEmulator(deps)).toEqual({ ok: true, state: 'running' });
    expect(run.ran).toEqual([]);
  });

  it('starts the emulator image with ports 8080 and 8082 when the Docker daemon answers', async () => {
    const { run, deps } = setup({ docker: [ok('27.3.1\n'), ok(`${containerId}\n`)] });
    expect(await ensureDtsEmulator(deps)).toEqual({ ok: true, state: 'started', containerId });
    expect(run.ran[0]!.args).toEqual(['info', '--format', '{{.ServerVersion}}']);
    const started = dockerRun(run.ran)!;
    expect(started.args).toEqual(['run', '-d', '--rm', '-p', '8080:8080', '-p', '8082:8082', dtsImage]);
    expect(dtsImage).toBe('mcr.microsoft.com/dts/dts-emulator:latest');
  });

  it('says how to go on when Docker is not installed: start it, run the emulator, or --no-docker', async () => {
    const { deps } = setup({});
    const result = await ensureDtsEmulator(deps);
    expect(result).toMatchObject({
      ok: false,
      problem: expect.stringContaining('Docker is not installed') as unknown,
    });
    const help = result.ok ? '' : result.help.join('\n');
    expect(help).toContain('npm start -- --no-docker');
    expect(help).toContain(`docker run -d -p 8080:8080 -p 8082:8082 ${dtsImage}`);
  });

  it('does not try to run a container when the daemon does not answer', async () => {
    const { run, deps } = setup({
      docker: failed('Cannot connect to the Docker daemon at unix:///var/run/docker.sock.'),
    });
    const result = await ensureDtsEmulator(deps);
    expect(result).toMatchObject({
      ok: false,
      problem:
        'Nothing answers on port 8080 and the Docker daemon does not answer: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.',
    });
    expect(dockerRun(run.ran)).toBeUndefined();
  });

  it('reports a failed docker run (Docker printed why) and mentions taken ports', async () => {
    const { deps } = setup({ docker: [ok('27.3.1'), failed('port is already allocated', 125)] });
    const result = await ensureDtsEmulator(deps);
    expect(result).toMatchObject({
      ok: false,
      problem: `docker run ${dtsImage} failed (exit 125); Docker's message is above.`,
    });
  });

  it('stops the container again when its port never answers', async () => {
    const { run, deps } = setup({ docker: [ok('27.3.1'), ok(containerId), ok(containerId)] }, [], false);
    expect(await ensureDtsEmulator(deps)).toMatchObject({ ok: false });
    expect(run.ran.at(-1)!.args).toEqual(['stop', containerId]);
  });
});
