/**
 * The durable backend stand-in's virtual clock and work accounting: work is due at virtual instants, and when
 * nothing is running the clock jumps to the next one (autoAdvance), so tests never sleep.
 */
export class VirtualScheduler {
  offset: number;
  busy = 0;
  autoAdvance: boolean;
  closed = false;
  readonly #queue: { dueAt: number; seq: number; fn: () => void }[] = [];
  #seq = 0;
  #kickPending = false;
  #wake: NodeJS.Timeout | undefined;
  readonly #idleWaiters: (() => void)[] = [];

  constructor(startTime: number, autoAdvance: boolean) {
    this.offset = startTime - Date.now();
    this.autoAdvance = autoAdvance;
  }

  now(): number {
    return Date.now() + this.offset;
  }

  at(dueAt: number, fn: () => void): void {
    // Kept sorted by due time, then by order of arrival: insert after the last entry due at or before dueAt.
    let low = 0;
    let high = this.#queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#queue[middle]!.dueAt <= dueAt) low = middle + 1;
      else high = middle;
    }
    this.#queue.splice(low, 0, { dueAt, seq: this.#seq++, fn });
    this.kick();
  }

  begin(): void {
    this.busy++;
  }

  end(): void {
    this.busy--;
    this.kick();
  }

  advance(ms: number): void {
    this.offset += ms;
    this.kick();
  }

  get pendingTimers(): number {
    return this.#queue.length;
  }

  kick(): void {
    if (this.#kickPending || this.closed) return;
    this.#kickPending = true;
    setImmediate(() => {
      this.#kickPending = false;
      this.#pump();
    });
  }

  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return this.busy === 0 && (this.#queue.length === 0 || !this.autoAdvance);
  }

  #pump(): void {
    if (this.closed) return;
    for (;;) {
      const next = this.#queue[0];
      if (!next) break;
      if (next.dueAt > this.now()) {
        if (this.busy > 0 || !this.autoAdvance) break;
        this.offset += next.dueAt - this.now();
      }
      this.#queue.shift();
      next.fn();
      if (this.busy > 0) break; // let that work run before advancing further
    }
    if (this.#wake) clearTimeout(this.#wake);
    this.#wake = undefined;
    const head = this.#queue[0];
    if (head) {
      this.#wake = setTimeout(
        () => {
          this.kick();
        },
        Math.max(0, head.dueAt - this.now()),
      );
    }
    if (this.#isIdle()) {
      for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  close(): void {
    this.closed = true;
    if (this.#wake) clearTimeout(this.#wake);
    this.#queue.length = 0;
    for (const w of this.#idleWaiters.splice(0)) w();
  }
}
