/** A writable stand-in for stdout/stderr that keeps what was written; `isTTY` makes it look like a terminal. */
export class CapturedStream {
  readonly chunks: string[] = [];
  columns = 100;

  constructor(readonly isTTY = false) {}

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  get text(): string {
    return this.chunks.join('');
  }

  /** What a terminal would keep visible, roughly: the text without ANSI control sequences. */
  get plain(): string {
    // eslint-disable-next-line no-control-regex
    return this.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  }
}
