/* eslint-disable @typescript-eslint/no-require-imports -- a fresh module registry is reached through require */

/**
 * Tool code and data load on first use, so the cold start pays only for the tools' schemas: each data module and
 * the units library is watched, the registry is loaded, and nothing of them may load until a tool is called.
 */
describe('tool code and data', () => {
  it('load on the first call of their tool, not when the app loads the tool registry', async () => {
    const loaded: string[] = [];
    const watch = (path: string, name: string) => {
      jest.doMock(path, () => {
        loaded.push(name);
        return jest.requireActual<object>(path);
      });
    };
    let runTool: typeof import('../../../src/tools/runTool').runTool = () => {
      throw new Error('not loaded');
    };
    jest.isolateModules(() => {
      watch('../../../src/tools/physics/codata2022', 'CODATA table');
      watch('../../../src/tools/chemistry/elements', 'element table');
      watch('js-quantities', 'units library');
      require('../../../src/agents/catalog');
      ({ runTool } = require('../../../src/tools/runTool') as typeof import('../../../src/tools/runTool'));
    });
    expect(loaded).toEqual([]);

    await runTool('molar_mass', '{"formula":"H2O"}');
    expect(loaded).toEqual(['element table']);
    await runTool('physical_constant', '{"query":"c"}');
    await runTool('convert_units', '{"value":1,"from":"eV","to":"J"}');
    expect(loaded).toEqual(['element table', 'CODATA table', 'units library']);
  });
});
