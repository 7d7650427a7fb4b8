import { describe, expect, it } from "vitest";
import { parseLabels } from "./labels";

describe("parseLabels", () => {
  it("reads pairs separated by commas or lines, and names a part that is not one", () => {
    expect(parseLabels("env=prod, team = web\nrole=db")).toEqual({ env: "prod", team: "web", role: "db" });
    expect(parseLabels("env=prod, oops")).toBe('"oops" is not key=value');
  });

  it("keeps a label whatever its name, __proto__ included", () => {
    const labels = parseLabels("__proto__=x, constructor=y") as Record<string, string>;
    expect(Object.entries(labels)).toEqual([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });
});
