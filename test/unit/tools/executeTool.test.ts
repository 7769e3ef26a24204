import { executeTool } from '../../../src/tools/executeTool';

describe('executeTool', () => {
  it('runs the call the model asked for and returns its output as JSON text', async () => {
    await expect(
      executeTool({ tool: 'convert_units', callId: 'c1', arguments: '{"value":1,"from":"eV","to":"J"}' }),
    ).resolves.toMatchObject({
      status: 'ok',
      tool: 'convert_units',
      output: expect.stringContaining('1.602176634e-19') as unknown,
    });
  });

  it('returns a failure value for an input it cannot read, never a throw', async () => {
    await expect(executeTool({ tool: 'molar_mass' })).resolves.toMatchObject({
      status: 'failed',
      tool: 'molar_mass',
      error: { code: 'invalid_arguments', transient: false },
    });
  });
});
