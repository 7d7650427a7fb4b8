/** The largest event batch body the agent API takes (before and after gunzip). */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Requests of the agent API reading their bodies at once: each may hold up to 16 MiB, so past `maxReading` the
 * server answers "retry later" (agents keep the events spooled) rather than let memory grow without bound.
 * Batches whose bodies have arrived are stored one after another by the single writer; a saturated writer only
 * makes agents wait for their answer, and their spools absorb it.
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
