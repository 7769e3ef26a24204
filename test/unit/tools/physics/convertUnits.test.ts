import { runTool } from '../../../../src/tools/runTool';

async function convert(value: number, from: string, to: string) {
  return runTool('convert_units', JSON.stringify({ value, from, to }));
}

async function converted(value: number, from: string, to: string): Promise<number> {
  const result = await convert(value, from, to);
  if (result.status !== 'ok') {
    throw new Error(result.error.message);
  }
  return (JSON.parse(result.output) as { value: number }).value;
}

describe('convert_units', () => {
  it('converts 1 eV to exactly 1.602176634e-19 J, and MeV without float noise', async () => {
    await expect(converted(1, 'eV', 'J')).resolves.toBe(1.602176634e-19);
    await expect(converted(1, 'MeV', 'J')).resolves.toBe(1.602176634e-13);
  });

  it('converts temperatures named alone as scales, and inside compound units as differences', async () => {
    await expect(converted(25, '°C', 'K')).resolves.toBe(298.15);
    await expect(converted(0, 'K', '°C')).resolves.toBe(-273.15);
    await expect(converted(212, '°F', '°C')).resolves.toBe(100);
    await expect(converted(4184, 'J/kg*K', 'J/kg*°C')).resolves.toBe(4184);
  });

  it('converts compound and prefixed units', async () => {
    await expect(converted(36, 'km/h', 'm/s')).resolves.toBe(10);
    await expect(converted(1, 'kWh', 'MJ')).resolves.toBe(3.6);
    await expect(converted(1, 'atm', 'Pa')).resolves.toBe(101325);
    await expect(converted(1, 'kg*m/s^2', 'N')).resolves.toBe(1);
    await expect(converted(1, 'cal', 'J')).resolves.toBe(4.184);
  });

  it('returns the result with its unit and kind', async () => {
    const result = await convert(1, 'eV', 'J');
    expect(result.status === 'ok' && JSON.parse(result.output)).toEqual({
      value: 1.602176634e-19,
      unit: 'J',
      from: { value: 1, unit: 'eV' },
      kind: 'energy',
    });
  });

  it('hands back incompatible and unknown units as failures that say what is wrong', async () => {
    await expect(convert(1, 'm', 's')).resolves.toMatchObject({
      status: 'failed',
      error: {
        code: 'tool_failed',
        transient: false,
        message: expect.stringMatching(/"m" \(length\) to "s" \(time\)/),
      },
    });
    await expect(convert(1, 'eV', 'kg')).resolves.toMatchObject({
      error: { message: expect.stringMatching(/energy.*mass/) },
    });
    await expect(convert(1, 'furlongz', 'm')).resolves.toMatchObject({
      error: { message: expect.stringMatching(/Unknown unit "furlongz"/) },
    });
  });

  it('refuses units the library defines with rounded factors instead of answering wrong digits', async () => {
    await expect(convert(1, 'AU', 'm')).resolves.toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/astronomical unit \(exactly 149597870700 m/) },
    });
    await expect(convert(1, 'kpc', 'ly')).resolves.toMatchObject({
      error: { message: expect.stringMatching(/parsec/) },
    });
    await expect(convert(1, 'u', 'kg')).resolves.toMatchObject({
      error: { message: expect.stringMatching(/atomic mass/) },
    });
  });

  it('validates the arguments: a value must be a number', async () => {
    await expect(runTool('convert_units', '{"value":"1","from":"m","to":"ft"}')).resolves.toMatchObject({
      error: { code: 'invalid_arguments' },
    });
  });
});
