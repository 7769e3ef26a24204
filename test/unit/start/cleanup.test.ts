import { StartedResources } from '../../../scripts/start/cleanup';

describe('StartedResources', () => {
  it('stops what was started in reverse order, once, and goes on past a failure', async () => {
    const stopped: string[] = [];
    const resources = new StartedResources();
    resources.add('Azurite', () => {
      stopped.push('Azurite');
    });
    resources.add('the emulator', () => {
      stopped.push('the emulator');
      throw new Error('docker stop timed out');
    });
    const said: string[] = [];
    await Promise.all([
      resources.stopAll((line) => said.push(line)),
      resources.stopAll((line) => said.push(line)),
    ]);
    await resources.stopAll((line) => said.push(line));
    expect(stopped).toEqual(['the emulator', 'Azurite']);
    expect(said).toEqual([
      'Stopping the emulator (started by npm start).',
      '  Could not stop the emulator: docker stop timed out',
      'Stopping Azurite (started by npm start).',
    ]);
  });
});
