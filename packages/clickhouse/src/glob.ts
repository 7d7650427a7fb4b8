/**
 * SQLite's GLOB as an RE2 pattern (ClickHouse's `match`): `*` any run of characters, `?` one character, `[...]` one
 * of a set (`[^...]` none of it, `a-z` a range, a leading `]` itself); case matters; anything else is itself.
 * A pattern whose `[` is never closed matches nothing, as in SQLite.
 */
const NOTHING = "[^\\x00-\\x{10FFFF}]";

export function globToRegex(glob: string): string {
  let out = "";
  const chars = [...glob];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const set = charSet(chars, i + 1);
      if (!set) return NOTHING; // never closed
      out += set.pattern;
      i = set.end;
    } else out += itself(c);
  }
  return `(?s)^${out}$`;
}

/** The set starting after a `[` at `from`: its pattern and the index of its `]`. */
function charSet(chars: string[], from: number): { pattern: string; end: number } | null {
  let i = from;
  let negate = false;
  if (chars[i] === "^") {
    negate = true;
    i++;
  }
  let body = "";
  let first = true;
  for (; i < chars.length; i++, first = false) {
    const c = chars[i] as string;
    if (c === "]" && !first) {
      if (!body) return { pattern: negate ? "." : NOTHING, end: i }; // only reversed ranges
      return { pattern: `[${negate ? "^" : ""}${body}]`, end: i };
    }
    if (chars[i + 1] === "-" && chars[i + 2] !== undefined && chars[i + 2] !== "]") {
      const to = chars[i + 2] as string;
      // SQLite matches a reversed range against nothing; RE2 would refuse it.
      if ((c.codePointAt(0) as number) <= (to.codePointAt(0) as number)) body += `${itself(c)}-${itself(to)}`;
      i += 2;
    } else body += itself(c);
  }
  return null;
}

/** One character as itself in RE2 (inside or outside a set). */
const itself = (c: string) => `\\x{${(c.codePointAt(0) as number).toString(16)}}`;
