import {
  checkCoreTools,
  coreToolsInstallCommand,
  parseCoreToolsVersion,
} from '../../../scripts/start/coreTools';
import { failed, fakeRun, ok } from './fakes';

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
