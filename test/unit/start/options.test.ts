import { parseStartOptions } from '../../../scripts/start/options';

const defaults = {
  noDocker: false,
  noBuild: false,
  stubModel: false,
  help: false,
  port: 7071,
  funcArgs: [],
};

describe('npm start options', () => {
  it('defaults to building, a configured model, the scheduler emulator and port 7071', () => {
    expect(parseStartOptions([])).toEqual(defaults);
  });

  it('reads --no-docker, --no-build and --stub-model, and passes what follows -- to func start', () => {
    expect(parseStartOptions(['--no-docker', '--no-build', '--stub-model', '--', '--verbose'])).toEqual({
      ...defaults,
      noDocker: true,
      noBuild: true,
      stubModel: true,
      funcArgs: ['--verbose'],
    });
  });

  it('takes --port itself and hands it on to func start', () => {
    expect(parseStartOptions(['--port', '7072'])).toEqual({
      ...defaults,
      port: 7072,
      funcArgs: ['--port', '7072'],
    });
  });

  it('knows the port given to func start after --, so its checks and hints follow it', () => {
    expect(parseStartOptions(['--', '--port', '7073'])).toEqual({
      ...defaults,
      port: 7073,
      funcArgs: ['--port', '7073'],
    });
    expect(parseStartOptions(['--', '-p', '7074'])).toMatchObject({ port: 7074 });
  });

  it('rejects a port that is not one, or given twice', () => {
    expect(parseStartOptions(['--port', 'http'])).toEqual({
      error: '--port takes a port number from 1 to 65535, e.g. --port 7072; got "http".',
    });
    expect(parseStartOptions(['--port', '70000'])).toHaveProperty('error');
    expect(parseStartOptions(['--port'])).toEqual({ error: '--port needs a value, e.g. --port 7072.' });
    expect(parseStartOptions(['--port', '7072', '--', '--port', '7073'])).toEqual({
      error: 'Give --port once: before the second -- or after it, not both.',
    });
  });

  it('names an unknown option plainly, with the options there are', () => {
    expect(parseStartOptions(['--bogus'])).toEqual({
      error:
        'Unknown option --bogus. npm start takes --port <n>, --stub-model, --no-docker, --no-build, --help; options for func start go after a second --.',
    });
  });

  it('rejects stray words, so a typo does not start anything', () => {
    expect(parseStartOptions(['port', '--', '--verbose'])).toEqual({
      error: 'Unexpected argument "port". Options for func start go after a second --.',
    });
  });
});
