import { parseStartOptions } from '../../../scripts/start/options';

describe('npm start options', () => {
  it('defaults to building and to the Durable Task Scheduler emulator', () => {
    expect(parseStartOptions([])).toEqual({ noDocker: false, noBuild: false, help: false, funcArgs: [] });
  });

  it('reads --no-docker and --no-build, and passes what follows -- to func start', () => {
    expect(parseStartOptions(['--no-docker', '--no-build', '--', '--port', '7072'])).toEqual({
      noDocker: true,
      noBuild: true,
      help: false,
      funcArgs: ['--port', '7072'],
    });
  });

  it('rejects unknown options and stray words, so a typo does not start anything', () => {
    expect(parseStartOptions(['--no-dokcer'])).toMatchObject({
      error: expect.stringContaining("'--no-dokcer'") as unknown,
    });
    expect(parseStartOptions(['port', '--', '--port', '7072'])).toEqual({
      error: 'Unexpected argument "port". Options for func start go after --.',
    });
  });
});
