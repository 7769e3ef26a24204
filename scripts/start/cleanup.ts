import { messageOf } from '../../src/errorMessage';

/** What npm start started, stopped in reverse order on the way out; what it found running is never listed. */
export class StartedResources {
  readonly #stops: { name: string; stop: () => Promise<void> | void }[] = [];
  #stopping: Promise<void> | undefined;

  add(name: string, stop: () => Promise<void> | void): void {
    this.#stops.push({ name, stop });
  }

  get names(): string[] {
    return this.#stops.map((entry) => entry.name);
  }

  /** Stops everything once, however often it is called (a second Ctrl-C, an error during shutdown). */
  stopAll(say: (line: string) => void): Promise<void> {
    this.#stopping ??= (async () => {
      for (const { name, stop } of [...this.#stops].reverse()) {
        say(`Stopping ${name} (started by npm start).`);
        try {
          await stop();
        } catch (error) {
          say(`  Could not stop ${name}: ${messageOf(error)}`);
        }
      }
    })();
    return this.#stopping;
  }
}
