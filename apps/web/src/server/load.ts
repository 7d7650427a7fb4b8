/** The largest event batch body the agent API takes (before and after gunzip). */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Event batches the server holds at once (reading, decoding, or waiting for the single writer): each may hold up
 * to 16 MiB, so past `maxReading` the server answers "retry later" (agents keep the events spooled) rather than let
 * memory grow without bound. A saturated writer only makes agents wait for their answer, and their spools absorb it.
 */
export class BodyLimiter {
  private reading = 0;

  constructor(private readonly maxReading = 32) {}

  full(): boolean {
    return this.reading >= this.maxReading;
  }

  async read<B>(read: () => Promise<B>): Promise<B> {
    this.reading++;
    try {
      return await read();
    } finally {
      this.reading--;
    }
  }
}
