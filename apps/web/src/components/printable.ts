// Control characters (newlines, escapes, NUL) and bidirectional overrides, which could fake or hide text on screen.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const hidden = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A string from a host, shown as text with its invisible characters made visible (\n, \u001b, ...). */
export const printable = (text: string) =>
  text.replace(hidden, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** argv as one line, each argument that would be ambiguous (empty, spaces) quoted. */
export const commandLine = (argv: readonly string[]) =>
  argv.map((a) => (a === "" || /\s/.test(a) ? JSON.stringify(a) : printable(a))).join(" ");

/** JSON text with bidirectional overrides escaped (still valid JSON): JSON.stringify leaves them as they are. */
export const safeJson = (value: unknown, indent = 2) =>
  JSON.stringify(value, null, indent).replace(
    /[\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
