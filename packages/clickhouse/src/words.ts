/**
 * Text search as SQLite's FTS5 (unicode61, its default tokenizer) does it, for ClickHouse: a word is a run of
 * letters, digits and private-use characters, compared without case and without diacritics. Stored text keeps its
 * words between single spaces, each field between " | ", so a phrase is a plain substring that cannot cross fields.
 */
const WORD = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;

const ASCII = /^\p{ASCII}*$/u;
const ASCII_WORD = /[a-z0-9]+/g;

export function words(text: string): string[] {
  // Most command lines and paths: ASCII, whose words need no normalizing (6x faster).
  if (ASCII.test(text)) return text.toLowerCase().match(ASCII_WORD) ?? [];
  const found: string[] = [];
  for (const [word] of text.matchAll(WORD)) {
    const plain = word.normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC").toLowerCase();
    if (plain) found.push(plain);
  }
  return found;
}

/** The searchable text of fields: ` w w | w | ` (one part per field, in order). */
export const searchText = (fields: string[]) => ` ${fields.map((f) => words(f).join(" ")).join(" | ")} `;

/** What a phrase search (its words in order; a trailing `*` makes the last a prefix) finds in `searchText`. */
export function phraseNeedle(q: string): string {
  const prefix = /\*\s*$/.test(q);
  return ` ${words(q).join(" ")}${prefix ? "" : " "}`;
}
