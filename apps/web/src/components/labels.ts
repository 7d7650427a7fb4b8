/** "env=prod, team=web" (or one pair a line) as labels; a part without "=" is reported, not dropped. */
export function parseLabels(text: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const part of text.split(/[\n,]/).map((p) => p.trim())) {
    if (part === "") continue;
    const at = part.indexOf("=");
    if (at <= 0) return `"${part}" is not key=value`;
    labels[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return labels;
}
