import { FRAME_MAGIC, layout, RECORD_MAX } from "./abi";

const HEADER_SIZE = layout.vigil_header.size;
const MAGIC = Buffer.alloc(4);
MAGIC.writeUInt32LE(FRAME_MAGIC);

/** Receives each record in place, as buf[start, end), valid only during the call; or the error for a damaged frame. */
export type FrameSink = {
  record(buf: Buffer, start: number, end: number): void;
  error(message: string): void;
};

/** Splits the sensor's byte stream into records; a damaged frame yields one error and the reader moves on. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private streamOffset = 0;

  constructor(private readonly sink: FrameSink) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    while (this.pending.length - at >= 8) {
      if (this.pending.readUInt32LE(at) !== FRAME_MAGIC) {
        at = this.skipToMagic(at, "no frame marker");
        continue;
      }
      const length = this.pending.readUInt32LE(at + 4);
      if (length < HEADER_SIZE || length > RECORD_MAX) {
        at = this.skipToMagic(at + 1, `frame length ${length} is outside ${HEADER_SIZE}..${RECORD_MAX}`, at);
        continue;
      }
      if (this.pending.length - at < 8 + length) break;
      this.sink.record(this.pending, at + 8, at + 8 + length);
      at += 8 + length;
    }
    this.consume(at);
  }

  /** Call when the stream ends: a partial frame left over is reported. */
  end(): void {
    if (this.pending.length === 0) return;
    const error = `stream ended inside a frame at byte ${this.streamOffset} (${this.pending.length} bytes left over)`;
    this.consume(this.pending.length);
    this.sink.error(error);
  }

  private skipToMagic(from: number, reason: string, badAt = from): number {
    const next = this.pending.indexOf(MAGIC, from);
    const resumeAt = next === -1 ? Math.max(from, this.pending.length - 3) : next;
    this.sink.error(
      `${reason} at byte ${this.streamOffset + badAt}; skipped ${resumeAt - badAt} bytes to the next frame`,
    );
    return resumeAt;
  }

  private consume(count: number): void {
    this.pending = this.pending.subarray(count);
    this.streamOffset += count;
  }
}
