/** The largest event batch body the agent API takes (before and after gunzip). */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/** What a batch is counted as at least: its decoded rows and the request's own memory. */
const MIN_BATCH_BYTES = 64 * 1024;

/**
 * The event batches the server holds at once (reading, decoding, or waiting for the single writer), counted by
 * their size: a body's declared length, or the largest a body may be when it declares none. Past `maxBytes` the
 * server answers "retry later" (agents keep the events spooled) rather than let memory grow without bound; many
 * small batches from a large fleet fit, 32 of the largest do.
 */
export class BodyLimiter {
  private held = 0;

  constructor(private readonly maxBytes = 32 * MAX_BATCH_BYTES) {}

  /** The bytes a request with this Content-Length header counts for. */
  static sizeOf(contentLength: string | null): number {
    const declared = Number(contentLength ?? Number.NaN);
    if (!Number.isInteger(declared) || declared < 0 || declared > MAX_BATCH_BYTES) return MAX_BATCH_BYTES;
    return Math.max(declared, MIN_BATCH_BYTES);
  }

  /** Whether a batch of `bytes` more would pass the limit. */
  full(bytes: number): boolean {
    return this.held > 0 && this.held + bytes > this.maxBytes;
  }

  async read<B>(bytes: number, read: () => Promise<B>): Promise<B> {
    this.held += bytes;
    try {
      return await read();
    } finally {
      this.held -= bytes;
    }
  }
}

/**
 * Events decoded and waiting for the writer. The writer has a thread of its own, so a writer that falls behind does
 * not slow the answering of requests: past `maxEvents` waiting (a few seconds of its work) new batches are answered
 * "retry later", and agents keep them spooled rather than the server's memory and answer times growing.
 */
export class WriteBacklog {
  private waiting = 0;

  constructor(private readonly maxEvents = 250_000) {}

  get full(): boolean {
    return this.waiting >= this.maxEvents;
  }

  async write<T>(events: number, write: () => Promise<T>): Promise<T> {
    this.waiting += events;
    try {
      return await write();
    } finally {
      this.waiting -= events;
    }
  }
}
