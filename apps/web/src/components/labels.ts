/** "env=prod, team=web" (or one pair a line) as labels; a part without "=" is reported, not dropped. */
export function parseLabels(text: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const part of text.split(/[\n,]/).map((p) => p.trim())) {
    if (part === "") continue;
    const at = part.indexOf("=");
    if (at <= 0) return `"${part}" is not key=value`;
    // Defined, not assigned: "__proto__=x" would otherwise set the object's prototype and vanish.
    Object.defineProperty(labels, part.slice(0, at).trim(), {
      value: part.slice(at + 1).trim(),
      enumerable: true,
      writable: true,
    });
  }
  return labels;
}
