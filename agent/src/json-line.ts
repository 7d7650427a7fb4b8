/**
 * One line of JSON written straight into bytes. The agent writes every event this way: building it as a string
 * first cost several kilobytes of garbage per event, and collecting that garbage was most of the agent's CPU.
 */
export class JsonLine {
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private at = 0;

  /** Starts a new line; the view a previous `bytes()` returned becomes invalid. */
  reset(): this {
    this.at = 0;
    return this;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.at;
  }

  /** The line written so far: a view valid until the next reset. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  /** Text known to be ASCII that needs no escaping: keys, punctuation, names of ours. */
  raw(text: string): this {
    this.reserve(text.length);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    this.at = at;
    return this;
  }

  /** A JSON string value, quoted and escaped. Host strings are hostile: anything unusual goes through JSON.stringify. */
  string(value: string): this {
    this.reserve(value.length + 2);
    const buf = this.buf;
    let at = this.at;
    buf[at++] = 0x22;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code < 0x20 || code === 0x22 || code === 0x5c || code > 0x7e) return this.escaped(value);
      buf[at++] = code;
    }
    buf[at++] = 0x22;
    this.at = at;
    return this;
  }

  /** A JSON array of strings. */
  strings(values: string[]): this {
    this.raw("[");
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.raw(",");
      this.string(values[i] as string);
    }
    return this.raw("]");
  }

  /** A non-negative integer below 2^53. */
  uint(value: number): this {
    this.reserve(16);
    if (value < 10) {
      this.buf[this.at++] = 0x30 + value;
      return this;
    }
    let digits = 0;
    for (let rest = value; rest >= 1; rest = Math.floor(rest / 10)) digits++;
    let at = this.at + digits;
    this.at = at;
    for (let rest = value; rest >= 1; rest = Math.floor(rest / 10)) this.buf[--at] = 0x30 + (rest % 10);
    return this;
  }

  /** A non-negative integer below 2^32 as exactly `width` digits, zero-padded. */
  padded(value: number, width: number): this {
    this.reserve(width);
    let rest = value;
    for (let i = this.at + width - 1; i >= this.at; i--) {
      this.buf[i] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.at += width;
    return this;
  }

  /** A non-negative integer below 2^32 in lower-case hexadecimal. */
  hex(value: number): this {
    this.reserve(8);
    let digits = 1;
    while (digits < 8 && value >>> (4 * digits) !== 0) digits++;
    return this.hexDigits(value, digits);
  }

  /** A value below 2^32 as exactly 8 hexadecimal digits. */
  hex8(value: number): this {
    this.reserve(8);
    return this.hexDigits(value, 8);
  }

  /** Bytes that are already JSON (a fragment cached from an earlier line). */
  json(fragment: Uint8Array): this {
    this.reserve(fragment.length);
    this.buf.set(fragment, this.at);
    this.at += fragment.length;
    return this;
  }

  private hexDigits(value: number, digits: number): this {
    for (let i = digits - 1; i >= 0; i--) {
      const nibble = (value >>> (4 * (digits - 1 - i))) & 0xf;
      this.buf[this.at + i] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble;
    }
    this.at += digits;
    return this;
  }

  private escaped(value: string): this {
    const text = JSON.stringify(value);
    this.reserve(text.length * 3);
    this.at += this.buf.write(text, this.at, "utf8");
    return this;
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}
