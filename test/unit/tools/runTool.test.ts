import * as z from 'zod';
import { createToolRegistry } from '../../../src/tools/registry';
import { runTool } from '../../../src/tools/runTool';
import { defineTool, ToolError, toolArgumentsMaxChars, type ToolDefinition } from '../../../src/tools/tool';

function tool(overrides: Partial<ToolDefinition> & Pick<ToolDefinition, 'name' | 'handler'>): ToolDefinition {
  return {
    description: 'A test tool.',
    input: z.strictObject({ text: z.string(), times: z.number().int().min(1) }),
    outputMaxChars: 1000,
    outputMaxBytes: 2000,
    timeoutMs: 1000,
    timeoutIsTransient: false,
    ...overrides,
  };
}

let hangingCallAborted = false;

const registry = createToolRegistry([
  defineTool({
    name: 'repeat',
    description: 'Repeats a text.',
    input: z.strictObject({ text: z.string(), times: z.number().int().min(1) }),
    handler: ({ text, times }) => text.repeat(times),
    outputMaxChars: 1000,
    outputMaxBytes: 2000,
    timeoutMs: 1000,
    timeoutIsTransient: false,
  }),
  tool({
    name: 'flaky',
    handler: () => {
      throw new ToolError('The service is unavailable.', { transient: true });
    },
  }),
  tool({
    name: 'broken',
    handler: () => {
      throw new TypeError('Cannot read properties of undefined');
    },
  }),
  tool({ name: 'rejects', handler: () => Promise.reject(new ToolError('No such entry.')) }),
  tool({
    name: 'hangs',
    timeoutMs: 50,
    handler: (_args, signal) =>
      new Promise(() => {
        signal.addEventListener('abort', () => {
          hangingCallAborted = true;
        });
      }),
  }),
  tool({
    name: 'remote',
    timeoutMs: 50,
    timeoutIsTransient: true,
    handler: () => new Promise(() => undefined),
  }),
  tool({ name: 'wordy', outputMaxChars: 20, handler: () => 'x'.repeat(100) }),
  tool({ name: 'escapes', outputMaxBytes: 64, handler: () => '"'.repeat(100) }),
  tool({ name: 'structured', handler: () => ({ value: 1.5, unit: 'J' }) }),
]);

