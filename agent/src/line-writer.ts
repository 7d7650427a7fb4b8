const BLOCK = 1 << 20;
const NEWLINE = Buffer.from("\n");

/** Writes lines to a stream in large blocks: one write per batch of events, not one per event. */
export class LineWriter {
  private block: Buffer = Buffer.allocUnsafe(BLOCK);
  private spare: Buffer | null = null; // a block the stream is done with: new ones are costly external memory
  private used = 0;
  private scheduled = false;

  constructor(private readonly out: NodeJS.WritableStream) {}

  line(text: string): void {
    this.bytes(Buffer.from(text));
  }

  /** A line given as UTF-8 bytes, without its newline. */
  bytes(line: Uint8Array): void {
    if (this.used + line.length + 1 > this.block.length) this.flush();
    if (line.length + 1 > this.block.length) {
      this.out.write(Buffer.concat([line, NEWLINE]));
      return;
    }
    this.block.set(line, this.used);
    this.used += line.length;
    this.block[this.used++] = 0x0a;
    this.schedule();
  }

  flush(): void {
    this.scheduled = false;
    if (this.used === 0) return;
    const written = this.block;
    this.out.write(written.subarray(0, this.used), () => {
      this.spare ??= written;
    });
    this.block = this.spare ?? Buffer.allocUnsafe(BLOCK);
    this.spare = null;
    this.used = 0;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}
