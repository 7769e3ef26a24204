import { join } from 'node:path';
import {
  checkCoreTools,
  coreToolsInstallCommand,
  findCoreTools,
  localCoreToolsBinary,
  parseCoreToolsVersion,
  withoutPackageBins,
} from '../../../scripts/start/coreTools';
import { failed, fakeRun, ok } from './fakes';

describe('the PATH npm start searches', () => {
  it("drops the node_modules/.bin folders npm run adds (where func is Core Tools' downloading shim), and only those", () => {
    const path = [
      '/work/app/node_modules/.bin',
      '/work/node_modules/.bin',
      '/node_modules/.bin',
      '/opt/node22/node_modules/.bin',
      '/usr/local/bin',
    ].join(':');
    expect(withoutPackageBins(path, '/work/app', ':')).toBe('/opt/node22/node_modules/.bin:/usr/local/bin');
  });
});

describe('finding Core Tools: node_modules first, then PATH', () => {
  const project = join('/work', 'app');
  const local = localCoreToolsBinary(project, 'linux');
  const localPackage = join(project, 'node_modules/azure-functions-core-tools/package.json');

  it('runs the binary the optional dependency downloaded, not its download-on-first-use shim', async () => {
    expect(local).toBe(join(project, 'node_modules/azure-functions-core-tools/bin/func'));
    expect(localCoreToolsBinary(project, 'win32').endsWith('func.exe')).toBe(true);
    const run = fakeRun({ [local]: ok('4.0.7030'), func: ok('4.0.6000') });
    expect(await findCoreTools(project, run, (path) => path === local)).toEqual({
      ok: true,
      command: local,
      version: '4.0.7030',
      where: 'local',
    });
    expect(run.ran.map(({ command }) => command)).toEqual([local]);
  });

  it('uses func on PATH when the package has no binary, and says why', async () => {
    const run = fakeRun({ func: ok('4.0.6000') });
    expect(await findCoreTools(project, run, (path) => path === localPackage)).toMatchObject({
      ok: true,
      command: 'func',
      where: 'path',
      note: expect.stringContaining('has no func binary') as unknown,
    });
  });

  it('with neither, says that npm install brings them and how to install them for the machine', async () => {
    const result = await findCoreTools(project, fakeRun({}), () => false);
    expect(result).toMatchObject({ ok: false, problem: 'func (Azure Functions Core Tools) is not on PATH.' });
    const help = result.ok ? '' : result.help.join('\n');
    expect(help).toContain('npm install puts Core Tools 4 in node_modules');
    expect(help).toContain(coreToolsInstallCommand);
  });

  it('falls back to PATH when the local binary does not run', async () => {
    const run = fakeRun({ [local]: failed('cannot execute binary file', 126), func: ok('4.0.6000') });
    expect(await findCoreTools(project, run, (path) => path === local)).toMatchObject({
      ok: true,
      command: 'func',
      note: expect.stringContaining('do not run') as unknown,
    });
  });
});

describe('the Core Tools check', () => {
  it('passes with Core Tools 4 and reports its version', async () => {
    const run = fakeRun({ func: ok('4.0.7030\n') });
    expect(await checkCoreTools(run)).toEqual({ ok: true, version: '4.0.7030' });
    expect(run.ran.map(({ command, args }) => [command, ...args])).toEqual([['func', '--version']]);
  });

  it('stops with the exact install command when func is missing', async () => {
    const result = await checkCoreTools(fakeRun({}));
    expect(result).toMatchObject({ ok: false, problem: 'func (Azure Functions Core Tools) is not on PATH.' });
    expect(result.ok ? [] : result.help).toContain(`  ${coreToolsInstallCommand}`);
    expect(coreToolsInstallCommand).toBe('npm install -g azure-functions-core-tools@4 --unsafe-perm true');
  });

  it('rejects Core Tools 3, which cannot run the v4 programming model', async () => {
    const result = await checkCoreTools(fakeRun({ func: ok('3.0.4899') }));
    expect(result).toMatchObject({
      ok: false,
      problem: 'Core Tools 3.0.4899 is too old: this app needs version 4.',
    });
  });

  it('reports a func that fails, with what it said', async () => {
    const result = await checkCoreTools(fakeRun({ func: failed('Segmentation fault\nmore', 139) }));
    expect(result).toMatchObject({
      ok: false,
      problem: 'func --version failed (exit 139): Segmentation fault',
    });
  });

  it.each([
    ['4.0.7030', 4, '4.0.7030'],
    ['4.1.0-preview.1\n', 4, '4.1.0-preview.1'],
    ['Azure Functions Core Tools 3.0.3904', 3, '3.0.3904'],
  ])('reads the version from %j', (output, major, version) => {
    expect(parseCoreToolsVersion(output)).toEqual({ major, version });
  });

  it('reads no version from output without one', () => {
    expect(parseCoreToolsVersion('command not found')).toBeUndefined();
  });
});