describe('runTool', () => {
  it('runs the handler with the validated arguments and returns its result as JSON text', async () => {
    await expect(runTool('repeat', '{"text":"ab","times":3}', registry)).resolves.toEqual({
      status: 'ok',
      tool: 'repeat',
      output: '"ababab"',
      truncated: false,
    });
    await expect(runTool('structured', '{"text":"","times":1}', registry)).resolves.toMatchObject({
      output: '{"value":1.5,"unit":"J"}',
    });
  });

  it('names the available tools when the model calls one that does not exist', async () => {
    const result = await runTool('teleport', '{}', registry);
    expect(result).toMatchObject({
      status: 'failed',
      tool: 'teleport',
      error: { code: 'unknown_tool', transient: false },
    });
    expect(result.status === 'failed' && result.error.message).toMatch(/"teleport".*repeat, flaky/);
  });

  it('hands back arguments that are not JSON as invalid_arguments, without running the handler', async () => {
    const result = await runTool('repeat', '{"text": "ab", times: 3', registry);
    expect(result).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_arguments', transient: false },
    });
    expect(result.status === 'failed' && result.error.message).toMatch(/not valid JSON/);
  });

  it('says which argument breaks the schema: a wrong type, a missing field, an extra field', async () => {
    const wrongType = await runTool('repeat', '{"text":"ab","times":"3"}', registry);
    expect(wrongType.status === 'failed' && wrongType.error).toMatchObject({ code: 'invalid_arguments' });
    expect(wrongType.status === 'failed' && wrongType.error.message).toMatch(/times/);
    const missing = await runTool('repeat', '{"text":"ab"}', registry);
    expect(missing.status === 'failed' && missing.error.message).toMatch(/times/);
    const extra = await runTool('repeat', '{"text":"ab","times":1,"speed":9}', registry);
    expect(extra.status === 'failed' && extra.error.message).toMatch(/speed/);
  });

  it('refuses arguments longer than the cap before parsing them', async () => {
    const long = JSON.stringify({ text: 'a'.repeat(toolArgumentsMaxChars), times: 1 });
    const result = await runTool('repeat', long, registry);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'invalid_arguments' } });
    expect(result.status === 'failed' && result.error.message).toMatch(/at most 4000/);
  });

  it('turns a handler exception into tool_failed, transient only when the tool says so', async () => {
    await expect(runTool('flaky', '{"text":"","times":1}', registry)).resolves.toEqual({
      status: 'failed',
      tool: 'flaky',
      error: { code: 'tool_failed', message: 'The service is unavailable.', transient: true },
    });
    await expect(runTool('broken', '{"text":"","times":1}', registry)).resolves.toEqual({
      status: 'failed',
      tool: 'broken',
      error: { code: 'tool_failed', message: 'Cannot read properties of undefined', transient: false },
    });
    await expect(runTool('rejects', '{"text":"","times":1}', registry)).resolves.toMatchObject({
      error: { code: 'tool_failed', message: 'No such entry.', transient: false },
    });
  });

  it('abandons a call past the time limit, aborting its signal; the timeout is transient only if the tool says so', async () => {
    const started = Date.now();
    await expect(runTool('hangs', '{"text":"","times":1}', registry)).resolves.toMatchObject({
      status: 'failed',
      error: { code: 'timeout', message: 'The tool did not finish within 50 ms.', transient: false },
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(hangingCallAborted).toBe(true);
    await expect(runTool('remote', '{"text":"","times":1}', registry)).resolves.toMatchObject({
      error: { code: 'timeout', transient: true },
    });
  });

  it('cuts the output to the tool cap in characters and in JSON bytes, and says so', async () => {
    const wordy = await runTool('wordy', '{"text":"","times":1}', registry);
    expect(wordy).toMatchObject({ status: 'ok', truncated: true });
    expect(wordy.status === 'ok' && Array.from(wordy.output)).toHaveLength(20);
    const escapes = await runTool('escapes', '{"text":"","times":1}', registry);
    expect(escapes).toMatchObject({ status: 'ok', truncated: true });
    expect(escapes.status === 'ok' && Buffer.byteLength(JSON.stringify(escapes.output))).toBeLessThanOrEqual(
      64,
    );
  });

  it('runs the default tools by name with the app registry', async () => {
    const result = await runTool('molar_mass', '{"formula":"H2O"}');
    expect(result.status === 'ok' && JSON.parse(result.output)).toMatchObject({ molarMass: 18.015 });
  });
});

describe('createToolRegistry', () => {
  it('refuses a tool whose schema strict mode would reject, a bad name and a name given twice, naming each', () => {
    expect(() =>
      createToolRegistry([
        tool({ name: 'optional', input: z.strictObject({ a: z.string().optional() }), handler: () => null }),
        tool({ name: 'has space', handler: () => null }),
        tool({ name: 'twice', handler: () => null }),
        tool({ name: 'twice', handler: () => null }),
      ]),
    ).toThrow(
      /"optional".*\.a: every property must be required[\s\S]*"has space"[\s\S]*"twice" is defined twice/,
    );
  });

  it('declares each tool for the model as a strict function with the JSON Schema of its arguments', () => {
    expect(registry.declaration('repeat')).toEqual({
      name: 'repeat',
      description: 'Repeats a text.',
      strict: true,
      parameters: {
        type: 'object',
        properties: {
          text: { type: 'string' },
          times: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
        },
        required: ['text', 'times'],
        additionalProperties: false,
      },
    });
    expect(registry.declaration('nothing')).toBeUndefined();
  });
});
