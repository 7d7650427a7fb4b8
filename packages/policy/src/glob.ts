/**
 * Glob patterns for paths and names: `*` is any run of characters within one path segment, `**` any run that may
 * cross `/`, `?` one character other than `/`, and `\` takes the next character literally.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\" && i + 1 < pattern.length) source += literal(pattern[++i] as string);
    else if (c === "*" && pattern[i + 1] === "*") {
      source += "[^]*";
      i++;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += literal(c);
  }
  return new RegExp(`^${source}$`, "u");
}

// Only the characters that need it: with the u flag, escaping any other is a syntax error.
const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * The pattern as an SQLite GLOB that matches everything it matches (and may match more: GLOB's `*` crosses `/`),
 * for narrowing rows in SQL before the exact test.
 */
export function sqlGlob(pattern: string): string {
  let glob = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\" && i + 1 < pattern.length) glob += sqlLiteral(pattern[++i] as string);
    else if (c === "*") {
      glob += "*";
      while (pattern[i + 1] === "*") i++;
    } else if (c === "?") glob += "?";
    else glob += sqlLiteral(c);
  }
  return glob;
}

const sqlLiteral = (c: string) => (c === "*" || c === "?" || c === "[" ? `[${c}]` : c);
