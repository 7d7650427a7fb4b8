import { isUtf8 } from "node:buffer";

// Kernel strings are bytes: valid UTF-8 passes through as is, each invalid byte becomes the text \xNN.
export function text(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if ((buf[i] as number) >= 0x80) {
      const bytes = buf.subarray(start, end);
      return isUtf8(bytes) ? bytes.toString("utf8") : escapeInvalid(bytes);
    }
  }
  return buf.toString("latin1", start, end); // ASCII, the common case: no copy, no validation call
}

/** A NUL-terminated string starting at `start`, read at most to `end`. */
export function cString(buf: Buffer, start: number, end: number): string {
  const nul = buf.indexOf(0, start);
  return text(buf, start, nul === -1 || nul > end ? end : nul);
}

/** The NUL-separated strings of buf[start, end); a missing final NUL (a cut string) still yields it. */
export function splitNul(buf: Buffer, start: number, end: number): string[] {
  const parts: string[] = [];
  let at = start;
  while (at < end) {
    let nul = buf.indexOf(0, at);
    if (nul === -1 || nul > end) nul = end;
    parts.push(text(buf, at, nul));
    at = nul + 1;
  }
  return parts;
}

function escapeInvalid(bytes: Buffer): string {
  let out = "";
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = validSequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    out += `${bytes.toString("utf8", runStart, i)}\\x${bytes[i]?.toString(16).padStart(2, "0")}`;
    i += 1;
    runStart = i;
  }
  return out + bytes.toString("utf8", runStart, i);
}

function validSequenceLength(bytes: Buffer, i: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 >= 0xe1 && b0 <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
