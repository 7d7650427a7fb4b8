import { describe, expect, it } from "vitest";
import { lineDiff } from "./line-diff";

describe("lineDiff", () => {
  it("keeps common lines and marks what was removed and added, in order", () => {
    expect(lineDiff("a\nb\nc\nd", "a\nc\nx\nd")).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "same", text: "c" },
      { kind: "added", text: "x" },
      { kind: "same", text: "d" },
    ]);
  });

  it("rebuilds both texts from the diff", () => {
    const before = "mode: audit\nrules:\n  - id: a\n  - id: b\n";
    const after = "mode: enforce\nrules:\n  - id: b\n  - id: c\n";
    const diff = lineDiff(before, after);
    const side = (kind: string) =>
      diff
        .filter((l) => l.kind === "same" || l.kind === kind)
        .map((l) => l.text)
        .join("\n");
    expect(side("removed")).toBe(before);
    expect(side("added")).toBe(after);
    expect(diff.filter((l) => l.kind === "same")).toHaveLength(3); // rules:, - id: b, and the last empty line
  });
});
